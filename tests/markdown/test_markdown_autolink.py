"""GFM autolinks: whole addresses with `_`, the spec's examples, and the same links as before otherwise."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin

from sitegen.markdown import Renderer
from sitegen.markdown.autolink import autolink_plugin

RENDERER = Renderer()
OURS = MarkdownIt("commonmark").use(autolink_plugin)
UPSTREAM = MarkdownIt("commonmark").use(gfm_autolink_plugin)


def body(text: str) -> str:
    return RENDERER.render(text, doc_id="d").html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail first_last@example.com today",
         '<p>mail <a href="mailto:first_last@example.com">first_last@example.com</a> today</p>\n'),
        ("a_b_c@example.org", '<p><a href="mailto:a_b_c@example.org">a_b_c@example.org</a></p>\n'),
        # GFM spec examples 631–633.
        ("foo@bar.baz", '<p><a href="mailto:foo@bar.baz">foo@bar.baz</a></p>\n'),
        ("hello@mail+xyz.example isn't valid, but hello+xyz@mail.example is.",
         "<p>hello@mail+xyz.example isn't valid, but "
         '<a href="mailto:hello+xyz@mail.example">hello+xyz@mail.example</a> is.</p>\n'),
        ("a.b-c_d@a.b", '<p><a href="mailto:a.b-c_d@a.b">a.b-c_d@a.b</a></p>\n'),
        ("a.b-c_d@a.b.", '<p><a href="mailto:a.b-c_d@a.b">a.b-c_d@a.b</a>.</p>\n'),
        ("a.b-c_d@a.b-", "<p>a.b-c_d@a.b-</p>\n"),
        ("a.b-c_d@a.b_", "<p>a.b-c_d@a.b_</p>\n"),
        # Emphasis keeps its underscores.
        ("_word_@example.com and _this_", "<p><em>word</em>@example.com and <em>this</em></p>\n"),
        ("snake_case_name: value", "<p>snake_case_name: value</p>\n"),
    ],
)
def test_addresses_with_underscores_link_whole(text: str, expected: str) -> None:
    assert body(text) == expected


PIECES = st.sampled_from(
    ["www.", "http://", "https://", "mailto:", "xmpp:", "@", "_", "a", "b.c", ".", "-", "(", ")",
     " ", "*", "~", "com", ";", "&amp;", "<", "/", "?", ":", "é", "\n", "[", "](", "`", "1", "x"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=14).map("".join))
def test_same_links_as_the_upstream_plugin_apart_from_underscore_addresses(text: str) -> None:
    # The one intended difference: an address whose local part has `_` before the `@`.
    assume(not re.search(r"_[A-Za-z0-9.+_-]*@", text))
    assert OURS.render(text) == UPSTREAM.render(text)
