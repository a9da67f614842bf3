"""sitegen.markdown.fastemphasis classes the characters around `*` and `_` runs once per
character: the tokens (delimiters paired by markdown-it-py's own post-processing) must be
exactly those of stock markdown-it-py, whatever stands either side of a run."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from md_compare import parsed

from sitegen.markdown import fastemphasis
from sitegen.markdown.highlight import Highlighter
from sitegen.markdown.renderer import make_parser

WORDS = ("Notes", "Note", "Back to reference")
FAST = make_parser(Highlighter(), WORDS)
PLAIN = make_parser(Highlighter(), WORDS, fast=False)
# Either side of a run: letters, digits, ASCII and Unicode punctuation and symbols, ASCII and
# Unicode whitespace, the line's ends.
NEIGHBOURS = ["a", "é", "1", ".", "!", "_", "*", "~", "`", "(", "€", "。", "«", "\u00a0", "\u2003", "\u3000", " ",
              "\t", "\n", ""]


def test_the_build_parser_uses_the_rule() -> None:
    assert {rule.name: rule.fn for rule in FAST.inline.ruler.__rules__}["emphasis"] is fastemphasis.emphasis


@pytest.mark.parametrize("run", ["*", "**", "***", "_", "__", "___", "****"])
@pytest.mark.parametrize("before", NEIGHBOURS)
@pytest.mark.parametrize("after", NEIGHBOURS)
def test_runs_between_every_kind_of_character_parse_the_same(run: str, before: str, after: str) -> None:
    for text in (f"{before}{run}{after}", f"x{before}{run}{after}y {run}z{run}", f"{run}a{before}{run}{after}b{run}"):
        assert parsed(FAST, text) == parsed(PLAIN, text), text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["*", "**", "_", "__", "a", " ", ".", "é", "€", "\u00a0", "\n", "[a](b)", "`c`",
                                 "~~", "foo_bar", "x@y.io"]), max_size=25).map("".join))
def test_emphasis_mixes_parse_the_same(text: str) -> None:
    assert parsed(FAST, text) == parsed(PLAIN, text)


def test_the_rule_alone_on_a_plain_parser_parses_the_same() -> None:
    md = MarkdownIt("commonmark")
    fastemphasis.use_fast_emphasis(md)
    text = "*a* **b** _c_ __d__ a*b*c a_b_c *«x»* _(y)_ ***z*** *\u00a0w*"
    assert [tok.as_dict() for tok in md.parse(text)] == [tok.as_dict() for tok in MarkdownIt("commonmark").parse(text)]
