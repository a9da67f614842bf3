"""The fake Mastodon and Bluesky servers answer like the real APIs: these tests pin the shapes
other suites (crosspost, replies, the publish runbook) rely on."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from fakes.social import BLUESKY_HANDLE, BLUESKY_PASSWORD, MASTODON_TOKEN, FakeBluesky, FakeMastodon


def call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
         timeout: float = 5) -> tuple[int, dict[str, str], Any]:
    data = None
    headers = dict(headers or {})
    if isinstance(body, dict) and headers.get("Content-Type") == "application/x-www-form-urlencoded":
        data = urllib.parse.urlencode(body).encode()
    elif body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"null")


def test_mastodon_post_status_form_and_idempotency(fake_mastodon: FakeMastodon) -> None:
    url = fake_mastodon.base_url + "/api/v1/statuses"
    auth = {"Authorization": f"Bearer {MASTODON_TOKEN}", "Idempotency-Key": "k1",
            "Content-Type": "application/x-www-form-urlencoded"}
    form = {"status": "New post https://example.org/blog/a/ #tag", "visibility": "unlisted", "language": "de"}
    status, _, first = call("POST", url, form, auth)
    assert status == 200
    assert first["url"] == f"{fake_mastodon.base_url}/@someone/{first['id']}"
    assert first["visibility"] == "unlisted" and first["language"] == "de"
    assert first["tags"] == [{"name": "tag", "url": f"{fake_mastodon.base_url}/tags/tag"}]
    assert '<a href="https://example.org/blog/a/"' in first["content"]
    _, _, again = call("POST", url, form, auth)
    assert again["id"] == first["id"]
    _, _, other = call("POST", url, form, {**auth, "Idempotency-Key": "k2"})
    assert other["id"] != first["id"]
    sent = fake_mastodon.requests_to("post_status")
    assert [r.header("Idempotency-Key") for r in sent] == ["k1", "k1", "k2"]
    assert sent[0].form["visibility"] == "unlisted"


def test_mastodon_rejects_bad_token_blank_text_and_bad_visibility(fake_mastodon: FakeMastodon) -> None:
    url = fake_mastodon.base_url + "/api/v1/statuses"
    assert call("POST", url, {"status": "x"}, {"Authorization": "Bearer nope"})[::2] == (
        401, {"error": "The access token is invalid"})
    ok = {"Authorization": f"Bearer {MASTODON_TOKEN}"}
    assert call("POST", url, {"status": "  "}, ok)[0] == 422
    assert call("POST", url, {"status": "x", "visibility": "everyone"}, ok)[0] == 422
    assert call("POST", url, {"status": "y" * 501}, ok)[0] == 422
    assert fake_mastodon.statuses == {}


def test_mastodon_context_nests_replies_and_sends_cors(fake_mastodon: FakeMastodon) -> None:
    root = fake_mastodon.seed_status()
    first = fake_mastodon.seed_reply(root["id"], '<p>hi <img src=x onerror="alert(1)"></p>', favourites_count=3)
    nested = fake_mastodon.seed_reply(first["id"], "<p>nested</p>", username="deep", domain=None)
    second = fake_mastodon.seed_reply(root["id"], '<p><a href="javascript:alert(1)">x</a></p>')
    status, headers, context = call("GET", f"{fake_mastodon.base_url}/api/v1/statuses/{root['id']}/context")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert context["ancestors"] == []
    assert [s["id"] for s in context["descendants"]] == [first["id"], nested["id"], second["id"]]
    assert context["descendants"][1]["in_reply_to_id"] == first["id"]
    reply = context["descendants"][0]
    assert reply["content"] == '<p>hi <img src=x onerror="alert(1)"></p>'
    assert reply["favourites_count"] == 3 and reply["reblogs_count"] == 0
    assert {"display_name", "acct", "url", "avatar"} <= set(reply["account"])
    assert reply["account"]["acct"] == "reader@other.example"
    _, _, up = call("GET", f"{fake_mastodon.base_url}/api/v1/statuses/{nested['id']}/context")
    assert [s["id"] for s in up["ancestors"]] == [root["id"], first["id"]]
    status, _, single = call("GET", f"{fake_mastodon.base_url}/api/v1/statuses/{root['id']}")
    assert status == 200 and single["replies_count"] == 2
    assert call("GET", f"{fake_mastodon.base_url}/api/v1/statuses/1")[::2] == (404, {"error": "Record not found"})
    with urllib.request.urlopen(reply["account"]["avatar"], timeout=5) as avatar:
        assert avatar.read(4) == b"\x89PNG"


def test_mastodon_faults(fake_mastodon: FakeMastodon) -> None:
    url = fake_mastodon.base_url + "/api/v1/statuses"
    auth = {"Authorization": f"Bearer {MASTODON_TOKEN}"}
    fake_mastodon.fail("post_status", 503)
    assert call("POST", url, {"status": "a"}, auth)[0] == 503
    assert call("POST", url, {"status": "a"}, auth)[0] == 200  # one-shot by default
    fake_mastodon.rate_limit("post_status", reset_in=30)
    status, headers, _ = call("POST", url, {"status": "b"}, auth)
    assert status == 429 and headers["X-RateLimit-Remaining"] == "0" and headers["X-RateLimit-Reset"].endswith("Z")
    fake_mastodon.fail("post_status", malformed=True)
    with urllib.request.urlopen(urllib.request.Request(url, data=b"status=c", headers=auth), timeout=5) as response:
        answer = response.read()
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer)
    fake_mastodon.fail("get_status", hang=10)
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        urllib.request.urlopen(f"{fake_mastodon.base_url}/api/v1/statuses/1", timeout=0.3)
    with pytest.raises(ValueError, match="unknown endpoint"):
        fake_mastodon.fail("statuses")


def test_bluesky_session_create_record_and_refresh(fake_bluesky: FakeBluesky) -> None:
    xrpc = fake_bluesky.base_url + "/xrpc/"
    assert call("POST", xrpc + "com.atproto.server.createSession",
                {"identifier": BLUESKY_HANDLE, "password": "wrong"})[0] == 401
    status, _, session = call("POST", xrpc + "com.atproto.server.createSession",
                              {"identifier": BLUESKY_HANDLE, "password": BLUESKY_PASSWORD})
    assert status == 200 and session["did"].startswith("did:plc:") and session["handle"] == BLUESKY_HANDLE
    text = "Café 🐺 https://example.org/p/"
    start = len("Café 🐺 ".encode())
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-12-02T01:00:00.000Z", "langs": ["fr"],
              "facets": [{"index": {"byteStart": start, "byteEnd": len(text.encode())},
                          "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/p/"}]}],
              "embed": {"$type": "app.bsky.embed.external",
                        "external": {"uri": "https://example.org/p/", "title": "P", "description": "d"}}}
    body = {"repo": session["did"], "collection": "app.bsky.feed.post", "record": record}
    bearer = {"Authorization": f"Bearer {session['accessJwt']}"}
    status, _, created = call("POST", xrpc + "com.atproto.repo.createRecord", body, bearer)
    assert status == 200, created
    assert created["uri"].startswith(f"at://{session['did']}/app.bsky.feed.post/") and created["cid"].startswith("bafy")
    assert len(created["uri"].rsplit("/", 1)[1]) == 13

    fake_bluesky.expire_sessions()
    assert call("POST", xrpc + "com.atproto.repo.createRecord", body, bearer)[::2] == (
        400, {"error": "ExpiredToken", "message": "Token has expired"})
    refresh = {"Authorization": f"Bearer {session['refreshJwt']}"}
    status, _, renewed = call("POST", xrpc + "com.atproto.server.refreshSession", None, refresh)
    assert status == 200 and renewed["accessJwt"] != session["accessJwt"]
    assert call("POST", xrpc + "com.atproto.server.refreshSession", None, refresh)[0] == 400  # single use
    status, _, _ = call("POST", xrpc + "com.atproto.repo.createRecord", body,
                        {"Authorization": f"Bearer {renewed['accessJwt']}"})
    assert status == 200


def test_bluesky_rejects_facets_outside_the_text(fake_bluesky: FakeBluesky) -> None:
    xrpc = fake_bluesky.base_url + "/xrpc/"
    _, _, session = call("POST", xrpc + "com.atproto.server.createSession",
                         {"identifier": BLUESKY_HANDLE, "password": BLUESKY_PASSWORD})
    text = "Café 🐺"
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-12-02T01:00:00Z",
              "facets": [{"index": {"byteStart": 0, "byteEnd": len(text) + 1}, "features": []}]}
    status, _, error = call("POST", xrpc + "com.atproto.repo.createRecord",
                            {"repo": session["did"], "collection": "app.bsky.feed.post", "record": record},
                            {"Authorization": f"Bearer {session['accessJwt']}"})
    # len(text) + 1 == 7 characters, but the text is 11 bytes: still inside. Past the bytes fails:
    assert status == 200, error
    record["facets"][0]["index"]["byteEnd"] = len(text.encode()) + 1
    status, _, error = call("POST", xrpc + "com.atproto.repo.createRecord",
                            {"repo": session["did"], "collection": "app.bsky.feed.post", "record": record},
                            {"Authorization": f"Bearer {session['accessJwt']}"})
    assert status == 400 and error["error"] == "InvalidRequest" and "facets/0/index" in error["message"]


def test_bluesky_thread_shape_and_faults(fake_bluesky: FakeBluesky) -> None:
    root = fake_bluesky.seed_post("Root", like_count=2)
    reply = fake_bluesky.seed_reply(root, "hi <script>alert(1)</script>", display_name="Reader", like_count=5,
                                    facets=[{"index": {"byteStart": 0, "byteEnd": 2}, "features": [
                                        {"$type": "app.bsky.richtext.facet#link", "uri": "javascript:alert(1)"}]}])
    nested = fake_bluesky.seed_reply(reply, "nested", handle="deep.example")
    url = fake_bluesky.base_url + "/xrpc/app.bsky.feed.getPostThread?" + urllib.parse.urlencode({"uri": root})
    status, headers, body = call("GET", url)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    thread = body["thread"]
    assert thread["$type"] == "app.bsky.feed.defs#threadViewPost"
    assert thread["post"]["uri"] == root and thread["post"]["replyCount"] == 1 and thread["post"]["likeCount"] == 2
    child = thread["replies"][0]
    assert child["post"]["uri"] == reply
    assert child["post"]["author"]["displayName"] == "Reader"
    assert {"did", "handle", "displayName", "avatar"} <= set(child["post"]["author"])
    assert child["post"]["record"]["text"] == "hi <script>alert(1)</script>"
    assert child["post"]["record"]["facets"][0]["features"][0]["uri"] == "javascript:alert(1)"
    assert {"likeCount", "repostCount", "replyCount", "indexedAt"} <= set(child["post"])
    assert child["replies"][0]["post"]["uri"] == nested
    _, _, up = call("GET", url.replace(urllib.parse.quote(root, safe=""), urllib.parse.quote(nested, safe="")))
    assert up["thread"]["parent"]["post"]["uri"] == reply and up["thread"]["parent"]["parent"]["post"]["uri"] == root
    missing = fake_bluesky.base_url + "/xrpc/app.bsky.feed.getPostThread?uri=at%3A%2F%2Fdid%3Aplc%3Ax%2Fa%2Fb"
    assert call("GET", missing)[2]["error"] == "NotFound"
    fake_bluesky.rate_limit("getPostThread", reset_in=5)
    status, headers, body = call("GET", url)
    assert status == 429 and body["error"] == "RateLimitExceeded" and int(headers["RateLimit-Reset"]) > 0
    assert len(fake_bluesky.requests_to("getPostThread")) == 4
