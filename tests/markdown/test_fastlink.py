"""sitegen.markdown.fastlink (links) and .fastcode (code spans) take markdown-it-py's steps
sooner for the usual shapes: the tokens and env must be exactly those of stock markdown-it-py,
for those shapes and for every near miss that has to go to markdown-it-py's own rule (code
spans included, which can hide a label's `]`)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from md_compare import parsed

from sitegen.markdown import fastcode, fastlink
from sitegen.markdown.highlight import Highlighter
from sitegen.markdown.renderer import make_parser

WORDS = ("Notes", "Note", "Back to reference")
FAST = make_parser(Highlighter(), WORDS)
PLAIN = make_parser(Highlighter(), WORDS, fast=False)
REFS = "\n\n[ref]: /url 'title'\n[Other Ref]: <b c> \"t\"\n[^1]: note\n"


def _same(text: str) -> None:
    assert parsed(FAST, text) == parsed(PLAIN, text)
    assert parsed(FAST, text + REFS) == parsed(PLAIN, text + REFS)


def test_the_build_parser_uses_both_rules() -> None:
    rules = {rule.name: rule.fn for rule in FAST.inline.ruler.__rules__}
    assert rules["link"] is fastlink.link
    assert rules["backticks"] is fastcode.backtick
    rules = {rule.name: rule.fn for rule in PLAIN.inline.ruler.__rules__}
    assert rules["link"] is not fastlink.link


@pytest.mark.parametrize(
    "text",
    [
        # destinations and titles the quick tail reads, and those it leaves to markdown-it-py
        "[a](b)", "[a](https://x.example/p?q=1#f)", "[a](b \"t\")", "[a](b 't')", "[a](b\n\"t\"\n)", "[a](b \"t\" )",
        "[a](b\t't')", "[a](b \"\")", "[a](b \"t&amp;u\")", "[a](b &amp;)", "[a](b&amp;c)", "[a](b (t))",
        "[a](b \"t\\\"\")", "[a]( b )", "[a](<b c>)", "[a](b(c))", "[a](b\\)c)", "[a]()", "[a](b \"t\" x)",
        "[a](b\x0b)", "[a](javascript:x)",
        "[a](JAVASCRIPT:x \"t\")", "[a](data:image/png;x)", "[a](b \"t)", "[a](b", "[a](b c)", "[a](%41 é)", "[a](ö)",
        "[a](http://ö.example/)", "[a](b \"t\"\n\n)", "[a](\n)", "[a](b)(c)", "[a](b)[c](d)", "[](b)", "[ ](b)",
        # labels: plain, with code spans, escapes, HTML, autolinks, math, brackets and line breaks
        "[`a]`](b)", "[`a`](b)", "[``a`b``](c)", "[`a](b)`", "[a`](b)`](c)", "[\\]](b)", "[a\\](b)", "[<b>](c)",
        "[<http://x/]>](y)", "[<a href=\"]\">](x)", "[$a]$](b)", "[$a$](b)", "[a [b] c](d)", "[a [b](c) d](e)",
        "[a\nb](c)", "[a  \nb](c)", "[*a*](b)", "[**a**](b) *c*", "[a_b](c)", "[www.x.org](y)", "[a@b.cd](e)",
        "[http://x.y](z)", "[&amp;](b)", "[&nope](b)", "[!a](b)", "![a](b)", "[![a](b)](c)", "[a!](b)", "[a~~b~~](c)",
        # references: full, collapsed, shortcut, missing, with brackets and code in the second label
        "[a][ref]", "[a][REF]", "[a][]", "[ref]", "[ref][]", "[a][nope]", "[a][`x]`]", "[a][r\\]]", "[other  ref]",
        "[a][other\nref]", "[ref] [a][ref]", "[a]\n[ref]", "[^1]", "[a][^1]", "[`ref`]",
        # code spans
        "`a`", "``a``", "`` a ` b ``", "` a `", "`  `", "` `", "`a\nb`", "`a", "a`", "``a`", "`a``", "```a``b```",
        "`a` `b` ``c``", "[`a`b](c)`", "`[a](b)`", "x ``` y `` z ` w", "\\`a`", "`\\`",
        # runs without a closer of their length, before and after others (the no-closer note)
        "`` a ` b `` c ` d ``", "` a `` b ` c ``", "``a ``` b `` c ```", "` ` ` `` `", "[`a](b) `c` [`d](e)",
        "`a [b`](c) ``d", "``` a `` b ```` c ``", "[a``](b) `` c", "`a\n\n`b",
    ],
)
def test_link_and_code_span_shapes_parse_the_same(text: str) -> None:
    _same(text)
    _same("x " + text + " y")
    _same("*" + text + "*")
    _same("[" + text + "](outer)")


PIECES = st.sampled_from(
    [
        "[", "]", "(", ")", "![", "[a](b)", "[a](b \"t\")", "](", "](b)", "](b 't')", "][", "][ref]", "[ref]", " \"t\"",
        "`", "``", "```", "\\", "\\]", "<", ">", "<b>", "<http://x>", "$", "&amp;", "\n", "  \n", "*", "_", "~~", "!",
        "www.x.org", "http://x.y", "a@b.cd", "ref", "word", " ", "\t", "é",
    ]
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=30).map("".join))
def test_bracket_and_backtick_mixes_parse_the_same(text: str) -> None:
    _same(text)


@pytest.mark.parametrize("nesting", [1, 2, 3, 4, 6])
@pytest.mark.parametrize(
    "text",
    [
        "[a](b) [c][ref] `d` [e `f`](g)",
        "[[a](b)](c) [[[d](e)]](f)",
        "[a [b](c) [d](e)](f)",
        "[x [a](b)](c) [`y`](z)",
        "[" * 8 + "a" + "]" * 8 + "(b) [c](d)",
    ],
)
def test_near_the_nesting_limit_labels_parse_the_same(nesting: int, text: str) -> None:
    """Under a low `maxNesting` markdown-it-py's label reading stops early; so must this."""
    fast = make_parser(Highlighter(), WORDS)
    plain = make_parser(Highlighter(), WORDS, fast=False)
    for md in (fast, plain):
        md.options["maxNesting"] = nesting
    for doc in (text, text + REFS):
        assert parsed(fast, doc) == parsed(plain, doc)


