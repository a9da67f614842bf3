"""Read a fenced block's info string: its language, display options, and whether it is a step.

Shared by the Markdown renderer (which shows steps) and the runbook planner (which runs them),
so a block means the same thing in both places.

An info string is free text (CommonMark), and other tools put their own words there, so
reading one never fails. Only an attribute set meant for a step makes a runbook step: braces
holding `#id` or `name=…` (```` ```sh {#deploy on=web} ````), or Runme's JSON with a `"name"`.
Everything else is a code block, and these forms from other tools are understood:

- Hugo: ```` ```go {linenos=table,hl_lines=[2,"4-5"],linenostart=10} ````
- Zola: ```` ```rust,linenos,hl_lines=1 3-5 ````
- MDX / Docusaurus / rehype-pretty-code: ```` ```js {1,4-6} showLineNumbers ````
- Pandoc: ```` ```{.python .numberLines} ```` (the first class names the language)
- Quarto / R Markdown: ```` ```{python} ````, ```` ```{r setup, echo=FALSE} ````
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

# A line number or range as the tools write them: `3`, `4-6`.
_RANGE_RE = re.compile(r"(\d{1,9})(?:\s*-\s*(\d{1,9}))?")
_NUMBER_RE = re.compile(r"\d{1,9}")
_LINE_SPEC_RE = re.compile(r"\d+(?:-\d+)?")
_SHOW_LINE_NUMBERS_RE = re.compile(r"\bshowLineNumbers(?:\{(\d{1,9})\})?")
# Words of a non-step attribute set: separated by spaces or commas, except inside quotes or [].
_OPTION_WORD_RE = re.compile(r"""(?:"[^"]*"|'[^']*'|\[[^\]]*\]|[^\s,"'\[])+|["'\[]""")
_LINENOS_WORDS = frozenset({"linenos", "showlinenumbers", "numberlines", "number-lines", "line-numbers"})
_JSON_NAME_RE = re.compile(r'"name"\s*:\s*"([^"\\]+)"')
_MAX_RANGES = 256


@dataclass(frozen=True)
class FenceInfo:
    lang: str
    """The language word (`sh`, `python`, …), lower-cased; empty when absent."""
    is_step: bool = False
    """True for a runbook step: braces holding `#id`, `name=…`, or JSON with `"name"`."""
    attrs: dict[str, str | bool] = field(default_factory=dict)
    """A step's attributes; bare flags map to True, `#id` maps to `name`. Empty for code blocks."""
    classes: tuple[str, ...] = ()
    """`.class` words from the braces."""
    hl_lines: tuple[tuple[int, int], ...] = ()
    """Lines to highlight, as inclusive (first, last) ranges counted from 1 within the block."""
    linenos: bool = False
    """Show line numbers."""
    linenostart: int = 1
    """The number shown on the first line."""
    problems: tuple[str, ...] = ()
    """What could not be read in a step's attribute set (an unclosed quote, bad JSON).

    The page still renders; `sitegen run` and `sitegen check` refuse the step."""

    def highlights(self, line: int) -> bool:
        return any(first <= line <= last for first, last in self.hl_lines)


def parse_fence_info(info: str) -> FenceInfo:
    """Split an info string such as ```` ```sh {#build on=web needs=a,b confirm} ```` into its parts.

    Never raises: whatever cannot be read is ignored (code blocks) or listed in `problems`
    (steps).
    """
    info = info.strip()
    linenos = False
    start = 1
    if "showLineNumbers" in info:
        match = _SHOW_LINE_NUMBERS_RE.search(info)
        if match:
            linenos = True
            start = int(match.group(1)) if match.group(1) else 1
            info = (info[: match.start()] + info[match.end():]).strip()
    brace = info.find("{")
    if brace == -1:
        head, body, tail = info, None, ""
    else:
        close = _closing_brace(info, brace)
        head = info[:brace]
        body = info[brace + 1 : close] if close != -1 else info[brace + 1 :]
        tail = info[close + 1 :] if close != -1 else ""
    opts = _Options(linenos=linenos, start=start)
    lang = _read_head(_unescape(head), opts)
    for word in tail.split():
        opts.word(word)
    if body is None:
        return opts.info(lang)
    step = _read_step(body)
    if step is not None:
        attrs, classes, problems = step
        if close == -1:
            problems = ("attribute braces are not closed", *problems)
        return FenceInfo(lang=lang, is_step=True, attrs=attrs, classes=classes, problems=problems)
    for word in _OPTION_WORD_RE.findall(body):
        if not lang and opts.first_bare(word):
            # Quarto and R Markdown: ```{python}, ```{r label, echo=FALSE}.
            lang = word.lower()
            continue
        opts.word(word)
    if not lang and opts.classes:
        # Pandoc: the first class names the language.
        lang = opts.classes[0].lower()
    return opts.info(lang)


