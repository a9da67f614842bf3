"""Post on Bluesky: com.atproto.server.createSession (handle + app password), then
com.atproto.repo.createRecord of an app.bsky.feed.post in the session's repo. An expired
session is refreshed once (com.atproto.server.refreshSession) and the record sent again.

The record key is chosen here (a TID) and journaled before the request: a run whose answer
was lost asks com.atproto.repo.getRecord for that key before posting again, since Bluesky has
no idempotency key of its own."""

from __future__ import annotations

import json
import random
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from sitegen.config import BlueskyConfig
from sitegen.errors import SocialError
from sitegen.social.api import Api, Response, answer_json, host_of

_URI = re.compile(r"^at://did:[a-z]+:[A-Za-z0-9._:%-]+/app\.bsky\.feed\.post/[A-Za-z0-9._~:-]{1,512}$")


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def new_tid(now: float, clock_id: int | None = None) -> str:
    """A record key in the AT Protocol's TID form: microseconds since 1970 and a clock id,
    64 bits written in base32-sortable."""
    clock_id = random.randrange(1024) if clock_id is None else clock_id
    value = (int(now * 1_000_000) << 10) | (clock_id & 0x3FF)
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


@dataclass
class Session:
    did: str
    access: str
    refresh: str


def _error_name(response: Response) -> str:
    try:
        data = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""
    return str(data.get("error", "")) if isinstance(data, dict) else ""


class Bluesky:
    """One account's session, made on first use and shared by every post of a run."""

    def __init__(self, api: Api, config: BlueskyConfig, password: str) -> None:
        self.api = api
        self.config = config
        self._password = password
        self._session: Session | None = None
        self._login_error: SocialError | None = None

    def _xrpc(self, nsid: str) -> str:
        return f"{self.config.service}/xrpc/{nsid}"

    def _session_from(self, response: Response, what: str, url: str) -> Session:
        data = answer_json(response, what, url)
        fields = [data.get(k) if isinstance(data, dict) else None for k in ("did", "accessJwt", "refreshJwt")]
        if not all(isinstance(f, str) and f for f in fields) or not str(fields[0]).startswith("did:"):
            raise SocialError(f"{host_of(url)} sent a malformed answer to {what} (no did/accessJwt/refreshJwt)")
        return Session(*fields)  # type: ignore[arg-type]

    def login(self) -> Session:
        if self._login_error is not None:
            raise self._login_error
        if self._session is None:
            nsid = "com.atproto.server.createSession"
            url = self._xrpc(nsid)
            try:
                response = self.api.call("POST", url, nsid,
                                         payload={"identifier": self.config.handle, "password": self._password})
                if response.status in (400, 401):
                    raise self.api.failure(response, nsid, url, f"; check the handle {self.config.handle!r} and the "
                                           f"app password in ${self.config.password_env}")
                if response.status != 200:
                    raise self.api.failure(response, nsid, url)
                self._session = self._session_from(response, nsid, url)
            except SocialError as exc:
                self._login_error = exc  # every post of this run would fail the same way: ask once
                raise
        return self._session

    def _refresh(self, session: Session) -> Session:
        nsid = "com.atproto.server.refreshSession"
        url = self._xrpc(nsid)
        response = self.api.call("POST", url, nsid, headers={"Authorization": f"Bearer {session.refresh}"})
        if response.status != 200:
            raise self.api.failure(response, nsid, url, "; the session expired and could not be refreshed")
        self._session = self._session_from(response, nsid, url)
        return self._session

    def find_post(self, rkey: str) -> str | None:
        """The at:// URI of this account's post with record key `rkey`, if it exists."""
        session = self.login()
        nsid = "com.atproto.repo.getRecord"
        query = urllib.parse.urlencode({"repo": session.did, "collection": "app.bsky.feed.post", "rkey": rkey})
        url = f"{self._xrpc(nsid)}?{query}"
        response = self.api.call("GET", url, nsid)
        if response.status == 400 and _error_name(response) == "RecordNotFound":
            return None
        if response.status != 200:
            raise self.api.failure(response, nsid, url, "; cannot tell whether an earlier run's post exists")
        data = answer_json(response, nsid, url)
        uri = data.get("uri") if isinstance(data, dict) else None
        if not isinstance(uri, str) or not _URI.match(uri):
            raise SocialError(f"{host_of(url)} sent a malformed answer to {nsid} (no at:// `uri`)")
        return uri

    def create_post(self, record: dict[str, Any], rkey: str | None = None) -> str:
        """Create the post (under record key `rkey` when given); its at:// URI."""
        session = self.login()
        nsid = "com.atproto.repo.createRecord"
        url = self._xrpc(nsid)
        refreshed = False
        while True:
            payload = {"repo": session.did, "collection": "app.bsky.feed.post", "record": record}
            if rkey:
                payload["rkey"] = rkey
            response = self.api.call("POST", url, nsid, headers={"Authorization": f"Bearer {session.access}"},
                                     payload=payload)
            if response.status == 400 and _error_name(response) == "ExpiredToken" and not refreshed:
                session, refreshed = self._refresh(session), True
                continue
            break
        if response.status != 200:
            raise self.api.failure(response, nsid, url)
        data = answer_json(response, nsid, url)
        uri = data.get("uri") if isinstance(data, dict) else None
        if not isinstance(uri, str) or not _URI.match(uri) or not uri.startswith(f"at://{session.did}/"):
            raise SocialError(f"{host_of(url)} sent a malformed answer to {nsid} (no at:// `uri` of a post)")
        return uri