def test_the_rules_alone_on_a_plain_parser_parse_the_same() -> None:
    """Without sitegen's inline loop (markdown-it-py's own tokenize and label reading)."""
    md = MarkdownIt("commonmark")
    fastlink.use_fast_link(md)
    fastcode.use_fast_code(md)
    assert {rule.name: rule.fn for rule in md.inline.ruler.__rules__}["link"] is fastlink.link
    text = "[a](b) [c `]` d](e \"t\") `f` [g][] [h\\]](i) ``j`` [k *l*](m)\n\n[g]: /g\n"
    assert [tok.as_dict() for tok in md.parse(text)] == [tok.as_dict() for tok in MarkdownIt("commonmark").parse(text)]


def test_a_parser_s_own_link_validation_is_asked() -> None:
    """fastlink passes paths, fragments and http(s) URLs without asking markdown-it-py's
    validateLink, which cannot refuse them; a validator of the parser's own is still asked."""
    fast = make_parser(Highlighter(), WORDS)
    plain = make_parser(Highlighter(), WORDS, fast=False)
    for md in (fast, plain):
        md.validateLink = lambda url: not url.startswith(("/", "#", "http:"))  # type: ignore[method-assign]
    text = "[a](/x) [b](http://y.example/) [c](#z) [d](https://w.example/) [e](f.md)"
    assert parsed(fast, text) == parsed(plain, text)
    assert [tok["type"] for tok in parsed(fast, text)[0][1]["children"]].count("link_open") == 2
