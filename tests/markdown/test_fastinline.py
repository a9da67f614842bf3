"""sitegen.markdown.fastinline parses inline content with less work: the tokens must be exactly
those of stock markdown-it-py (with sitegen's plugins), children, levels and env included.

`spec/commonmark.json` holds the CommonMark 0.31.2 spec's examples (see spec/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from md_compare import parsed

from sitegen.markdown.dispatch import use_fast_dispatch
from sitegen.markdown.fastinline import use_fast_inline
from sitegen.markdown.highlight import Highlighter
from sitegen.markdown.renderer import make_parser

REPO = Path(__file__).resolve().parents[2]
WORDS = ("Notes", "Note", "Back to reference")
FAST = make_parser(Highlighter(), WORDS)
PLAIN = make_parser(Highlighter(), WORDS, fast=False)
SPEC = json.loads((REPO / "tests" / "markdown" / "spec" / "commonmark.json").read_text("utf-8"))


def _corpus() -> Path:
    """The wolfgirl corpus (outside the repository: its text is never copied in)."""
    for parent in REPO.parents:
        found = parent / "shared" / "corpora" / "wolfgirl" / "content"
        if found.is_dir():
            return found
    pytest.fail(f"the wolfgirl corpus is missing (looked for shared/corpora/wolfgirl above {REPO}); CI must have it")




def _same(text: str) -> None:
    assert parsed(FAST, text) == parsed(PLAIN, text)


@pytest.mark.parametrize("example", SPEC, ids=lambda e: f"{e['example']}-{e['section']}")
def test_commonmark_spec_examples_parse_the_same(example: dict) -> None:
    _same(example["markdown"])


def test_every_example_page_and_fixture_parses_the_same() -> None:
    paths = sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "tests" / "markdown" / "fixtures").glob("*.md"))
    assert paths
    for path in paths:
        text = path.read_text("utf-8")
        assert parsed(FAST, text) == parsed(PLAIN, text), path


def test_every_wolfgirl_post_parses_the_same() -> None:
    paths = sorted(_corpus().rglob("*.md"))
    assert paths
    for path in paths:
        text = path.read_text("utf-8")
        assert parsed(FAST, text) == parsed(PLAIN, text), path


# Pieces that start every inline rule and the places where one hands over to another: link
# labels (nested, unclosed, with code spans, escapes, HTML and autolinks in them), references,
# images, emphasis runs, hard and soft breaks, entities, math, GFM autolinks and raw text that
# only looks like them.
PIECES = st.sampled_from(
    [
        "[", "]", "(", ")", "![", "[^1]", "[ref]", "[a]", "[a](b)", "[a][ref]", "[a][]", "[`]`](x)", "[\\]](x)",
        "[<a href=\"]\">](x)", "[<http://x/]>](y)", "[$]$](z)", "[[a](b)](c)", "![i](p.png \"t\")", "](", "](x)",
        "*", "**", "_", "__", "~~", "`", "``", "\\", "\\\n", "  \n", " \n", "\n", "\n  ", "&amp;", "&#35;", "&x",
        "<span>", "</span>", "<b", "<http://a.b>", "<a@b.c>", "$x$", "$$y$$", "$5", "www.example.com", "http://x.y/z",
        "https:", "mailto:a@b.cd", "first_last@ex.org", "a@b", "w", "ww", ":", "@", "-", "#", "=", "!", "{", "}",
        "word", " ", "tail  ", "é", "\t",
    ]
)
REFS = "\n\n[ref]: /url 'title'\n[^1]: note\n"
INLINE = st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=40).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(INLINE)
def test_inline_mixes_parse_the_same(text: str) -> None:
    _same(text)
    _same(text + REFS)
    _same("- " + text + "\n\n# " + text.replace("\n", " ") + "\n\n| " + text.replace("\n", " ") + " |\n|-|\n")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 30 + "a" + "]" * 30 + "(b)",
        "[" * 30 + "a" + "](b)" * 30,
        "*" * 40 + "a" + "*" * 40,
        "[a " * 25 + "b" + "](c) d" * 25,
        "![" * 25 + "x" + "](y)" * 25,
        "[`a](b)` [c](d) [e\nf](g) [h\n  i](j)",
        "[link](/a) and [other][ref] and ![img][ref] — [no link] www.x.org [ref]",
    ],
)
def test_deep_nesting_and_labels_parse_the_same(text: str) -> None:
    """Past markdown-it's nesting limit, its skip cache decides; every step must match it."""
    _same(text)
    _same(text + REFS)


@pytest.mark.parametrize(
    "text",
    ["a\n\tb", "a \n \t b", "a  \n\t\tb", "a   \nb", "  \nb", "a\\\n\tb", "[a  \n\tb](c) *d \n e*", "a\n"],
)
def test_line_breaks_parse_the_same(text: str) -> None:
    """Soft and hard breaks: trailing spaces off the text before, spaces and tabs skipped after."""
    _same(text)
    assert parsed(FAST, text)[0][1]["children"]


def test_a_rule_it_does_not_know_is_asked_where_markdown_it_asks_it() -> None:
    """With a plugin's rule in the list the stock loop runs, so the rule sees every position
    and the tokens it makes are kept."""

    def with_spy(fast: bool) -> tuple[list[tuple[int, str]], list[dict]]:
        seen: list[tuple[int, str]] = []

        def spy(state, silent):
            seen.append((state.pos, state.src[state.pos]))
            if state.src[state.pos] == "%":
                state.push("percent", "", 0)
                state.pos += 1
                return True
            return False

        md = MarkdownIt("commonmark")
        md.inline.ruler.push("spy", spy)
        if fast:
            use_fast_dispatch(md)
            use_fast_inline(md)
        tokens = [tok.as_dict() for tok in md.parse("a-b = c % [d%](e) *f*\ng")]
        return seen, tokens

    assert with_spy(True) == with_spy(False)
    assert any(child["type"] == "percent" for child in with_spy(True)[1][1]["children"])
