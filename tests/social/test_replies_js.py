"""The pure parts of the theme's replies.js, run in Chromium: Mastodon's HTML sanitiser, Bluesky's
facets (UTF-8 byte offsets → JavaScript string indices), URL checks and the two thread builders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "themes" / "default" / "static" / "replies.js"


@pytest.fixture(scope="module")
def js(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_content('<!doctype html><html lang="en"><body><main id="main"></main></body></html>')
    page.add_script_tag(path=str(SCRIPT))
    yield page
    context.close()


def _sanitize(js: Any, html: str) -> str:
    return js.evaluate("""(h) => {
        const d = document.createElement('div');
        d.appendChild(sitegenReplies.sanitizeHtml(h));
        return d.innerHTML;
    }""", html)


R = 'rel="nofollow ugc noopener"'


@pytest.mark.parametrize(("html", "expected"), [
    ("<p>Hello</p><p>two<br>lines</p>", "<p>Hello</p><p>two<br>lines</p>"),
    ('<p>see <a href="https://a.example/x?y=1&amp;z=2" class="x" target="_blank" onclick="f()">this</a></p>',
     f'<p>see <a href="https://a.example/x?y=1&amp;z=2" {R}>this</a></p>'),
    ('<p><a href="javascript:alert(1)">js</a> <a href="data:text/html,x">data</a> <a href="/relative">rel</a> '
     '<a href=" JAVASCRIPT:alert(1)">js2</a> <a href="https://u:p@a.example/">creds</a></p>',
     "<p>js data rel js2 creds</p>"),
    ("<p>x<img src=x onerror=alert(1)>y</p>", "<p>xy</p>"),
    ("<img src=x onerror=alert(1)>", ""),
    ("<script>alert(1)</script><style>p{}</style><p>after</p>", "<p>after</p>"),
    ('<p><span class="h-card"><a href="https://m.example/@bo" class="u-url mention">@<span>bo</span></a></span></p>',
     f'<p><a href="https://m.example/@bo" {R}>@bo</a></p>'),
    ('<p><a href="https://e.example/long"><span class="invisible">https://</span><span class="ellipsis">e.example/lo'
     '</span><span class="invisible">ng</span></a></p>',
     f'<p><a href="https://e.example/long" {R}>e.example/lo…</a></p>'),
    ("loose <b>bold</b> text", "<p>loose bold text</p>"),
    ("<ul><li>one</li><li>two</li></ul><blockquote><p>q</p></blockquote>", "<p>one<br>two</p><p>q</p>"),
    ('<p><a href="https://a.example/"><b><a href="https://b.example/">in</a></b></a></p>',
     f'<p><a href="https://b.example/" {R}>in</a></p>'),
    ('<p><a href="https://a.example/"></a>empty link dropped</p>', "<p>empty link dropped</p>"),
    ("<svg><a href='https://s.example/'>svg</a></svg><math><mtext>m</mtext></math><p>ok</p>", "<p>ok</p>"),
    ("<p>&lt;b&gt;escaped&lt;/b&gt; &amp; kept</p>", "<p>&lt;b&gt;escaped&lt;/b&gt; &amp; kept</p>"),
])
def test_mastodon_html_keeps_only_paragraphs_breaks_and_http_links(js: Any, html: str, expected: str) -> None:
    assert _sanitize(js, html) == expected


def test_sanitised_text_is_capped_without_splitting_a_surrogate_pair(js: Any) -> None:
    out = js.evaluate("""() => {
        const d = document.createElement('div');
        d.appendChild(sitegenReplies.sanitizeHtml('<p>' + 'a'.repeat(4999) + '🐺🐺🐺</p><p>never</p>'));
        return d.textContent;
    }""")
    assert out == "a" * 4999 + "…"


def test_parsing_hostile_html_runs_and_loads_nothing(js: Any) -> None:
    js.evaluate("""() => sitegenReplies.sanitizeHtml(
        '<img src="https://x.invalid/a.png" onerror="window.__pwned=1"><svg onload="window.__pwned=2">' +
        '<iframe srcdoc="<script>parent.__pwned=3</script>"></iframe><script>window.__pwned=4</script>')""")
    js.wait_for_timeout(50)  # an error event of a failed image load would be queued by now
    assert js.evaluate("window.__pwned ?? null") is None


def _facets(js: Any, text: str, facets: list[dict[str, Any]]) -> list[list[str | None]]:
    return js.evaluate("""([t, f]) => [...sitegenReplies.renderFacets(t, f).childNodes].map(
        n => [n.textContent, n.nodeName === 'A' ? n.getAttribute('href') : null])""", [text, facets])


def _link(text: str, part: str, uri: str, kind: str = "link", **extra: Any) -> dict[str, Any]:
    start = len(text[:text.index(part)].encode("utf-8"))
    feature = {"$type": f"app.bsky.richtext.facet#{kind}", **({"uri": uri} if kind == "link" else extra)}
    return {"index": {"byteStart": start, "byteEnd": start + len(part.encode("utf-8"))}, "features": [feature]}


def test_a_link_facet_after_emoji_and_accents_covers_exactly_its_text(js: Any) -> None:
    text = "Ça 👩‍💻 🐺 déjà vu: https://example.org/ü?q=1 fin"
    url = "https://example.org/ü?q=1"
    assert _facets(js, text, [_link(text, url, url)]) == [
        ["Ça 👩‍💻 🐺 déjà vu: ", None], [url, "https://example.org/%C3%BC?q=1"], [" fin", None]]


def test_mentions_and_tags_link_to_bluesky_and_facets_keep_their_order(js: Any) -> None:
    text = "hi @ada.example see #café and https://a.example"
    facets = [_link(text, "https://a.example", "https://a.example"),
              _link(text, "@ada.example", "", "mention", did="did:plc:abc"),
              _link(text, "#café", "", "tag", tag="café")]
    assert _facets(js, text, facets) == [
        ["hi ", None], ["@ada.example", "https://bsky.app/profile/did:plc:abc"], [" see ", None],
        ["#café", "https://bsky.app/hashtag/caf%C3%A9"], [" and ", None], ["https://a.example", "https://a.example/"]]


def test_bad_facets_leave_plain_text(js: Any) -> None:
    text = "🐺 wolf javascript here data there and more"
    wolf = len("🐺".encode())
    facets = [
        _link(text, "javascript", "javascript:alert(1)"),
        _link(text, "data", "data:text/html,<script>alert(1)</script>"),
        {"index": {"byteStart": 1, "byteEnd": wolf}, "features": [{"$type": "app.bsky.richtext.facet#link",
                                                                  "uri": "https://half.example/"}]},
        {"index": {"byteStart": 0, "byteEnd": 10_000}, "features": [{"$type": "app.bsky.richtext.facet#link",
                                                                    "uri": "https://long.example/"}]},
        {"index": {"byteStart": "0", "byteEnd": 4}, "features": [{"$type": "app.bsky.richtext.facet#link",
                                                                 "uri": "https://string.example/"}]},
        {"index": {"byteStart": 6, "byteEnd": 2}, "features": [{"$type": "app.bsky.richtext.facet#link",
                                                               "uri": "https://backwards.example/"}]},
        _link(text, "more", "", "mention", did="javascript:alert(1)"),
        {"index": {"byteStart": 0, "byteEnd": 4}},
        None,
    ]
    out = _facets(js, text, facets)
    assert "".join(t for t, _ in out) == text
    assert [h for _, h in out if h] == []


def test_overlapping_facets_keep_the_first(js: Any) -> None:
    text = "one two three"
    facets = [_link(text, "one two", "https://a.example/"), _link(text, "two three", "https://b.example/")]
    assert _facets(js, text, facets) == [["one two", "https://a.example/"], [" three", None]]


def test_odd_records_render_as_empty_or_plain_text(js: Any) -> None:
    assert _facets(js, None, None) == []
    assert _facets(js, "a\u0000b\u202ec", "not a list") == [["a\u0000b\u202ec", None]]


@pytest.mark.parametrize(("url", "expected"), [
    ("https://a.example/x", "https://a.example/x"),
    ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/"),
    ("javascript:alert(1)", None), ("data:image/png;base64,AA", None), ("//a.example/", None),
    ("/x", None), ("ftp://a.example/", None), ("https://u:p@a.example/", None), ("", None), (None, None),
])
def test_safe_url_accepts_absolute_http_only(js: Any, url: str | None, expected: str | None) -> None:
    assert js.evaluate("(u) => sitegenReplies.safeUrl(u)", url) == expected


def test_mastodon_context_becomes_a_tree_under_the_post(js: Any) -> None:
    tree = js.evaluate("""() => {
        const s = (id, parent, name) => ({id, in_reply_to_id: parent, content: '<p>' + name + '</p>',
            created_at: '2026-01-01T00:00:0' + id + 'Z', account: {display_name: name, acct: name}});
        const top = sitegenReplies.mastodonThread({id: '1'}, {ancestors: [], descendants: [
            s('2', '1', 'a'), s('3', '2', 'b'), s('4', '3', 'c'), s('5', '1', 'd'), s('6', '99', 'orphan'),
            {id: '7', in_reply_to_id: '1', visibility: 'direct', account: {}}, null]});
        const names = (list) => list.map(r => [r.name, names(r.children)]);
        return names(top);
    }""")
    assert tree == [["a", [["b", [["c", []]]]]], ["d", []], ["orphan", []]]


def test_bluesky_thread_skips_missing_blocked_and_hidden_posts(js: Any) -> None:
    names = js.evaluate("""() => {
        const post = (handle, labels, replies) => ({$type: 'app.bsky.feed.defs#threadViewPost', replies: replies || [],
            post: {uri: 'at://did:plc:x/app.bsky.feed.post/' + handle, author: {handle, displayName: handle},
                   record: {text: handle, createdAt: '2026-01-01T00:00:00Z'}, labels}});
        const top = sitegenReplies.blueskyThread({replies: [
            post('a', [], [post('b', []), {$type: 'app.bsky.feed.defs#blockedPost', uri: 'at://x'}]),
            {$type: 'app.bsky.feed.defs#notFoundPost', uri: 'at://y', notFound: true},
            post('hidden', [{val: '!hide'}]), post('spam', [{val: 'porn'}]), post('c', [{val: 'self-label'}]),
        ]});
        const names = (list) => list.map(r => [r.name, r.url, names(r.children)]);
        return names(top);
    }""")
    assert names == [["a", "https://bsky.app/profile/a/post/a", [["b", "https://bsky.app/profile/b/post/b", []]]],
                     ["c", "https://bsky.app/profile/c/post/c", []]]


@pytest.mark.parametrize(("embed", "count"), [
    ({"$type": "app.bsky.embed.images#view", "images": [{"thumb": "https://x/1"}, {"thumb": "https://x/2"}]}, 2),
    ({"$type": "app.bsky.embed.video#view", "playlist": "https://x/v.m3u8"}, 1),
    ({"$type": "app.bsky.embed.recordWithMedia#view", "media": {"$type": "app.bsky.embed.images#view",
                                                                 "images": [{}]}, "record": {}}, 1),
    ({"$type": "app.bsky.embed.external#view", "external": {"uri": "https://x/"}}, 0),
    ({"$type": "app.bsky.embed.images#view", "images": "nope"}, 0),
    (None, 0), ("text", 0),
])
def test_bluesky_images_and_videos_are_counted(js: Any, embed: Any, count: int) -> None:
    assert js.evaluate("(e) => sitegenReplies.blueskyMedia(e)", embed) == count
