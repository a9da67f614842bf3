"""Crosspost texts: hashtags, the length limits, and Bluesky facets counted in UTF-8 bytes."""

from __future__ import annotations

import pytest

from sitegen.errors import SocialError
from sitegen.social import text as t

URL = "https://example.org/blog/élan/"


def test_hashtags_from_tags() -> None:
    assert t.hashtags(("rust", "home lab", "C++", "2024", "Rust", "self-hosting", "Ünïcode")) == [
        "#rust", "#HomeLab", "#C", "#SelfHosting", "#Ünïcode"]


@pytest.mark.parametrize("prefix", ["Café ", "🐺 wolf ", "Ünïcødé — ", "👩‍💻 ", ""])
def test_link_facet_counts_utf8_bytes(prefix: str) -> None:
    text = f"{prefix}{URL} #rust"
    facets = t.bluesky_facets(text, URL)
    link = facets[0]
    start, end = link["index"]["byteStart"], link["index"]["byteEnd"]
    encoded = text.encode("utf-8")
    assert encoded[start:end].decode() == URL
    assert start == len(prefix.encode("utf-8"))
    tag = facets[1]
    assert encoded[tag["index"]["byteStart"]:tag["index"]["byteEnd"]] == b"#rust"
    assert tag["features"] == [{"$type": "app.bsky.richtext.facet#tag", "tag": "rust"}]


def test_fit_drops_hashtags_then_shortens_the_description() -> None:
    info = t.PostInfo(title="T", url=URL, description="word " * 80, tags=tuple(f"tag{i}" for i in range(40)))
    text = t.fit("{title}\n{description}\n{url}\n{hashtags}", info, t.BLUESKY_LIMIT, len, "Bluesky")
    assert len(text) <= t.BLUESKY_LIMIT and URL in text and "#" not in text and text.count("word") < 80
    # Mastodon counts a link as 23 characters, so more fits there.
    masto = t.fit("{title}\n{description}\n{url}\n{hashtags}", info, t.MASTODON_LIMIT, t.mastodon_length)
    assert t.mastodon_length(masto) <= t.MASTODON_LIMIT and len(masto) > len(text)


def test_a_title_too_long_for_the_network_is_an_error() -> None:
    info = t.PostInfo(title="x" * 400, url=URL)
    with pytest.raises(SocialError, match="over the limit of 300"):
        t.fit("{title} {url}", info, t.BLUESKY_LIMIT, len, "Bluesky")


def test_empty_placeholders_leave_no_blank_runs() -> None:
    info = t.PostInfo(title="T", url=URL)
    assert t.fill("{title}\n\n{description}\n\n{url}\n\n{hashtags}", info, []) == f"T\n\n{URL}"


def test_record_has_card_langs_and_facets() -> None:
    info = t.PostInfo(title="Café", url=URL, description="d")
    record = t.bluesky_record(f"Café {URL}", info, "2026-01-01T00:00:00.000Z", "fr")
    assert record["$type"] == "app.bsky.feed.post" and record["langs"] == ["fr"]
    assert record["facets"][0]["index"] == {"byteStart": 6, "byteEnd": 6 + len(URL.encode())}
    assert record["embed"]["external"] == {"uri": URL, "title": "Café", "description": "d"}
