"""The network clients against a scripted transport: 429 waits (bounded, on an injected clock),
session refresh, and answers that are not what the API promises."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from sitegen.config import BlueskyConfig, MastodonConfig
from sitegen.errors import SocialError
from sitegen.social.api import Api, Response
from sitegen.social.bluesky import Bluesky
from sitegen.social.mastodon import idempotency_key, post_status

DID = "did:plc:abcdefghijklmnopqrstuvwx"


class Script:
    """Answers in order; records what was sent."""

    def __init__(self, *answers: Response | BaseException) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str, dict[str, str], Any]] = []

    def __call__(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None,
                 timeout: float) -> Response:
        self.sent.append((method, url, dict(headers), json.loads(body) if body else None))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def ok(data: Any, status: int = 200, **headers: str) -> Response:
    return Response(status, {k.lower().replace("_", "-"): v for k, v in headers.items()}, json.dumps(data).encode())


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


MASTO = MastodonConfig(instance="https://m.example", visibility="unlisted")
STATUS = {"id": "1", "url": "https://m.example/@me/1"}


def api(script: Script, clock: Clock, **kw: Any) -> Api:
    return Api("test", script, 5, clock.time, clock.sleep, **kw)


def test_mastodon_429_waits_until_the_reset_then_posts() -> None:
    clock = Clock()
    script = Script(ok({"error": "Too many requests"}, 429, X_RateLimit_Reset="2027-01-15T08:00:10.000Z"),
                    ok(STATUS))
    clock.now = 1_800_000_000.0  # 2027-01-15T08:00:00Z
    link = post_status(api(script, clock), MASTO, "tok", "hi", "https://example.org/a/", "en")
    assert link == STATUS["url"]
    assert clock.slept == [pytest.approx(10.5)]
    assert [s[2]["Idempotency-Key"] for s in script.sent] == [idempotency_key("https://example.org/a/")] * 2
    assert script.sent[0][3] == {"status": "hi", "visibility": "unlisted", "language": "en"}


def test_a_reset_too_far_away_fails_without_waiting() -> None:
    clock = Clock()
    script = Script(ok({"error": "RateLimitExceeded"}, 429, RateLimit_Reset=str(int(clock.now) + 3600)))
    with pytest.raises(SocialError, match=r"rate-limited .* for 3600 s more"):
        post_status(api(script, clock), MASTO, "tok", "hi", "https://example.org/a/", "en")
    assert clock.slept == []


@pytest.mark.parametrize(("answer", "message"), [
    (Response(200, {}, b"<html>oops</html>"), "malformed answer .* not JSON"),
    (ok({"id": "1"}), r"malformed answer .* \(no status `url`\)"),
    (ok({"id": "1", "url": "javascript:alert(1)"}), "malformed answer"),
    (ok({"error": "The access token is invalid"}, 401),
     r"HTTP 401 \(The access token is invalid\); check .*MASTODON_TOKEN"),
    (ok({"error": "boom"}, 502), r"HTTP 502 \(boom\)"),
    (TimeoutError(), "no answer from m.example .* within 5 s"),
    (ConnectionRefusedError(111, "Connection refused"), "cannot reach m.example .*Connection refused"),
])
def test_mastodon_failures_are_one_clear_message(answer: Any, message: str) -> None:
    with pytest.raises(SocialError, match=message):
        post_status(api(Script(answer), Clock()), MASTO, "tok", "hi", "https://example.org/a/", "en")


BSKY = BlueskyConfig(handle="me.example", service="https://pds.example")
SESSION = {"did": DID, "handle": "me.example", "accessJwt": "a1", "refreshJwt": "r1"}
RECORD = {"$type": "app.bsky.feed.post", "text": "x", "createdAt": "2026-01-01T00:00:00Z"}
CREATED = {"uri": f"at://{DID}/app.bsky.feed.post/3n3noa73jwh22", "cid": "bafyreia"}


def test_bluesky_refreshes_an_expired_session_once() -> None:
    script = Script(ok(SESSION), ok({"error": "ExpiredToken", "message": "Token has expired"}, 400),
                    ok({**SESSION, "accessJwt": "a2", "refreshJwt": "r2"}), ok(CREATED))
    uri = Bluesky(api(script, Clock()), BSKY, "pw").create_post(RECORD)
    assert uri == CREATED["uri"]
    urls = [s[1].rsplit("/", 1)[1] for s in script.sent]
    assert urls == ["com.atproto.server.createSession", "com.atproto.repo.createRecord",
                    "com.atproto.server.refreshSession", "com.atproto.repo.createRecord"]
    assert script.sent[2][2]["Authorization"] == "Bearer r1" and script.sent[3][2]["Authorization"] == "Bearer a2"
    assert script.sent[3][3] == {"repo": DID, "collection": "app.bsky.feed.post", "record": RECORD}


def test_bluesky_expired_twice_is_an_error_not_a_loop() -> None:
    expired = ok({"error": "ExpiredToken"}, 400)
    script = Script(ok(SESSION), expired, ok({**SESSION, "accessJwt": "a2"}), expired)
    with pytest.raises(SocialError, match=r"HTTP 400 \(ExpiredToken\)"):
        Bluesky(api(script, Clock()), BSKY, "pw").create_post(RECORD)
    assert len(script.sent) == 4


def test_bluesky_login_failure_is_asked_once_per_run() -> None:
    script = Script(ok({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, 401))
    client = Bluesky(api(script, Clock(), secrets=("pw-secret",)), BSKY, "pw-secret")
    for _ in range(2):
        with pytest.raises(SocialError, match=r"check the handle 'me\.example' .*BLUESKY_APP_PASSWORD"):
            client.create_post(RECORD)
    assert len(script.sent) == 1


@pytest.mark.parametrize("answer", [ok({"did": DID}), ok({**CREATED, "uri": "at://did:plc:other/app.bsky.feed.post/x"})])
def test_bluesky_malformed_answers(answer: Response) -> None:
    answers = [answer] if "uri" not in json.loads(answer.body) else [ok(SESSION), answer]
    with pytest.raises(SocialError, match="malformed answer"):
        Bluesky(api(Script(*answers), Clock()), BSKY, "pw").create_post(RECORD)
