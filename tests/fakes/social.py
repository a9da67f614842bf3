"""Fake Mastodon and Bluesky servers: real HTTP on 127.0.0.1 with the real endpoints and the
real response shapes, for crosspost tests (what was sent) and replies tests (what is read).

Shapes follow the public documentation:
- Mastodon: docs.joinmastodon.org methods/statuses (POST /api/v1/statuses with
  `Idempotency-Key`, GET /api/v1/statuses/:id, GET /api/v1/statuses/:id/context) and the
  Status / Account / Context entities; errors are `{"error": "..."}`; the API sends
  `Access-Control-Allow-Origin: *`; rate limits use `X-RateLimit-Limit/Remaining/Reset`
  (an ISO 8601 time).
- Bluesky: the AT Protocol lexicons com.atproto.server.createSession / refreshSession,
  com.atproto.repo.createRecord and app.bsky.feed.getPostThread (`threadViewPost` with
  `post` (a postView) and `replies`); XRPC errors are `{"error": Name, "message": ...}`;
  rate limits use `RateLimit-Limit/Remaining/Reset` (Unix seconds) and `RateLimit-Policy`.

Usage::

    with FakeMastodon() as masto, FakeBluesky() as bsky:
        ...  # point sitegen at masto.base_url / bsky.base_url
        masto.fail("post_status", 500)            # the next POST answers 500
        bsky.fail("createRecord", 400, body={"error": "ExpiredToken", "message": "Token has expired"})
        bsky.expire_sessions()                     # every access token now answers ExpiredToken
        masto.seed_reply(status_id, "<p>hi <img src=x onerror=alert(1)></p>")
        assert masto.requests_to("post_status")[0].header("Authorization") == "Bearer …"

Endpoint names for `fail` / `requests_to`: Mastodon `post_status`, `get_status`, `context`;
Bluesky `createSession`, `refreshSession`, `createRecord` (honours a given `rkey`), `getRecord`,
`getPostThread`.
The pytest fixtures `fake_mastodon` and `fake_bluesky` are importable from this module.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

try:  # imported as tests.fakes.social or as fakes.social (tests/ on sys.path)
    from .httpfake import FakeHTTPServer, Fault, Reply, Request
except ImportError:  # pragma: no cover - run as a top-level module
    from httpfake import FakeHTTPServer, Fault, Reply, Request  # type: ignore[no-redef]

__all__ = ["FakeBluesky", "FakeMastodon", "Fault", "Reply", "Request", "fake_bluesky", "fake_mastodon"]

MASTODON_TOKEN = "mastodon-test-token-0123456789"
BLUESKY_HANDLE = "someone.example"
BLUESKY_PASSWORD = "abcd-efgh-ijkl-mnop"

# A 1x1 transparent PNG, served as every avatar so a browser test loads a real image.
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
_URL = re.compile(r"https?://[^\s<]+")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Avatars:
    """Serve `/avatars/…` as a PNG (mixed into both fakes)."""

    def _avatar(self, request: Request, params: dict[str, str]) -> Reply:
        return Reply(200, raw=_PNG, headers={"Content-Type": "image/png", "Cache-Control": "max-age=3600"})


# --------------------------------------------------------------------------------------
# Mastodon
# --------------------------------------------------------------------------------------
class FakeMastodon(_Avatars, FakeHTTPServer):
    """A Mastodon instance with one local account that owns `token`."""

    routes: ClassVar[list[tuple[str, str, str, str]]] = [
        ("POST", r"/api/v1/statuses", "post_status", "_post_status"),
        ("GET", r"/api/v1/statuses/(?P<id>[^/]+)", "get_status", "_get_status"),
        ("GET", r"/api/v1/statuses/(?P<id>[^/]+)/context", "context", "_context"),
        ("GET", r"/avatars/.*", "avatar", "_avatar"),
    ]
    cors_paths = ("/api/", "/avatars/")
    visibilities = ("public", "unlisted", "private", "direct")
    max_characters = 500

    def __init__(self, token: str = MASTODON_TOKEN, username: str = "someone") -> None:
        super().__init__()
        self.token = token
        self.username = username
        self.statuses: dict[str, dict[str, Any]] = {}
        self._idempotency: dict[tuple[str, str], str] = {}
        self._ids = itertools.count(113_000_000_000_000_001)
        self._post_lock = threading.Lock()

    # -- accounts and statuses ----------------------------------------------------------
    def account(self, username: str | None = None, domain: str | None = None,
                display_name: str | None = None) -> dict[str, Any]:
        """An Account entity; `domain` makes it a remote account (`acct` = user@domain)."""
        username = username or self.username
        base = f"https://{domain}" if domain else self.base_url
        return {
            "id": str(abs(hash((username, domain))) % 10**12),
            "username": username,
            "acct": f"{username}@{domain}" if domain else username,
            "display_name": display_name if display_name is not None else username.capitalize(),
            "locked": False,
            "bot": False,
            "url": f"{base}/@{username}",
            "avatar": f"{self.base_url}/avatars/{username}.png",
            "avatar_static": f"{self.base_url}/avatars/{username}.png",
            "note": "",
            "emojis": [],
            "fields": [],
        }

    def _new_status(self, content: str, account: dict[str, Any], *, visibility: str = "public",
                    language: str | None = "en", in_reply_to_id: str | None = None, favourites_count: int = 0,
                    reblogs_count: int = 0, created_at: str | None = None, text: str | None = None) -> dict[str, Any]:
        status_id = str(next(self._ids))
        parent = self.statuses.get(in_reply_to_id or "")
        local = "@" not in account["acct"]
        url = f"{account['url']}/{status_id}"
        status = {
            "id": status_id,
            "uri": (f"{self.base_url}/users/{account['username']}/statuses/{status_id}" if local else url),
            "url": url,
            "created_at": created_at or _now_iso(),
            "edited_at": None,
            "account": account,
            "content": content,
            "visibility": visibility,
            "sensitive": False,
            "spoiler_text": "",
            "language": language,
            "in_reply_to_id": in_reply_to_id,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None,
            "replies_count": 0,
            "reblogs_count": reblogs_count,
            "favourites_count": favourites_count,
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
            "reblog": None,
            "application": {"name": "sitegen", "website": None} if text is not None else None,
        }
        if text is not None:
            status["text"] = text  # only on the answer to POST, as the real API does
        self.statuses[status_id] = status
        if parent:
            parent["replies_count"] += 1
        return status

    def seed_status(self, content: str = "<p>A post</p>", **kw: Any) -> dict[str, Any]:
        """A status of the local account created without a request (a replies test's root)."""
        return self._new_status(content, self.account(), **kw)

    def seed_reply(self, parent_id: str, content: str, *, username: str = "reader",
                   domain: str | None = "other.example", display_name: str | None = None, **kw: Any) -> dict[str, Any]:
        """A reply under `parent_id` with `content` as its (possibly hostile) HTML."""
        if parent_id not in self.statuses:
            raise KeyError(f"no status {parent_id}")
        account = self.account(username, domain, display_name)
        return self._new_status(content, account, in_reply_to_id=parent_id, **kw)

    def rate_limit(self, endpoint: str, reset_in: float = 1.0, times: int | None = 1) -> None:
        """The next request(s) answer 429 with Mastodon's X-RateLimit-* headers."""
        reset = datetime.fromtimestamp(time.time() + reset_in, UTC)
        self.fail(endpoint, 429, body={"error": "Too many requests"}, times=times, headers={
            "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds").replace("+00:00", "Z")})

    def fault_body(self, status: int) -> Any:
        return {401: {"error": "The access token is invalid"},
                404: {"error": "Record not found"},
                429: {"error": "Too many requests"}}.get(status, {"error": "We're sorry, but something went wrong."})

    # -- endpoints ----------------------------------------------------------------------
    def _post_status(self, request: Request, params: dict[str, str]) -> Reply:
        auth = request.header("Authorization") or ""
        if auth != f"Bearer {self.token}":
            return Reply(401, {"error": "The access token is invalid"})
        try:
            form = request.form
        except (ValueError, UnicodeDecodeError):
            return Reply(400, {"error": "Invalid request body"})
        key = request.header("Idempotency-Key")
        with self._post_lock:
            if key and (self.token, key) in self._idempotency:
                return Reply(200, self.statuses[self._idempotency[(self.token, key)]])
            text = str(form.get("status") or "")
            if not text.strip():
                return Reply(422, {"error": "Validation failed: Text can't be blank"})
            if len(_URL.sub("x" * 23, text)) > self.max_characters:
                limit = self.max_characters
                return Reply(422, {"error": f"Validation failed: Text character limit of {limit} exceeded"})
            visibility = form.get("visibility") or "public"
            if visibility not in self.visibilities:
                return Reply(422, {"error": "Validation failed: Visibility is not included in the list"})
            status = self._new_status(_text_to_html(text, self.base_url), self.account(), visibility=visibility,
                                      language=form.get("language") or None,
                                      in_reply_to_id=form.get("in_reply_to_id") or None, text=text)
            status["tags"] = [{"name": t.lower(), "url": f"{self.base_url}/tags/{t.lower()}"}
                              for t in re.findall(r"(?<![\w/])#(\w+)", text)]
            if key:
                self._idempotency[(self.token, key)] = status["id"]
        return Reply(200, status)

    def _visible(self, status_id: str) -> dict[str, Any] | None:
        status = self.statuses.get(status_id)
        return status if status and status["visibility"] in ("public", "unlisted") else None

    def _get_status(self, request: Request, params: dict[str, str]) -> Reply:
        status = self._visible(params["id"])
        return Reply(200, status) if status else Reply(404, {"error": "Record not found"})

    def _context(self, request: Request, params: dict[str, str]) -> Reply:
        status = self._visible(params["id"])
        if status is None:
            return Reply(404, {"error": "Record not found"})
        ancestors = []
        parent = self.statuses.get(status["in_reply_to_id"] or "")
        while parent:
            ancestors.insert(0, parent)
            parent = self.statuses.get(parent["in_reply_to_id"] or "")
        return Reply(200, {"ancestors": ancestors, "descendants": list(self._descendants(status["id"]))})

    def _descendants(self, status_id: str) -> Iterator[dict[str, Any]]:
        """Depth first, oldest first at each level, like Mastodon's context."""
        for child in self.statuses.values():
            if child["in_reply_to_id"] == status_id and child["visibility"] in ("public", "unlisted"):
                yield child
                yield from self._descendants(child["id"])


