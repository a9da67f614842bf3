"""The HTTP edge of crossposting: one small client protocol (urllib behind it, a fake in unit
tests), JSON answers, timeouts, and waiting out a 429 within a bound."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sitegen.errors import SocialError

USER_AGENT = "sitegen-crosspost (+https://github.com/sitegen)"
MAX_RATE_LIMIT_WAIT = 60.0
"""Seconds a 429 may make us wait before retrying; a longer reset fails the post instead."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    """Header names lower-cased."""
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Transport(Protocol):
    """Sends one request and returns the answer, whatever its status; raises OSError
    (TimeoutError included) when there is no answer."""

    def __call__(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None,
                 timeout: float) -> Response: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """An API POST answered with a redirect is a wrong `instance`/`service`, not a page to follow."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


_API_OPENER = urllib.request.build_opener(_NoRedirect)
_PAGE_OPENER = urllib.request.build_opener()


def urllib_transport(method: str, url: str, headers: Mapping[str, str], body: bytes | None,
                     timeout: float) -> Response:
    opener = _API_OPENER if method != "GET" else _PAGE_OPENER
    request = urllib.request.Request(url, data=body, method=method, headers={"User-Agent": USER_AGENT, **headers})
    try:
        with opener.open(request, timeout=timeout) as answer:
            return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
    except urllib.error.HTTPError as err:
        with err:
            return Response(err.code, {k.lower(): v for k, v in (err.headers or {}).items()}, err.read())
    except urllib.error.URLError as err:
        reason = err.reason
        raise reason if isinstance(reason, OSError) else OSError(str(reason)) from None


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret's value replaced, for anything printed or recorded."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def host_of(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


def answer_json(response: Response, what: str, url: str) -> Any:
    """The answer's JSON; anything else is a malformed answer, named as such."""
    try:
        return json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SocialError(f"{host_of(url)} sent a malformed answer to {what} (HTTP {response.status}, not JSON)") \
            from None


def error_detail(response: Response) -> str:
    """The `error` and `message` fields both APIs put in an error answer, short."""
    try:
        data = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""
    if not isinstance(data, dict):
        return ""
    parts = [str(data[k]) for k in ("error", "message", "error_description") if isinstance(data.get(k), str)]
    detail = ": ".join(dict.fromkeys(parts))
    return f" ({detail[:200]})" if detail else ""


def reset_wait(response: Response, now: float) -> float | None:
    """Seconds until a 429's limit resets, from RateLimit-Reset (Bluesky: Unix seconds; the IETF
    draft: seconds from now), X-RateLimit-Reset (Mastodon: an ISO 8601 time) or Retry-After."""
    for name in ("ratelimit-reset", "x-ratelimit-reset", "retry-after"):
        value = (response.header(name) or "").strip()
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return max(0.0, when.timestamp() - now)
        if name == "retry-after" or number < 1_000_000_000:
            return max(0.0, number)
        return max(0.0, number - now)
    return None


@dataclass
class Api:
    """Requests to one network: JSON in and out, its timeout, 429s waited out within a bound."""

    network: str
    transport: Transport
    timeout: float = 20.0
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    max_wait: float = MAX_RATE_LIMIT_WAIT
    secrets: tuple[str, ...] = ()

    def call(self, method: str, url: str, what: str, *, headers: Mapping[str, str] | None = None,
             payload: Any = None) -> Response:
        body = None
        sent = dict(headers or {})
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            sent["Content-Type"] = "application/json; charset=utf-8"
        sent.setdefault("Accept", "application/json")
        for _attempt in range(3):
            try:
                response = self.transport(method, url, sent, body, self.timeout)
            except TimeoutError:
                raise SocialError(f"no answer from {host_of(url)} to {what} within {self.timeout:g} s") from None
            except OSError as exc:
                reason = redact(str(getattr(exc, "strerror", None) or exc), self.secrets)
                raise SocialError(f"cannot reach {host_of(url)} for {what}: {reason}") from None
            if response.status != 429:
                return response
            wait = reset_wait(response, self.clock())
            if wait is None:
                wait = 5.0
            if wait > self.max_wait:
                raise SocialError(f"{host_of(url)} rate-limited {what} (HTTP 429) for {wait:.0f} s more; "
                                  "run crosspost again later")
            self.sleep(wait + 0.5)
        raise SocialError(f"{host_of(url)} kept answering {what} with HTTP 429; run crosspost again later")

    def failure(self, response: Response, what: str, url: str, hint: str = "") -> SocialError:
        detail = redact(error_detail(response), self.secrets)
        return SocialError(f"{host_of(url)} answered {what} with HTTP {response.status}{detail}{hint}")
