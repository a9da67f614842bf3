"""Property: whatever the text, `render` returns or raises ContentError, nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from md_html_checks import has_nested_pre

from sitegen.errors import ContentError
from sitegen.markdown import Renderer

RENDERER = Renderer()

# Fragments that switch on the renderer's features, so random text reaches deep paths
# (footnotes inside footnotes, math next to code, step braces, tables in lists).
PIECES = st.sampled_from(
    [
        "\n", "\n\n", " ", "    ", "# ", "## ", "- ", "1. ", "> ", "- [ ] ", "- [x] ",
        "```", "```python", "```sh {name=a}", "```sh {", "~~~", "{", "}", "=",
        "$", "$$", "\\", "\\frac{", "^", "_", "*", "**", "~~", "`", "|", "|:-|-:|",
        "[", "]", "(", ")", "[^a]", "[^a]:", "[^b]: [^a]", "![", "](x.md#y)", "](https://e.x/)",
        "<details>", "</details>", "<a href='u'>", "<img src=\"v\">", "<!--", "-->",
        "https://example.com/", "www.example.org", "me@example.net", "&amp;", "&#0;", "\x00", "\r",
        "🐺", "Überblick", "x", "word", "---", "===", "include=q",
    ]
)
DOCS = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=40).map("".join)


def _render(text: str) -> None:
    try:
        out = RENDERER.render(text, doc_id="fuzz")
    except ContentError:
        return
    assert isinstance(out.html, str)
    assert not has_nested_pre(out.html)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
def test_markdownish_text_never_crashes(text: str) -> None:
    _render(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_never_crashes(text: str) -> None:
    _render(text)
