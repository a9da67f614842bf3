"""Hugo and Zola shortcodes in posts brought from those tools: built-ins expanded, others reported.

Runs on the Markdown source before parsing (as Hugo and Zola do), line by line, and never
inside code: fenced and indented code blocks and `code spans` keep their text, so a post that
documents a shortcode shows it. Every replacement keeps the line count, so errors and step
lines still point at the right line of the file.

Built in:
- `{{< ref "post.md#part" >}}`, `{{< relref … >}}` → the link target, resolved like a relative
  `.md` link (`/blog/x.md` from content/, other paths from the page; Hugo's form without `.md`
  is found too).
- `{{< figure src="x.png" alt="…" caption="…" link="…" >}}` → `<figure>` with `<figcaption>`.
- `{{< highlight go "linenos=table,hl_lines=2" >}}` … `{{< /highlight >}}` → a fenced block.
- `{{< youtube ID >}}`, Zola `{{ youtube(id="ID") }}` → a plain link to the video, or with
  `youtube="embed"` (and the shortcode alone on its line) a click-to-load player: an
  `<iframe srcdoc>` whose own small document is a play link to youtube-nocookie.com, so the
  page makes no request to YouTube (and runs no script) until the reader clicks; the plain
  link stays below it, for feeds.
- `{{</* name */>}}` (Hugo's way of writing a shortcode literally) → `{{< name >}}`, also in
  code spans.

Anything else (`{{< gist … >}}`, `{{% notice %}}`, Zola `{{ name(…) }}`, `{% name() %}…{% end %}`)
is left in the page as written and reported: one warning per kind, naming its first use.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

REF_PREFIX = "sitegen-ref:"
"""A `ref`/`relref` target becomes this link destination; the token walk turns it into a
`.md` link (`@/` for paths from content/)."""

# Hugo: {{< name args >}}, {{% name args %}}, closing {{< /name >}}.
_HUGO_RE = re.compile(r"\{\{([<%])\s*(/?)\s*([A-Za-z][\w./-]*)((?:[^>%\"]|\"(?:[^\"\\]|\\.)*\")*?)\s*[>%]\}\}")
_HUGO_LITERAL_RE = re.compile(r"\{\{([<%])/\*(.*?)\*/([>%])\}\}")
# Zola: {{ name(args) }} and {% name(args) %} … {% end %}.
_ZOLA_RE = re.compile(r"\{\{\s*([A-Za-z_]\w*)\((.*?)\)\s*\}\}|\{%\s*([A-Za-z_]\w*)\((.*?)\)\s*%\}")
_ZOLA_END_RE = re.compile(r"\{%\s*end\s*%\}")
_HUGO_ARG_RE = re.compile(r"""([\w-]+)=("(?:[^"\\]|\\.)*"|`[^`]*`|\S+)|("(?:[^"\\]|\\.)*"|`[^`]*`|\S+)""")
_ZOLA_ARG_RE = re.compile(r"""(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|`[^`]*`|[^,\s]+)""")
_CODE_SPAN_RE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_BACKTICKS_RE = re.compile(r"`{3,}")
_FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


@dataclass
class Expanded:
    text: str
    unknown: list[tuple[str, int]] = field(default_factory=list)
    """(shortcode as named in the warning, 1-based line in the text) of each unknown one."""


def might_have_shortcodes(text: str) -> bool:
    return "{{" in text or "{%" in text


YOUTUBE_MODES = ("link", "embed")
_VIDEO_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def expand(text: str, block_md: MarkdownIt, youtube: str = "link") -> Expanded:
    """Expand built-in shortcodes outside code; list the unknown ones. `block_md` finds code blocks;
    `youtube` is "link" or "embed" (see the module's docstring)."""
    lines = text.split("\n")
    code = _code_lines(text, block_md)
    out = Expanded("")
    i = 0
    while i < len(lines):
        if i in code:
            i += 1
            continue
        line = lines[i]
        if "{{" not in line and "{%" not in line:
            i += 1
            continue
        opening = _HUGO_RE.fullmatch(line.strip())
        if opening and opening.group(3) == "highlight" and not opening.group(2):
            end = _block_end(lines, i, code)
            if end is not None:
                _highlight(lines, i, end, opening.group(4))
                i = end + 1
                continue
        lines[i] = _expand_line(line, i + 1, out.unknown, youtube == "embed" and _alone(line))
        i += 1
    out.text = "\n".join(lines)
    return out


def _code_lines(text: str, block_md: MarkdownIt) -> set[int]:
    """0-based numbers of the lines inside fenced or indented code."""
    lines: set[int] = set()
    for token in block_md.parse(text):
        if token.type in ("fence", "code_block") and token.map:
            lines.update(range(token.map[0], token.map[1]))
    return lines


def _block_end(lines: list[str], start: int, code: set[int]) -> int | None:
    for j in range(start + 1, len(lines)):
        if j in code:
            return None
        match = _HUGO_RE.fullmatch(lines[j].strip())
        if match and match.group(2) and match.group(3) == "highlight":
            return j
    return None


def _highlight(lines: list[str], start: int, end: int, args: str) -> None:
    """`{{< highlight go "linenos=table" >}}` … `{{< /highlight >}}` → a fence, line for line."""
    positional = [a for a in _hugo_args(args) if a[0] == ""]
    lang = positional[0][1] if positional else ""
    options = positional[1][1] if len(positional) > 1 else ""
    longest = max((len(m.group()) for ln in lines[start + 1 : end] for m in _BACKTICKS_RE.finditer(ln)), default=2)
    fence = "`" * max(3, longest + 1)
    lines[start] = f"{fence}{lang} {{{options}}}" if options else f"{fence}{lang}"
    lines[end] = fence


def _hugo_args(text: str) -> list[tuple[str, str]]:
    """(name, value) pairs; positional arguments have the name ""."""
    args = []
    for match in _HUGO_ARG_RE.finditer(text):
        if match.group(1):
            args.append((match.group(1), _unquote(match.group(2))))
        else:
            args.append(("", _unquote(match.group(3))))
    return args


def _zola_args(text: str) -> dict[str, str]:
    return {m.group(1): _unquote(m.group(2)) for m in _ZOLA_ARG_RE.finditer(text)}


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
        value = value[1:-1]
        if value and "\\" in value:
            value = re.sub(r"\\(.)", r"\1", value)
    return value


def _alone(line: str) -> bool:
    """The line is one shortcode and nothing else (an HTML block can take its place)."""
    stripped = line.strip()
    return bool(_HUGO_RE.fullmatch(stripped) or _ZOLA_RE.fullmatch(stripped))


def _expand_line(line: str, number: int, unknown: list[tuple[str, int]], embed: bool = False) -> str:
    spans = [m.span() for m in _CODE_SPAN_RE.finditer(line)] if "`" in line else []

    def in_code(pos: int) -> bool:
        return any(a <= pos < b for a, b in spans)

    def hugo(match: re.Match[str]) -> str:
        if in_code(match.start()):
            return match.group()
        closing, name, args = match.group(2), match.group(3), match.group(4)
        if closing:  # the opening one is reported
            return match.group()
        replaced = _hugo_builtin(name, _hugo_args(args), embed)
        if replaced is None:
            delim = match.group(1)
            unknown.append((f"{{{{{delim} {name} {delim if delim == '%' else '>'}}}}}", number))
            return match.group()
        return replaced

    def zola(match: re.Match[str]) -> str:
        if in_code(match.start()):
            return match.group()
        name = match.group(1) or match.group(3)
        if match.group(1) and name == "youtube":
            args = _zola_args(match.group(2))
            if args.get("id"):
                return _youtube(args["id"], args.get("title", ""), embed)
        shown = f"{{{{ {name}(…) }}}}" if match.group(1) else f"{{% {name}() %}}…{{% end %}}"
        unknown.append((shown, number))
        return match.group()

    # `{{</* x */>}}` shows `{{< x >}}` (in code spans too, as in Hugo): set aside so that
    # nothing below expands it.
    literals: list[str] = []

    def literal(match: re.Match[str]) -> str:
        literals.append("{{" + "".join(match.groups()) + "}}")
        return f"\ue000{len(literals) - 1}\ue001"

    if "/*" in line:
        line = _HUGO_LITERAL_RE.sub(literal, line)
        spans = [m.span() for m in _CODE_SPAN_RE.finditer(line)] if "`" in line else []
    if "{{<" in line or "{{%" in line:
        line = _HUGO_RE.sub(hugo, line)
    if "(" in line:
        line = _ZOLA_RE.sub(zola, line)
    if literals:
        line = re.sub("\ue000(\\d+)\ue001", lambda m: literals[int(m.group(1))], line)
    return line


def _hugo_builtin(name: str, args: list[tuple[str, str]], embed: bool = False) -> str | None:
    named = {k: v for k, v in args if k}
    positional = [v for k, v in args if not k]
    if name in ("ref", "relref"):
        target = named.get("path") or (positional[0] if positional else "")
        return REF_PREFIX + target.replace(" ", "%20") if target else None
    if name == "youtube":
        video = named.get("id") or (positional[0] if positional else "")
        return _youtube(video, named.get("title", ""), embed) if video else None
    if name == "figure":
        return _figure(named) if named.get("src") else None
    return None


def _youtube(video: str, title: str = "", embed: bool = False) -> str:
    url = "https://www.youtube.com/watch?v=" + html.escape(video)
    link = f'<a class="video-link" href="{url}">Watch the video on YouTube</a>'
    if not embed or not _VIDEO_ID_RE.fullmatch(video):
        return link
    name = f"YouTube video: {title}" if title else "YouTube video"
    return (f'<figure class="video"><iframe class="video-embed" title="{html.escape(name)}"'
            f' srcdoc="{html.escape(_facade(video, title or "Play the video"))}" width="560" height="315"'
            ' style="display:block;width:100%;height:auto;aspect-ratio:16/9;border:0"'
            ' allow="autoplay; encrypted-media; picture-in-picture; fullscreen" allowfullscreen'
            f' referrerpolicy="strict-origin-when-cross-origin"></iframe><figcaption>{link}</figcaption></figure>')


# The frame's own document: one link, no script, nothing fetched. Clicking it loads the player
# from youtube-nocookie.com in the frame (autoplay=1, so the one click also starts the video).
_FACADE_CSS = (
    "html,body{height:100%;margin:0}"
    "a{box-sizing:border-box;display:flex;flex-direction:column;gap:.6em;align-items:center;justify-content:center;"
    "height:100%;padding:1em;background:#111;color:#fff;font:600 1.05rem/1.35 system-ui,sans-serif;"
    "text-align:center;text-decoration:none}"
    "b{display:flex;align-items:center;justify-content:center;width:4.4em;height:3.1em;border-radius:.9em;"
    "background:#c4302b;font-size:1.1em}"
    "small{font-weight:400;opacity:.85}"
    "a:focus-visible{outline:3px solid #fff;outline-offset:-8px}"
)


def _facade(video: str, label: str) -> str:
    player = f"https://www.youtube-nocookie.com/embed/{video}?autoplay=1"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(label)}</title>'
            f'<style>{_FACADE_CSS}</style></head><body><a href="{player}"><b aria-hidden="true">&#9654;</b>'
            f"<span>{html.escape(label)}</span><small>Plays from youtube-nocookie.com; nothing is loaded from"
            " YouTube before you click.</small></a></body></html>")


def _figure(args: dict[str, str]) -> str:
    def attr(name: str, value: str | None) -> str:
        return f' {name}="{html.escape(value)}"' if value else ""

    img = f'<img{attr("src", args["src"])}{attr("alt", args.get("alt", ""))}'
    img += f'{attr("width", args.get("width"))}{attr("height", args.get("height"))} loading="lazy">'
    if args.get("link"):
        target = attr("target", args.get("target")) + attr("rel", args.get("rel"))
        img = f'<a{attr("href", args["link"])}{target}>{img}</a>'
    caption = ""
    title, text = args.get("title", ""), args.get("caption", "")
    if title or text:
        heading = f"<h4>{html.escape(title)}</h4>" if title else ""
        caption = f"<figcaption>{heading}{html.escape(text)}</figcaption>"
    return f'<figure{attr("class", args.get("class"))}>{img}{caption}</figure>'
