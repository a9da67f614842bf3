"""sitegen.markdown.linkdest answers as markdown-it-py does, for any destination or URL."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.helpers.parse_link_destination import parseLinkDestination

from sitegen.markdown.linkdest import normalize_link, parse_link_destination

# Pieces of real URLs and of the text around a destination, with the characters that send
# markdown-it-py down its other paths (escapes, parentheses, `<`, `%`, ports, users, IPv6,
# other schemes, non-ASCII hosts, upper case, spaces, newlines).
PIECES = st.sampled_from(
    [
        "https://", "http://", "HTTP://", "mailto:", "javascript:", "ftp://", "//", "/", "./", "../", "#", "?",
        "&", "=", ";", ",", "+", "$", "!", "*", "'", "(", ")", "@", ":", ":8080", "%", "%20", "%zz", "~", "-",
        "_", ".", "..", "example", "com", "a.b", "x" * 64, "münchen", "日本", "xn--", "[::1]", "\\", "\\(", "<",
        ">", " ", "\n", "\t", "\x00", "\x7f", '"', "`", "{", "|", "^", "index.md", "a1-b2", "Q",
    ]
)
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=12).map("".join)


@settings(max_examples=800, deadline=None)
@given(TEXT)
def test_normalize_link_is_markdown_its(url: str) -> None:
    assert normalize_link(url) == normalizeLink(url)


@settings(max_examples=800, deadline=None)
@given(TEXT, st.integers(0, 20), st.integers(0, 40))
def test_parse_link_destination_is_markdown_its(text: str, pos: int, maximum: int) -> None:
    maximum = min(maximum, len(text))
    ours = parse_link_destination(text, pos, maximum)
    theirs = parseLinkDestination(text, pos, maximum)
    assert (ours.ok, ours.pos, ours.str) == (theirs.ok, theirs.pos, theirs.str)


def test_common_urls_take_the_short_way(monkeypatch) -> None:
    """The usual shapes never reach markdown-it-py's normaliser (else there is no gain)."""
    import sitegen.markdown.linkdest as linkdest

    def fail(url: str) -> str:
        raise AssertionError(url)

    monkeypatch.setattr(linkdest, "normalizeLink", fail)
    for url in ("https://blog.rust-lang.org/2024/01/01/x.html?a=b&c=d#frag", "../posts/a.md#setup",
                "/images/a.png", "#fn-1", "http://localhost"):
        assert normalize_link(url) == url
