"""The token walk's helpers give what their plainer forms gave: Zola slugs (headings._zola) and
the URLs found in raw HTML (renderer._HTML_URL_RE)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.markdown.headings import _ascii, _zola
from sitegen.markdown.renderer import _HTML_URL_RE, html_urls


# The slug crate's rule, one character at a time (what _zola did before it used a regex).
def _zola_per_char(text: str) -> str:
    out: list[str] = []
    dash = True
    for ch in text:
        for c in ch if ch.isascii() else _ascii(ch):
            if c.isascii() and c.isalnum():
                out.append(c.lower())
                dash = False
            elif not dash:
                out.append("-")
                dash = True
    if out and out[-1] == "-":
        out.pop()
    return "".join(out)


# What _HTML_URL_RE spells out, under re.IGNORECASE.
_HTML_URL_IGNORECASE = re.compile(
    r"""(?<![\w-])(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE
)

HEADINGS = ["What's next?", "Über C++ & Rust 2.0", "Straße -- Ærø", "!!!", "", "-a-", "  x  ", "日本語 title",
            "ǅemal ĳ ﬁ Ⅻ ²", "Ⓐ ① ½", "a\u0301b", "ŁÓDŹ", "tab\there", "İstanbul"]
HTML = ['<a href="/x">', "<img SRC='a.png'>", "<a data-src=\"x href=y\">", "HREF=1 xsrc=2 -src=3 _href=4",
        "<img ſrc=1>", "<a hreK=2 href = 'q' >", "İ src=1 href=2", "<a href='src=x' src=\"href=y\">",
        "éhref=1 src=\"é\"", "<a href=>", "<a\nhref\n=\nv>"]


def test_zola_slugs_match_the_per_character_rule() -> None:
    for text in HEADINGS:
        assert _zola(text) == _zola_per_char(text), text


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=30))
def test_zola_slugs_match_on_any_text(text: str) -> None:
    assert _zola(text) == _zola_per_char(text)


def _urls(pattern: re.Pattern[str], raw: str) -> list[tuple[int, tuple[str | None, ...]]]:
    return [(m.start(), m.groups()) for m in pattern.finditer(raw)]


def _found(raw: str) -> list[tuple[int, tuple[str | None, ...]]]:
    """What the walk finds: html_urls, checked against _HTML_URL_RE's own finditer."""
    found = [(m.start(), m.groups()) for m in html_urls(raw)]
    assert found == _urls(_HTML_URL_RE, raw)
    return found


def test_html_urls_match_the_ignorecase_pattern() -> None:
    found = [_found(raw) for raw in HTML]
    assert found == [_urls(_HTML_URL_IGNORECASE, raw) for raw in HTML]
    assert found[2] == [(15, (None, None, "y"))]  # data-src is not src; the href inside its value is
    assert found[4] == [(5, (None, None, "1"))]  # `ſ` is an `s` to re.IGNORECASE


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["href", "HrEf", "src", "SRC", "ſrc", "=", " ", '"', "'", "-", "x", "é", "<a ",
                                 "K", "\n", ">", "İ", "HREF="]), max_size=20).map("".join))
def test_html_urls_match_on_generated_tags(raw: str) -> None:
    assert _found(raw) == _urls(_HTML_URL_IGNORECASE, raw)
