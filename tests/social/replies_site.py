"""A small site whose posts point at the fake Mastodon and Bluesky servers, served on loopback,
and the conversations seeded under them (shared by the replies browser tests)."""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fakes.social import FakeBluesky, FakeMastodon

from sitegen.engine import Builder

AVATAR_HOST = "https://avatars.test"
"""Avatars must be https; the browser tests answer this host from Playwright (no network)."""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serve(public: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(public)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def avatar_png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buf, "PNG")
    return buf.getvalue()


def at_time(minute: int) -> str:
    return f"2026-11-20T10:{minute:02d}:00.000Z"


@dataclass
class Conversation:
    """What was seeded, for the assertions."""

    mastodon_url: str = ""
    bluesky_uri: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    """A short name → the Mastodon status id or Bluesky post uri of each reply."""


def seed_friendly(masto: FakeMastodon, bsky: FakeBluesky) -> Conversation:
    """Two networks, five replies, one nested two deep on each side, interleaved in time."""
    conv = Conversation()
    root = masto.seed_status("<p>New post: replies under posts</p>", favourites_count=12, reblogs_count=3)
    conv.mastodon_url = root["url"]
    ada = masto.seed_reply(root["id"], '<p>Lovely write-up, <span class="h-card">'
                           '<a href="https://social.example/@someone" class="u-url mention">@<span>someone</span></a>'
                           '</span>! See '
                           '<a href="https://example.org/very/long/path" rel="nofollow noopener" target="_blank">'
                           '<span class="invisible">https://</span><span class="ellipsis">example.org/very/lo</span>'
                           '<span class="invisible">ng/path</span></a></p><p>Second paragraph<br />with a break.</p>',
                           username="ada", domain="social.example", display_name="Ada Lovelace",
                           created_at=at_time(1), favourites_count=4, reblogs_count=1)
    ada["account"]["avatar"] = ada["account"]["avatar_static"] = f"{AVATAR_HOST}/ada.png"
    grace = masto.seed_reply(ada["id"], "<p>Agreed, and thanks for the pointer.</p>", username="grace",
                             domain="navy.example", display_name="Grace Hopper", created_at=at_time(4))
    grace["account"]["avatar"] = grace["account"]["avatar_static"] = f"{AVATAR_HOST}/grace.png"
    late = masto.seed_reply(root["id"], "<p>Late to the party.</p>", username="linus", domain="kernel.example",
                            display_name="", created_at=at_time(9))
    late["media_attachments"] = [{"id": "1", "type": "image", "url": "https://files.example/a.png",
                                  "description": "a photo"}, {"id": "2", "type": "gifv", "url": "https://files.example/b.mp4"}]
    conv.ids.update(ada=ada["id"], grace=grace["id"], late=late["id"])

    post = bsky.seed_post("New post: replies under posts", like_count=30, repost_count=5)
    conv.bluesky_uri = post
    text = "Café ☕ and 🐺 before the link https://example.net/é — nice"
    start = len(text[:text.index("https://")].encode("utf-8"))
    url = "https://example.net/é"
    facets = [{"index": {"byteStart": start, "byteEnd": start + len(url.encode("utf-8"))},
               "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}]}]
    margaret = bsky.seed_reply(post, text, handle="margaret.bsky.social", display_name="Margaret Hamilton",
                               facets=facets, like_count=7, repost_count=2)
    bsky.posts[margaret]["record"]["createdAt"] = at_time(2)
    bsky.posts[margaret]["author"]["avatar"] = f"{AVATAR_HOST}/margaret.png"
    katherine = bsky.seed_reply(margaret, "Replying on Bluesky,\nover two lines.", handle="katherine.bsky.social",
                                display_name="Katherine Johnson")
    bsky.posts[katherine]["record"]["createdAt"] = at_time(6)
    conv.ids.update(margaret=margaret, katherine=katherine)
    return conv


HOSTILE_MASTODON = [
    '<p>img <img src=x onerror="window.__pwned=1"></p>',
    "<script>window.__pwned=2</script><p>after a script</p>",
    '<p><a href="javascript:window.__pwned=3">js link</a> <a href="data:text/html,<script>alert(1)</script>">'
    'data link</a> <a href="  JaVaScRiPt:window.__pwned=4">spaced js</a> <a href="vbscript:x">vb</a></p>',
    '<p><a href="https://ok.example/x" onclick="window.__pwned=5" style="color:red" target="_blank" '
    'id="main" class="skip-link">fine link</a></p>',
    '<svg onload="window.__pwned=6"><script>window.__pwned=6</script></svg>'
    '<iframe src="javascript:window.__pwned=7"></iframe><style>body{display:none}</style>'
    '<form action="javascript:window.__pwned=8"><button formaction="javascript:1">btn</button></form>',
    '<noscript><p title="</noscript><img src=x onerror=window.__pwned=9>"></noscript><p>mxss</p>',
    '<p>mixed <b onmouseover="window.__pwned=10">bold</b> <math><mi xlink:href="javascript:1">m</mi></math>'
    '<object data="javascript:1"></object><base href="javascript:/">'
    '<meta http-equiv="refresh" content="0;url=javascript:1">'
    '<a href="https://ok.example/"><a href="https://nested.example/">nested</a></a></p>',
    "<p>" + "A" * 30_000 + "</p>",
    "<p>" + "x" * 600 + "</p><p>unbrokenwordunbrokenwordunbrokenwordunbrokenwordunbrokenwordunbrokenword</p>",
]


def seed_hostile(masto: FakeMastodon, bsky: FakeBluesky) -> Conversation:
    conv = Conversation()
    root = masto.seed_status("<p>A hostile thread</p>")
    conv.mastodon_url = root["url"]
    for n, content in enumerate(HOSTILE_MASTODON):
        reply = masto.seed_reply(root["id"], content, username=f"m{n}", display_name=f"Mastodon {n}",
                                 created_at=at_time(n))
        conv.ids[f"m{n}"] = reply["id"]
    evil = masto.seed_reply(root["id"], "<p>evil account</p>", username="evil",
                            display_name='<img src=x onerror="window.__pwned=11">', created_at=at_time(30))
    evil["account"].update(url="javascript:window.__pwned=12", avatar="javascript:window.__pwned=13",
                           avatar_static="data:image/png;base64,AAAA")
    evil.update(url="javascript:window.__pwned=14", uri="data:text/html,x", language='en" onclick="window.__pwned=16',
                spoiler_text='<img src=x onerror="window.__pwned=15">CW')
    plain_avatar = masto.seed_reply(root["id"], "<p>http avatar</p>", username="plainhttp", created_at=at_time(31))
    parent = plain_avatar["id"]
    for depth in range(30):  # a long back-and-forth must not squeeze the text to nothing
        parent = masto.seed_reply(parent, f"<p>depth {depth + 2}</p>", username=f"d{depth % 2}",
                                  created_at=f"2026-11-20T11:{depth:02d}:00.000Z")["id"]
    conv.ids.update(evil=evil["id"], plainhttp=plain_avatar["id"])

    post = bsky.seed_post("A hostile thread")
    conv.bluesky_uri = post
    text = "<img src=x onerror=window.__pwned=20> click me and me too and 🐺 halves"
    b = text.encode("utf-8")
    me = b.index(b"click me")
    wolf = b.index("🐺".encode())
    facets: list[dict[str, Any]] = [
        {"index": {"byteStart": me, "byteEnd": me + 8},
         "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "javascript:window.__pwned=21"}]},
        {"index": {"byteStart": b.index(b"me too"), "byteEnd": b.index(b"me too") + 6},
         "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "data:text/html,<script>x</script>"}]},
        {"index": {"byteStart": wolf + 1, "byteEnd": wolf + 3},  # cuts the emoji in half
         "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://half.example/"}]},
        {"index": {"byteStart": 5, "byteEnd": 10_000},
         "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://past-the-end.example/"}]},
        {"index": {"byteStart": "0", "byteEnd": 3}, "features": [{"$type": "app.bsky.richtext.facet#link",
                                                                  "uri": "https://string-offsets.example/"}]},
        {"index": {"byteStart": me, "byteEnd": me + 5},
         "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "javascript:alert(1)"}]},
    ]
    odd = bsky.seed_reply(post, text, handle="odd.bsky.social", display_name='<script>window.__pwned=22</script>',
                          facets=facets)
    bsky.posts[odd]["author"].update(avatar="javascript:window.__pwned=23", handle='x"><img src=x onerror=alert(1)>',
                                     did="javascript:alert(1)")
    huge = bsky.seed_reply(post, "🐺" * 20_000, handle="huge.bsky.social")
    # A reply a moderation service labelled "!hide" is not shown (as Bluesky's own app hides it).
    labelled = bsky.seed_reply(post, "hidden by a moderation label", handle="spam.bsky.social")
    bsky.posts[labelled]["labels"] = [{"src": "did:plc:moderation", "uri": labelled, "val": "!hide",
                                       "cts": "2026-11-20T10:00:00.000Z"}]
    conv.ids.update(odd=odd, huge=huge)
    return conv


POST = """\
---
title: {title}
date: 2026-11-20
mastodon: {mastodon}
bluesky: {bluesky}
---
A post that was shared on both networks.

{filler}
"""


def build_site(root: Path, posts: dict[str, Conversation], appview: str, replies: str = "button",
               filler: int = 0, language: str = "en-GB") -> Path:
    """A site with one post per conversation (plus one never shared); its public/ folder."""
    blog = root / "content" / "blog"
    blog.mkdir(parents=True)
    for slug, conv in posts.items():
        (blog / f"{slug}.md").write_text(POST.format(
            title=slug.replace("-", " ").capitalize(), mastodon=conv.mastodon_url, bluesky=conv.bluesky_uri,
            filler="\n\n".join(["Filler paragraph to push the replies below the fold."] * filler)), "utf-8")
    (blog / "quiet.md").write_text("---\ntitle: Quiet\ndate: 2026-11-19\n---\nNever shared.\n", "utf-8")
    (root / "sitegen.toml").write_text(
        f'title = "Replies test"\nbase_url = "https://blog.example"\nlanguage = "{language}"\n'
        f'[social]\nreplies = "{replies}"\n[social.bluesky]\nappview = "{appview}"\n', "utf-8")
    Builder(root, root / "public", cache_dir=root / ".cache").build()
    return root / "public"