def _text_to_html(text: str, base_url: str) -> str:
    """Roughly what Mastodon's plain-text formatter does: paragraphs, <br />, links, hashtags."""
    def linkify(escaped: str) -> str:
        escaped = re.sub(r"https?://[^\s<]+", lambda m: (
            f'<a href="{m.group(0)}" rel="nofollow noopener" translate="no" target="_blank">{m.group(0)}</a>'),
            escaped)
        return re.sub(r"(?<![\w/&])#(\w+)", lambda m: (
            f'<a href="{base_url}/tags/{m.group(1).lower()}" class="mention hashtag" rel="tag">'
            f"#<span>{m.group(1)}</span></a>"), escaped)
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p]
    return "".join(f"<p>{linkify(html.escape(p, quote=False)).replace(chr(10), '<br />')}</p>" for p in paragraphs)


# --------------------------------------------------------------------------------------
# Bluesky
# --------------------------------------------------------------------------------------
_B32_SORT = "234567abcdefghijklmnopqrstuvwxyz"


def _tid(micros: int, clock: int) -> str:
    value = (micros << 10) | (clock & 0x3FF)
    return "".join(_B32_SORT[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _cid(data: bytes) -> str:
    return "bafyrei" + base64.b32encode(hashlib.sha256(data).digest()).decode().lower().rstrip("=")[:52]


def _did(seed: str) -> str:
    return "did:plc:" + base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode().lower()[:24]


def _jwt(scope: str, did: str) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    now = int(time.time())
    return ".".join([part({"typ": "at+jwt" if scope != "refresh" else "refresh+jwt", "alg": "ES256K"}),
                     part({"scope": f"com.atproto.{scope}", "sub": did, "iat": now, "exp": now + 7200,
                           "jti": secrets.token_hex(8)}),
                     secrets.token_urlsafe(32)])


class FakeBluesky(_Avatars, FakeHTTPServer):
    """A PDS (createSession, refreshSession, createRecord) and an AppView (getPostThread) on
    one server: `base_url` serves as both `service` and `appview`."""

    routes: ClassVar[list[tuple[str, str, str, str]]] = [
        ("POST", r"/xrpc/com\.atproto\.server\.createSession", "createSession", "_create_session"),
        ("POST", r"/xrpc/com\.atproto\.server\.refreshSession", "refreshSession", "_refresh_session"),
        ("POST", r"/xrpc/com\.atproto\.repo\.createRecord", "createRecord", "_create_record"),
        ("GET", r"/xrpc/com\.atproto\.repo\.getRecord", "getRecord", "_get_record"),
        ("GET", r"/xrpc/app\.bsky\.feed\.getPostThread", "getPostThread", "_get_post_thread"),
        ("GET", r"/avatars/.*", "avatar", "_avatar"),
    ]
    cors_paths = ("/xrpc/app.bsky.", "/avatars/")
    max_graphemes = 300

    def __init__(self, handle: str = BLUESKY_HANDLE, password: str = BLUESKY_PASSWORD) -> None:
        super().__init__()
        self.handle = handle
        self.password = password
        self.did = _did(handle)
        self.posts: dict[str, dict[str, Any]] = {}
        """uri → {"uri", "cid", "author", "record", "likeCount", "repostCount", "quoteCount", "indexedAt"}, and
        optionally "labels" (com.atproto.label.defs#label objects a moderation service put on it)"""
        self._access: dict[str, bool] = {}  # access token → still valid
        self._refresh: set[str] = set()
        self._clock = itertools.count()
        self._lock2 = threading.Lock()

    # -- sessions -----------------------------------------------------------------------
    def expire_sessions(self) -> None:
        """Every access token issued so far now answers 400 ExpiredToken (refresh still works)."""
        with self._lock2:
            for token in self._access:
                self._access[token] = False

    def rate_limit(self, endpoint: str, reset_in: float = 1.0, times: int | None = 1) -> None:
        """The next request(s) answer 429 RateLimitExceeded with the RateLimit-* headers."""
        self.fail(endpoint, 429, body={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, times=times,
                  headers={"RateLimit-Limit": "100", "RateLimit-Remaining": "0",
                           "RateLimit-Reset": str(int(time.time() + reset_in)), "RateLimit-Policy": "100;w=300"})

    def _session(self) -> dict[str, Any]:
        access, refresh = _jwt("access", self.did), _jwt("refresh", self.did)
        with self._lock2:
            self._access[access] = True
            self._refresh.add(refresh)
        return {"accessJwt": access, "refreshJwt": refresh, "handle": self.handle, "did": self.did,
                "active": True, "didDoc": {"id": self.did, "alsoKnownAs": [f"at://{self.handle}"]}}

    def _create_session(self, request: Request, params: dict[str, str]) -> Reply:
        try:
            body = request.json or {}
        except ValueError:
            return Reply(400, {"error": "InvalidRequest", "message": "Request body is not JSON"})
        if not isinstance(body.get("identifier"), str) or not isinstance(body.get("password"), str):
            return Reply(400, {"error": "InvalidRequest", "message": 'Input must have the property "identifier"'})
        if body["identifier"] not in (self.handle, self.did) or body["password"] != self.password:
            return Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
        return Reply(200, self._session())

    def _refresh_session(self, request: Request, params: dict[str, str]) -> Reply:
        token = (request.header("Authorization") or "").removeprefix("Bearer ")
        with self._lock2:
            if token not in self._refresh:
                return Reply(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
            self._refresh.discard(token)
        return Reply(200, self._session())

    def _check_access(self, request: Request) -> Reply | None:
        auth = request.header("Authorization") or ""
        if not auth.startswith("Bearer "):
            return Reply(401, {"error": "AuthMissing", "message": "Authentication Required"})
        valid = self._access.get(auth.removeprefix("Bearer "))
        if valid is None:
            return Reply(400, {"error": "InvalidToken", "message": "Token could not be verified"})
        if not valid:
            return Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        return None

    # -- records ------------------------------------------------------------------------
    def _create_record(self, request: Request, params: dict[str, str]) -> Reply:
        denied = self._check_access(request)
        if denied:
            return denied
        try:
            body = request.json or {}
        except ValueError:
            return Reply(400, {"error": "InvalidRequest", "message": "Request body is not JSON"})
        if body.get("repo") not in (self.did, self.handle):
            return Reply(401, {"error": "AuthRequired", "message": "Input/repo must be the authenticated account"})
        if body.get("collection") != "app.bsky.feed.post":
            return Reply(400, {"error": "InvalidRequest", "message": "this fake stores app.bsky.feed.post only"})
        record = body.get("record")
        problem = _post_record_problem(record, self.max_graphemes)
        if problem:
            return Reply(400, {"error": "InvalidRequest", "message": f"Invalid app.bsky.feed.post record: {problem}"})
        rkey = body.get("rkey")
        if rkey is not None:
            if not (isinstance(rkey, str) and re.fullmatch(r"[234567abcdefghij][234567a-z]{12}", rkey)):
                return Reply(400, {"error": "InvalidRequest", "message": "Input/rkey must be a valid TID"})
            if f"at://{self.did}/app.bsky.feed.post/{rkey}" in self.posts:
                return Reply(400, {"error": "InvalidRequest", "message": "Record already exists"})
        uri = self._store(self.author(), record, rkey=rkey)
        post = self.posts[uri]
        return Reply(200, {"uri": uri, "cid": post["cid"],
                           "commit": {"cid": _cid(uri.encode() + b"commit"), "rev": uri.rsplit("/", 1)[1]},
                           "validationStatus": "valid"})

    def author(self, handle: str | None = None, display_name: str | None = None) -> dict[str, Any]:
        """A profileViewBasic."""
        handle = handle or self.handle
        did = self.did if handle == self.handle else _did(handle)
        return {"did": did, "handle": handle,
                "displayName": display_name if display_name is not None else handle.split(".")[0].capitalize(),
                "avatar": f"{self.base_url}/avatars/{did}.png", "labels": [],
                "createdAt": "2023-04-01T00:00:00.000Z"}

    def _get_record(self, request: Request, params: dict[str, str]) -> Reply:
        """com.atproto.repo.getRecord: public, on the PDS; {uri, cid, value} or 400 RecordNotFound."""
        query = {k: v[0] for k, v in request.query.items()}
        if not all(query.get(k) for k in ("repo", "collection", "rkey")):
            return Reply(400, {"error": "InvalidRequest", "message": 'Params must have the properties "repo", '
                                                                     '"collection" and "rkey"'})
        repo = self.did if query["repo"] == self.handle else query["repo"]
        uri = f"at://{repo}/{query['collection']}/{query['rkey']}"
        post = self.posts.get(uri)
        if post is None:
            return Reply(400, {"error": "RecordNotFound", "message": f"Could not locate record: {uri}"})
        return Reply(200, {"uri": uri, "cid": post["cid"], "value": post["record"]})

    def _store(self, author: dict[str, Any], record: dict[str, Any], rkey: str | None = None, **counts: int) -> str:
        rkey = rkey or _tid(int(time.time() * 1_000_000), next(self._clock))
        uri = f"at://{author['did']}/app.bsky.feed.post/{rkey}"
        self.posts[uri] = {"uri": uri, "cid": _cid(json.dumps(record, sort_keys=True).encode() + rkey.encode()),
                           "author": author, "record": record, "indexedAt": _now_iso(),
                           "likeCount": counts.get("like_count", 0), "repostCount": counts.get("repost_count", 0),
                           "quoteCount": 0}
        return uri

    def seed_post(self, text: str = "A post", **counts: int) -> str:
        """A post of the account created without a request (a replies test's root); its uri."""
        return self._store(self.author(), {"$type": "app.bsky.feed.post", "text": text, "createdAt": _now_iso(),
                                           "langs": ["en"]}, **counts)

    def seed_reply(self, parent_uri: str, text: str, *, handle: str = "reader.bsky.social",
                   display_name: str | None = None, facets: list[dict[str, Any]] | None = None,
                   like_count: int = 0, repost_count: int = 0) -> str:
        """A reply under `parent_uri` (text and facets as given: they may be hostile); its uri."""
        parent = self.posts[parent_uri]
        root = parent["record"].get("reply", {}).get("root") or {"uri": parent_uri, "cid": parent["cid"]}
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": _now_iso(),
                                  "langs": ["en"], "reply": {"root": root,
                                                             "parent": {"uri": parent_uri, "cid": parent["cid"]}}}
        if facets is not None:
            record["facets"] = facets
        return self._store(self.author(handle, display_name), record, like_count=like_count,
                           repost_count=repost_count)

    # -- appview ------------------------------------------------------------------------
    def _children(self, uri: str) -> list[dict[str, Any]]:
        return [p for p in self.posts.values() if p["record"].get("reply", {}).get("parent", {}).get("uri") == uri]

    def post_view(self, uri: str) -> dict[str, Any]:
        post = self.posts[uri]
        view = {"$type": "app.bsky.feed.defs#postView", "uri": uri, "cid": post["cid"], "author": post["author"],
                "record": post["record"], "replyCount": len(self._children(uri)),
                "repostCount": post["repostCount"], "likeCount": post["likeCount"], "quoteCount": post["quoteCount"],
                "indexedAt": post["indexedAt"], "labels": post.get("labels", [])}
        external = (post["record"].get("embed") or {}).get("external")
        if external:
            view["embed"] = {"$type": "app.bsky.embed.external#view", "external": {
                "uri": external.get("uri"), "title": external.get("title", ""),
                "description": external.get("description", "")}}
        return view

    def _thread_view(self, uri: str, depth: int) -> dict[str, Any]:
        node: dict[str, Any] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": self.post_view(uri)}
        if depth > 0:
            node["replies"] = [self._thread_view(child["uri"], depth - 1) for child in self._children(uri)]
        return node

    def _get_post_thread(self, request: Request, params: dict[str, str]) -> Reply:
        uri = (request.query.get("uri") or [""])[0]
        if not uri:
            return Reply(400, {"error": "InvalidRequest", "message": 'Params must have the property "uri"'})
        if uri not in self.posts:
            return Reply(400, {"error": "NotFound", "message": f"Post not found: {uri}"})
        try:
            depth = int((request.query.get("depth") or ["6"])[0])
            height = int((request.query.get("parentHeight") or ["80"])[0])
        except ValueError:
            return Reply(400, {"error": "InvalidRequest", "message": "depth must be an integer"})
        thread = self._thread_view(uri, min(depth, 1000))
        node, parent_uri = thread, self.posts[uri]["record"].get("reply", {}).get("parent", {}).get("uri")
        while parent_uri in self.posts and height > 0:
            node["parent"] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": self.post_view(parent_uri)}
            node, height = node["parent"], height - 1
            parent_uri = self.posts[parent_uri]["record"].get("reply", {}).get("parent", {}).get("uri")
        return Reply(200, {"thread": thread})

    def fault_body(self, status: int) -> Any:
        return {401: {"error": "AuthMissing", "message": "Authentication Required"},
                429: {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}}.get(
            status, {"error": "InternalServerError", "message": "Internal Server Error"})


def _post_record_problem(record: Any, max_graphemes: int) -> str | None:
    """Why `record` is not a valid app.bsky.feed.post, as the PDS's lexicon check would say."""
    if not isinstance(record, dict):
        return "Record must be an object"
    if record.get("$type") != "app.bsky.feed.post":
        return 'Record/$type must be "app.bsky.feed.post"'
    text = record.get("text")
    if not isinstance(text, str):
        return 'Record must have the property "text"'
    if len(text) > max_graphemes or len(text.encode("utf-8")) > 3000:
        return f"Record/text must not be longer than {max_graphemes} graphemes"
    created = record.get("createdAt")
    try:
        datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        return "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)"
    langs = record.get("langs", [])
    if not isinstance(langs, list) or len(langs) > 3:
        return "Record/langs must not have more than 3 elements"
    size = len(text.encode("utf-8"))
    for n, facet in enumerate(record.get("facets", [])):
        index = facet.get("index", {})
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= size):
            return f"Record/facets/{n}/index is out of the text's {size} bytes"
        for feature in facet.get("features", []):
            if feature.get("$type") == "app.bsky.richtext.facet#link" and not str(feature.get("uri", "")).startswith(
                    ("http://", "https://")):
                return f"Record/facets/{n}/features/0/uri must be a valid uri"
    embed = record.get("embed")
    if embed is not None:
        if embed.get("$type") != "app.bsky.embed.external":
            return "Record/embed must be app.bsky.embed.external in this fake"
        external = embed.get("external") or {}
        if not all(isinstance(external.get(k), str) for k in ("uri", "title", "description")):
            return 'Record/embed/external must have the properties "uri", "title" and "description"'
    return None


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    with FakeMastodon() as fake:
        yield fake


@pytest.fixture
def fake_bluesky() -> Iterator[FakeBluesky]:
    with FakeBluesky() as fake:
        yield fake
