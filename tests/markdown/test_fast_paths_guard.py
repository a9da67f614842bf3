"""The fast paths replace markdown-it-py's and Pygments' loops with copies written for the
versions the tests pin; under another major version the libraries' own code must run instead,
and give the same HTML."""

from __future__ import annotations

import pytest

from sitegen.markdown import Renderer, highlight, renderer

TITLE = "A *title* with `code`"
DOC = "# Title\n\nSome *words* and a [link](https://example.org).\n\n```rust\nfn main() {}\n```\n"


def test_fast_paths_are_on_for_the_pinned_versions() -> None:
    md = renderer.make_parser(highlight.Highlighter(), ("a", "b", "c"))
    assert renderer.FAST_PATHS and highlight.FAST_PYGMENTS
    assert md.inline.tokenize.__func__ is not type(md.inline).tokenize  # replaced on this instance
    assert type(md.renderer).__name__ == "FastRendererHTML"
    lexer = highlight.Highlighter().lexer("rust")
    assert lexer is not None and "get_tokens_unprocessed" in vars(lexer)


def test_another_major_version_gets_the_libraries_own_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    fast_html = Renderer().render(DOC, doc_id="d").html
    fast_title = Renderer().render_inline(TITLE)
    monkeypatch.setattr(renderer, "FAST_PATHS", False)
    monkeypatch.setattr(highlight, "FAST_PYGMENTS", False)
    md = renderer.make_parser(highlight.Highlighter(), ("a", "b", "c"))
    assert md.inline.tokenize.__func__ is type(md.inline).tokenize
    assert md.block.tokenize.__func__ is type(md.block).tokenize
    assert type(md.renderer).__name__ == "RendererHTML"
    lexer = highlight.Highlighter().lexer("rust")
    assert lexer is not None and "get_tokens_unprocessed" not in vars(lexer)
    assert Renderer().render(DOC, doc_id="d").html == fast_html
    title = Renderer()
    assert title.render_inline(TITLE) == fast_title and "<em>title</em>" in fast_title[0]
    assert type(title._inline_md[True].renderer).__name__ == "RendererHTML"


def test_the_fast_paths_need_a_token_with_the_fields_they_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast paths build tokens field by field; a Token with another field would come out
    without it, so FAST_PATHS (the one switch they all sit behind) also asks for the same fields."""
    from sitegen.markdown import dispatch

    assert dispatch.tokens_built_alike()
    monkeypatch.setattr(dispatch, "TOKEN_FIELDS", (*dispatch.TOKEN_FIELDS, "source"))
    assert not dispatch.tokens_built_alike()
