"""Code blocks through Pygments: one formatter, a lexer cache, an optional cross-build cache; theme CSS."""

from __future__ import annotations

import hashlib
import re
from io import StringIO
from typing import Protocol

import pygments
from markdown_it.common.utils import escapeHtml
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.styles import get_all_styles
from pygments.token import Token
from pygments.util import ClassNotFound

from sitegen.errors import ConfigError
from sitegen.fence import FenceInfo
from sitegen.markdown.codehtml import format_tokens
from sitegen.markdown.fastlex import speed_up
from sitegen.markdown.palette import STYLES

# fastlex and codehtml follow Pygments 2's RegexLexer loop and HtmlFormatter internals (tests
# compare them with Pygments on the pinned version); under another major version Pygments' own run.
FAST_PYGMENTS = pygments.__version__.split(".")[0] == "2"

LIGHT_SCOPE = ".highlight"
DARK_SCOPES = ("html:not([data-theme=light]) .highlight", "html[data-theme=dark] .highlight")
"""Where the dark style applies: under `prefers-color-scheme: dark` unless the reader chose light
(the theme's toggle sets `data-theme` on <html>), and whenever the reader chose dark."""


def highlight_css(light: str = "sitegen-light", dark: str = "sitegen-dark") -> str:
    """Pygments CSS for `pre.highlight`, compact: the `light` style, then the `dark` one under
    `prefers-color-scheme: dark` and under `data-theme=dark`.

    Compact means no comments, tokens that look like plain text left to inherit it, and tokens
    styled alike sharing one rule; about a third of Pygments' own output.
    Raises ConfigError for a style name Pygments does not know.
    """
    media, chosen = DARK_SCOPES
    return "\n".join([
        *_rules(light, LIGHT_SCOPE),
        "@media (prefers-color-scheme: dark){",
        *_rules(dark, media),
        "}",
        *_rules(dark, chosen),
    ]) + "\n"


def _rules(style: str, scope: str) -> list[str]:
    try:
        formatter = HtmlFormatter(style=STYLES.get(style, style))
    except ClassNotFound:
        known = ", ".join(sorted([*STYLES, *get_all_styles()]))
        raise ConfigError(f"unknown highlight style {style!r} (known: {known})") from None
    # Only the scoped rules: `get_style_defs()` also emits a global `pre { … }` rule,
    # which would restyle every `<pre>` of the theme.
    lines = [*formatter.get_background_style_defs(scope), *formatter.get_token_style_defs(scope)]
    text = formatter.style.styles.get(Token, "") or ""
    plain = re.search(r"#[0-9a-fA-F]{3,6}", text)
    plain_body = f"color:{plain.group(0)}".lower() if plain else None
    grouped: dict[str, list[str]] = {}
    for line in lines:
        match = re.fullmatch(r"\s*([^{]+?)\s*\{\s*(.*?)\s*\}\s*(?:/\*.*\*/)?\s*", line)
        if not match:
            continue
        selector, body = match.groups()
        body = re.sub(r"\s*([;:])\s*", r"\1", body).rstrip(";")
        # Only the colour: the `background` shorthand would also drop the theme's scroll shadows.
        body = re.sub(r"^background:", "background-color:", body)
        if not body or (body.lower() == plain_body and selector.startswith(scope + " .")):
            continue  # a token drawn like plain text inherits it from the block
        grouped.setdefault(body, []).append(selector)
    out = []
    for body, selectors in grouped.items():
        inner = [sel[len(scope) + 1:] for sel in selectors if sel.startswith(scope + " ")]
        if len(inner) > 1 and len(inner) == len(selectors):
            out.append(f"{scope} :is({','.join(inner)}){{{body}}}")  # :is() keeps one class's specificity
        else:
            out.append(f"{','.join(selectors)}{{{body}}}")
    return out


