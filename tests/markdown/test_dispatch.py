"""sitegen.markdown.dispatch asks fewer rules, so it must give exactly markdown-it-py's tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from md_compare import documents, parsed, scraps

from sitegen.markdown.dispatch import BLOCK_FIRST, INLINE_FIRST
from sitegen.markdown.highlight import Highlighter
from sitegen.markdown.renderer import make_parser

REPO = Path(__file__).resolve().parents[2]
WORDS = ("Notes", "Note", "Back to reference")
FAST = make_parser(Highlighter(), WORDS)
PLAIN = make_parser(Highlighter(), WORDS, fast=False)




def _same(text: str) -> None:
    assert parsed(FAST, text) == parsed(PLAIN, text)


# Lines and pieces that start every block and inline rule, and the places where one rule
# hands over to another: a list or heading ending a paragraph, lazy lines, setext underlines,
# references against footnote definitions, HTML blocks, tables, math, autolinks.
LINES = st.sampled_from(
    [
        "", "para text", "    indented code", "# head", "###### six", "####### seven", "Title", "===", "---",
        "- item", "* item", "+ item", "1. one", "2) two", "10. ten", "- [ ] todo", "- [x] done", "> quote",
        ">> nested", "```", "```py", "~~~", "$$", "$$ x^2 $$", "[ref]: /url 'title'", "[^1]: note", "[^1]",
        "<div>", "</div>", "<!-- more -->", "<details><summary>s</summary>", "| a | b |", "|---|:-:|",
        "***", "___", "  - two-space item", "   > deep quote", "\t- tab item", "[link][ref]",
        "see www.example.com/x and me@ex.org", "https://a.b/c?d=e", "mailto:first_last@ex.org",
        "*em* **strong** _u_ ~~del~~ `code` $x$ \\* &amp; &#35; <span>hi</span> ![i](p.png)",
        "[a](b.md#c) [^1] [x]( <y> \"t\" )", "a  ", "a\\", "w-w:w@w_w", "=+-%{}#^]",
    ]
)
DOCS = documents(LINES)
SCRAPS = scraps(LINES, ["\n", " ", "  ", "[", "]", "(", ")", "<", ">", "!", "`", "*", "_", "$"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
def test_line_mixes_parse_the_same(text: str) -> None:
    _same(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCRAPS)
def test_scraps_parse_the_same(text: str) -> None:
    _same(text)


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "tests" / "markdown" / "fixtures").glob("*.md")),
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_every_example_page_and_fixture_parses_the_same(path: Path) -> None:
    _same(path.read_text("utf-8"))


def test_the_renderer_gives_the_same_pages_with_either_loop() -> None:
    """End to end, as the build calls it: HTML, table of contents, summary, links."""
    from sitegen.markdown import Renderer

    fast, plain = Renderer(), Renderer()
    plain._md = make_parser(plain._highlighter, WORDS, fast=False)
    paths = sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "tests" / "markdown" / "fixtures").glob("*.md"))
    for path in paths:
        text = path.read_text("utf-8")
        assert fast.render(text, doc_id="d", read_include=str) == plain.render(text, doc_id="d", read_include=str), path


def test_the_tables_name_rules_that_exist() -> None:
    """A renamed rule upstream would silently be asked everywhere again (correct, but slow)."""
    inline = {rule.name for rule in PLAIN.inline.ruler.__rules__}
    block = {rule.name for rule in PLAIN.block.ruler.__rules__}
    assert set(INLINE_FIRST) - {"footnote_inline"} <= inline
    assert set(BLOCK_FIRST) <= block


def test_a_rule_asked_at_every_character_is_still_asked() -> None:
    """A plugin's rule that dispatch knows nothing about runs wherever markdown-it would run it."""
    from markdown_it import MarkdownIt

    from sitegen.markdown.dispatch import use_fast_dispatch

    seen: list[str] = []

    def spy(state, silent):
        seen.append(state.src[state.pos])
        return False

    md = MarkdownIt("commonmark")
    md.inline.ruler.push("spy", spy)
    use_fast_dispatch(md)
    md.parse("a-b = c")
    assert seen == ["-", "="]
