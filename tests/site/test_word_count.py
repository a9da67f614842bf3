"""A page's word count: the words of its HTML outside tags, however the HTML is cut."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.content import _count_words


def _chunk_by_chunk(html: str) -> int:
    """The definition: split at '<' and '>', count the words of every other chunk."""
    chunks = html.replace(">", "<").split("<")
    return sum(len(chunk.split()) for chunk in chunks[0::2])


def test_words_in_tags_and_attributes_do_not_count() -> None:
    assert _count_words('<p class="a b c">one two<br>three</p>\n<pre><code>x = 1</code></pre>') == 6


def test_text_either_side_of_a_tag_is_two_words() -> None:
    assert _count_words("one<b>two</b>three") == 3


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["<", ">", "a", "bc", " ", "\n", "\t", "<p>", "</p>", "\u00a0", "&amp;", "é"]),
                max_size=40).map("".join))
def test_counts_as_the_chunk_by_chunk_definition(html: str) -> None:
    assert _count_words(html) == _chunk_by_chunk(html)
