"""sitegen.markdown.fastblock does less work per line, so it must give exactly markdown-it-py's
tokens and env: on the CommonMark spec, generated documents, the example site and the wolfgirl
corpus. The parser under test is the renderer's (dispatch, fastblock and linkdest together);
the reference is the same configuration with markdown-it-py's own loops and rules."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from md_compare import documents, parsed, scraps

from sitegen.markdown.fastblock import FastStateBlock, use_fast_block
from sitegen.markdown.highlight import Highlighter
from sitegen.markdown.renderer import make_parser

REPO = Path(__file__).resolve().parents[2]
SPEC = json.loads((REPO / "tests/markdown/spec/commonmark.json").read_text("utf-8"))
CORPUS = REPO.parent / "shared/corpora/wolfgirl/content"
WORDS = ("Notes", "Note", "Back to reference")
FAST = make_parser(Highlighter(), WORDS)
PLAIN = make_parser(Highlighter(), WORDS, fast=False)




def _same(text: str) -> None:
    assert parsed(FAST, text) == parsed(PLAIN, text)


def test_the_renderer_parses_blocks_with_fastblock() -> None:
    """Otherwise every comparison here would compare markdown-it-py with itself."""
    seen: list[object] = []
    parse = FAST.block.parse

    def spy(src, md, env, tokens):
        seen.append(md.block.tokenize.__func__.__module__)
        return parse(src, md, env, tokens)

    FAST.block.parse = spy
    try:
        FAST.parse("- a\n\n[x]: /y\n")
    finally:
        FAST.block.parse = parse
    assert seen == ["sitegen.markdown.fastblock"]


def test_every_rule_chain_keeps_its_rules() -> None:
    """The replaced rules (list, hr, reference) still terminate what upstream's do."""
    for chain in ("", "paragraph", "reference", "blockquote", "list"):
        fast = [rule.name for rule in FAST.block.ruler.__rules__ if rule.enabled and (not chain or chain in rule.alt)]
        plain = [rule.name for rule in PLAIN.block.ruler.__rules__ if rule.enabled and (not chain or chain in rule.alt)]
        assert fast == plain, chain
        assert len(FAST.block.ruler.getRules(chain)) == len(PLAIN.block.ruler.getRules(chain)), chain


@pytest.mark.parametrize("example", SPEC, ids=lambda e: f"{e['section']}-{e['example']}")
def test_commonmark_spec_examples_parse_the_same(example: dict) -> None:
    _same(example["markdown"])


def test_commonmark_spec_alone_gives_markdown_it_commonmark_tokens() -> None:
    """use_fast_block on a plain CommonMark parser (no plugins, no dispatch)."""
    plain, fast = MarkdownIt("commonmark"), MarkdownIt("commonmark")
    use_fast_block(fast)
    for example in SPEC:
        text = example["markdown"]
        assert parsed(fast, text) == parsed(plain, text), example["example"]


def test_line_tables_are_upstream_ones() -> None:
    """bMarks/eMarks/tShift/sCount/bsCount, tabs and final lines included."""
    from markdown_it.rules_block import StateBlock

    md = MarkdownIt("commonmark")
    texts = ["a", "a\n", "a\n  ", "a\n\t", "  ", "\n", "\n\n", " \tx\n\t y\n  \t\tz", "x\n\n   \n\t\n", "- a\n\t-\tb\n"]
    for text in texts:
        fast, plain = FastStateBlock(text, md, {}, []), StateBlock(text, md, {}, [])
        for name in ("bMarks", "eMarks", "tShift", "sCount", "bsCount", "lineMax"):
            assert getattr(fast, name) == getattr(plain, name), (text, name)


# Lines that start each block rule, and the places one rule hands over to another: setext
# underlines after paragraphs, lists and quotes; tables after text; reference definitions of
# every shape (title on the next line, label over two lines, escapes, garbage after them);
# tabs in indentation (getLines expands them).
LINES = st.sampled_from(
    [
        "", "para text", "    indented code", "\tcode", "# head", "Title", "===", "---", "- - -", "***", "= =",
        "-- ", "- item", "* item", "+ item", "1. one", "2) two", "- [ ] todo", "-\tx", "  - two", "    - four",
        "> quote", ">\t- quoted item", "> ===", "```", "```py", "~~~", "$$", "[^1]: note", "<div>", "</div>",
        "<!-- c -->", "| a | b |", "|---|:-:|", "a | b", "-|-", ":-:", "[ref]: /url", "[ref]: /url 'title'",
        "[ref]:", "/next-line-dest", "'title on next line'", "\"t\"", "(t)", "[ref]: <a b>", "[ref]: /u garbage",
        "[ref]: /u  \"t\" x", "[a\\]b]: /e", "[two", "lines]: /l", "[]: /empty", "[ref]: /dup", "[x] y", "[x]y: z",
        "[ref]:/tight", "[ Ref  ]: /ws", "[ref]: /u 'open", "close'", "  [ind]: /i", "text\\", "a  ", " \t ",
        "3. three", "123456789) nine", "1234567890. ten", "1.", "-", "*", "- [X] Done", "- [x]", "+ [ ]\tt", "* * *",
        "_ _ _", "-\t-\t-", "  1) one", "     - five", "*\titem", "- ```", "- # h", "- > q", "1. - a",
        "## closing ##", "# trailing #  ", "#\tx", "#5", "####### seven", "# #", "#", "### a#", "###### ###",
        "<?php x ?>", "<!DOCTYPE html>", "<![CDATA[ x ]]>", "<script>", "<SCRIPT type=x>", "</pre>", "<textarea>",
        "<a href='x'>", "<span>text", "</custom>", "<Div class=x>", "-->", "<!-- open", "<br/>", "<x-y z>",
    ]
)
DOCS = documents(LINES)
SCRAPS = scraps(LINES, ["\n", " ", "\t", "[", "]", ":", "-", "=", ">", "|", "*", "1.", "'", "("])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
def test_line_mixes_parse_the_same(text: str) -> None:
    _same(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCRAPS)
def test_scraps_parse_the_same(text: str) -> None:
    _same(text)


@pytest.mark.parametrize(
    "text",
    [
        "[a]: /x\n'title'\n", "[a]: /x\n[b]: /y\n\n[a] [b]", "[a]:\n/x\n", "[a\nb]: /x\n\n[a b]", "[a]: /x 'y'\n",
        "> [a]: /x\n> 'not a title'\n\n[a]", "- [a]: /x\n\n  [a]", "[a]: /x\n\n[a]: /y\n\n[a]", "[a]: /x\n  (t)\n",
        "Title\n===\n", "- a\n  ---\n", "> a\n---\n", "a\n| b |\n|---|\n", "- a\n\tb\n\n\t\tc\n", " - a\n \t b\n",
    ],
)
def test_edge_cases_parse_the_same(text: str) -> None:
    _same(text)


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "tests/markdown/fixtures").glob("*.md")),
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_every_example_page_and_fixture_parses_the_same(path: Path) -> None:
    _same(path.read_text("utf-8"))


def test_the_wolfgirl_corpus_parses_the_same() -> None:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the wolfgirl corpus is missing at {CORPUS}; CI must have it")
        pytest.skip(f"the wolfgirl corpus is not at {CORPUS}")
    posts = sorted(CORPUS.rglob("*.md"))
    assert posts
    for path in posts:
        text = path.read_text("utf-8")
        assert parsed(FAST, text) == parsed(PLAIN, text), path