class HighlightCache(Protocol):
    """Highlighted code by (language, code) key; the engine keeps one across builds."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, html: str) -> None: ...


class Highlighter:
    """Pygments with one formatter and a per-language lexer cache (lexer lookup is slow)."""

    def __init__(self) -> None:
        self._formatter = HtmlFormatter(nowrap=True)
        self.cache: HighlightCache | None = None
        """Optional: a hit skips Pygments, whose lexers compile their regexes on first use in
        each process (tens of ms per language) — most of a one-post rebuild for code-heavy posts."""
        self._lexers: dict[str, Lexer | None] = {}
        self._builtin: frozenset[str] | None = None

    def lexer(self, lang: str) -> Lexer | None:
        try:
            return self._lexers[lang]
        except KeyError:
            pass
        if self._builtin is None:
            # Built-in lexers only. For a name it does not know, Pygments scans the
            # `pygments.lexers` entry points of every installed package; an installed
            # IPython then imports IPython and jedi (~0.5 s, and jedi raises the recursion
            # limit). Output must not depend on what else happens to be installed, either.
            self._builtin = frozenset(
                alias for _, aliases, _, _ in get_all_lexers(plugins=False) for alias in aliases
            )
        found: Lexer | None = None
        if lang in self._builtin:
            # stripnl=False: leading/trailing blank lines are part of what the author wrote.
            found = get_lexer_by_name(lang, stripnl=False, ensurenl=True)
            if FAST_PYGMENTS:
                found = speed_up(found)
        # Unknown names are cached too, but the cache must not grow without bound on
        # adversarial input (every fence a different made-up language).
        if len(self._lexers) < 1024:
            self._lexers[lang] = found
        return found

    def code_html(
        self, code: str, lang: str, classes: tuple[str, ...] = (), lines: FenceInfo | None = None
    ) -> str:
        """`<pre>` for one block: highlighted when Pygments knows `lang`, escaped otherwise.

        `lines` carries the info string's line options: highlighted lines and line numbers.
        """
        lang_attr = f' class="language-{escapeHtml(lang)}"' if lang else ""
        body = None
        key = ""
        if self.cache is not None and lang and code:
            # Looked up before the lexer: creating a lexer is what compiles its regexes.
            key = hashlib.blake2b(f"{lang}\0{code}".encode(), digest_size=16).hexdigest()
            body = self.cache.get(key)
        highlighted = body is not None
        if body is None:
            lexer = self.lexer(lang) if lang else None
            if lexer is None or not code:
                body = escapeHtml(code)
            else:
                highlighted = True
                if FAST_PYGMENTS:
                    body = format_tokens(self._formatter, lexer.get_tokens(code))
                else:
                    out = StringIO()
                    self._formatter.format(lexer.get_tokens(code), out)
                    body = out.getvalue()
                if self.cache is not None:
                    self.cache.put(key, body)
        if lines is not None and (lines.linenos or lines.hl_lines) and body:
            body = _decorate_lines(body, lines)
            # The line colours live under `.highlight` in /highlight.css.
            highlighted = True
        pre_class = " ".join(("highlight", *classes) if highlighted else classes)
        pre_attr = f' class="{escapeHtml(pre_class)}"' if pre_class else ""
        # tabindex: a code block that scrolls sideways must be reachable from the keyboard.
        return f'<pre{pre_attr} tabindex="0"><code{lang_attr}>{body}</code></pre>\n'


def _decorate_lines(body: str, lines: FenceInfo) -> str:
    """Wrap highlighted lines in `<span class="hll">` and prefix numbers, line by line.

    Pygments closes its spans at each line end, so every line of its output stands alone.
    The number is an empty span drawn from `data-ln` by CSS, so copying the code copies no
    numbers.
    """
    out: list[str] = []
    parts = body.split("\n")
    # The body ends with a newline: the last part is empty.
    for n, text in enumerate(parts[:-1] if parts[-1] == "" else parts, 1):
        number = ""
        if lines.linenos:
            number = f'<span class="ln" data-ln="{lines.linenostart + n - 1}" aria-hidden="true"></span>'
        if lines.highlights(n):
            out.append(f'{number}<span class="hll">{text}\n</span>')
        else:
            out.append(f"{number}{text}\n")
    return "".join(out)
