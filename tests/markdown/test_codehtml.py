"""sitegen.markdown.codehtml must write what Pygments' HtmlFormatter(nowrap=True) writes."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from pygments.formatters import HtmlFormatter
from pygments.token import Comment, Keyword, Name, String, Text, Token

from sitegen.fence import parse_fence_info
from sitegen.markdown.codehtml import format_tokens
from sitegen.markdown.highlight import Highlighter

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpora" / "wolfgirl" / "content"


def _pygments(tokens: list) -> str:
    out = StringIO()
    HtmlFormatter(nowrap=True).format(iter(tokens), out)
    return out.getvalue()


def _ours(tokens: list) -> str:
    return format_tokens(HtmlFormatter(nowrap=True), iter(tokens))


# Token types with a class, with none (Text, Token), and a made-up subtype Pygments must look up.
TYPES = st.sampled_from([Keyword, Keyword.Constant, Name.Function, String, Comment.Single, Text, Token,
                         Token.Custom.Thing])
VALUES = st.lists(st.sampled_from(["", "\n", "a", "fn", " ", "\t", "&", "<", ">", '"', "'", "x\ny", "\n\n", "é"]),
                  max_size=5).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(TYPES, VALUES), max_size=25))
def test_made_up_token_streams_format_the_same(tokens: list) -> None:
    assert _ours(tokens) == _pygments(tokens)


def _code_blocks(paths: list[Path]) -> list[tuple[str, str]]:
    md = MarkdownIt("commonmark")
    blocks = []
    for path in paths:
        for token in md.parse(path.read_text("utf-8")):
            if token.type == "fence" and token.content:
                blocks.append((parse_fence_info(token.info).lang, token.content))
    return blocks


def _compare(blocks: list[tuple[str, str]]) -> int:
    highlighter = Highlighter()
    compared = 0
    for lang, code in blocks:
        lexer = highlighter.lexer(lang) if lang else None
        if lexer is None:
            continue
        tokens = list(lexer.get_tokens(code))
        assert _ours(tokens) == _pygments(tokens), (lang, code[:80])
        compared += 1
    return compared


def test_every_code_block_of_the_example_site_formats_the_same() -> None:
    paths = sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "tests" / "markdown" / "fixtures").glob("*.md"))
    assert _compare(_code_blocks(paths)) > 10


def test_every_code_block_of_the_wolfgirl_corpus_formats_the_same() -> None:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the wolfgirl corpus is missing at {CORPUS}; CI must have it")
        pytest.skip(f"the wolfgirl corpus is not at {CORPUS}")
    assert _compare(_code_blocks(sorted(CORPUS.rglob("*.md")))) > 10