def _closing_brace(text: str, start: int) -> int:
    """Index of the `}` closing the `{` at `start` (quotes and nested braces skipped), or -1."""
    depth = 0
    quote = ""
    i = start - 1
    while i + 1 < len(text):
        i += 1
        char = text[i]
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\":
                i += 1
        elif char in "\"'" and text.find(char, i + 1) != -1:
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _unescape(text: str) -> str:
    """CommonMark unescapes backslash escapes and entities in an info string."""
    if "\\" not in text and "&" not in text:
        return text
    # Imported on use: the runbook planner imports this module and wants to start quickly.
    from markdown_it.common.utils import unescapeAll

    return unescapeAll(text)


def _read_head(head: str, opts: _Options) -> str:
    """The words before any braces: the language, then options (Zola's are comma-separated)."""
    words = head.split()
    if not words:
        return ""
    if "," in words[0]:
        # Zola: rust,linenos,hl_lines=1 3-5 — options may contain spaces.
        lang, *options = head.strip().split(",")
        for option in options:
            opts.word(option.strip())
        return lang.strip().lower()
    for word in words[1:]:
        opts.word(word)
    return words[0].lower()


def _read_step(body: str) -> tuple[dict[str, str | bool], tuple[str, ...], tuple[str, ...]] | None:
    """(attributes, classes, problems) when the braces are a step's attribute set, else None."""
    stripped = body.strip()
    if stripped.startswith('"'):
        # Runme's JSON form: {"name": "build", "background": true}.
        try:
            data = json.loads("{" + stripped + "}")
        except (json.JSONDecodeError, RecursionError):
            data = None
        if isinstance(data, dict):
            attrs = {str(k): _json_value(v) for k, v in data.items()}
            name = attrs.get("name")
            return (attrs, (), ()) if isinstance(name, str) and name else None
        found = _JSON_NAME_RE.search(stripped)
        if found is None:
            return None
        return {"name": found.group(1)}, (), (f"cannot read the JSON attributes {{{stripped}}}",)
    problems: list[str] = []
    try:
        words = shlex.split(body)
    except ValueError as exc:
        # An unclosed quote: the words as written, so the step keeps its name on the page.
        words = body.split()
        problems.append(f"cannot read the attributes {{{stripped}}}: {exc}")
    if not any((w.startswith("#") and len(w) > 1) or (w.startswith("name=") and len(w) > 5) for w in words):
        return None
    attrs: dict[str, str | bool] = {}
    classes: list[str] = []
    for word in words:
        if word.startswith("#") and len(word) > 1:
            attrs["name"] = word[1:]
        elif word.startswith(".") and len(word) > 1:
            classes.append(word[1:])
        elif "=" in word:
            key, _, value = word.partition("=")
            if key:
                attrs[key] = value
            else:
                problems.append(f"attribute without a name: {word!r}")
        else:
            attrs[word] = True
    return attrs, tuple(classes), tuple(problems)


def _json_value(value: object) -> str | bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


class _Options:
    """Display options gathered from the words of a code block's info string."""

    def __init__(self, *, linenos: bool, start: int) -> None:
        self.linenos = linenos
        self.start = start
        self.ranges: list[tuple[int, int]] = []
        self.classes: list[str] = []
        self._seen_bare = False

    def first_bare(self, word: str) -> bool:
        """True for the first plain word of the braces when it can be a language name."""
        if self._seen_bare:
            return False
        self._seen_bare = True
        return bool(re.fullmatch(r"[A-Za-z][\w+#.-]*", word)) and word.lower() not in _LINENOS_WORDS

    def word(self, word: str) -> None:
        if not word:
            return
        self._seen_bare = True
        if word.startswith(".") and len(word) > 1:
            if word[1:].lower() in _LINENOS_WORDS:
                self.linenos = True
            else:
                self.classes.append(word[1:])
            return
        key, eq, value = word.partition("=")
        key = key.strip().lower().replace("-", "_")
        value = value.strip().strip("\"'")
        if not eq:
            if _LINE_SPEC_RE.fullmatch(word):
                self.lines(word)
            elif key in _LINENOS_WORDS:
                self.linenos = True
        elif key in ("hl_lines", "highlight", "mark", "lines"):
            self.lines(value)
        elif key in ("linenos", "linenumbers", "numberlines", "showlinenumbers"):
            self.linenos = value.lower() not in ("false", "0", "no", "")
        elif key in ("linenostart", "startfrom", "start_from", "start"):
            number = _NUMBER_RE.search(value)
            if number:
                self.start = int(number.group())
                if key != "linenostart":
                    self.linenos = True

    def lines(self, spec: str) -> None:
        for match in _RANGE_RE.finditer(spec):
            if len(self.ranges) >= _MAX_RANGES:
                return
            first = int(match.group(1))
            last = int(match.group(2)) if match.group(2) else first
            self.ranges.append((min(first, last), max(first, last)))

    def info(self, lang: str) -> FenceInfo:
        return FenceInfo(
            lang=lang,
            classes=tuple(self.classes),
            hl_lines=tuple(self.ranges),
            linenos=self.linenos,
            linenostart=self.start,
        )
