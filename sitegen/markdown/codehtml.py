"""Pygments tokens → HTML: what `HtmlFormatter(nowrap=True).format` writes, in one loop.

Pygments' formatter runs each token through a chain of generators (`_format_lines`, then
`format_unencoded`), an `lru_cache`d escape-and-split per token and a list per line; for a
750-post site that was about as long as the lexing itself. `format_tokens` writes the same
text directly. Pygments' rules, which it keeps:

- each token's text is escaped (`&<>"'`) and cut at newlines; every line ends with `\\n`, and
  a last line without one gets it too;
- on a line, consecutive pieces with the same CSS class share one `<span class="…">`, closed
  before the line's `\\n` (a span never crosses a line); pieces of no class have no span;
- an empty piece opens nothing; an empty line is a bare `\\n`.

The class of each token type is the formatter's own (`HtmlFormatter._get_css_classes`, cached in
its `span_element_openers` as Pygments does), so styles and class names cannot drift.
tests/markdown/test_codehtml.py compares both on every code block of the example site and of
the wolfgirl corpus, and on made-up token streams.
"""

from __future__ import annotations

from collections.abc import Iterable

from pygments.formatters import HtmlFormatter
from pygments.token import _TokenType


def _opener(formatter: HtmlFormatter, ttype: _TokenType) -> str:
    """`_format_lines`' span opener for a token type (classes, no inline styles, no titles)."""
    openers = formatter.span_element_openers
    try:
        return openers[ttype]
    except KeyError:
        css_class = formatter._get_css_classes(ttype)
        opener = f'<span class="{css_class}">' if css_class else ""
        openers[ttype] = opener
        return opener


def format_tokens(formatter: HtmlFormatter, tokens: Iterable[tuple[_TokenType, str]]) -> str:
    """The HTML `formatter.format(tokens, out)` writes for a formatter made with `nowrap=True`
    (and no `noclasses`, `linenos`, `hl_lines`, `tagsfile` or `debug_token_types`)."""
    openers = formatter.span_element_openers
    out: list[str] = []
    append = out.append
    # The span open on the current line: None before the line has any text, "" for text
    # without a class.
    open_: str | None = None
    for ttype, value in tokens:
        if not value:
            continue
        try:
            span = openers[ttype]
        except KeyError:
            span = _opener(formatter, ttype)
        if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
            value = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                     .replace('"', "&quot;").replace("'", "&#39;"))
        if "\n" not in value:
            if open_ != span:
                if open_:
                    append("</span>")
                append(span)
                open_ = span
            append(value)
            continue
        parts = value.split("\n")
        last = parts.pop()
        for part in parts:
            if part:
                if open_ != span:
                    if open_:
                        append("</span>")
                    append(span)
                    open_ = span
                append(part)
            append("</span>\n" if open_ else "\n")
            open_ = None
        if last:
            if span:
                append(span)
            append(last)
            open_ = span
    if open_ is not None:
        append("</span>\n" if open_ else "\n")
    return "".join(out)
