"""The machinery every fake remote API shares: a real ThreadingHTTPServer on 127.0.0.1 in a
thread, a log of every request it received, and faults injected per endpoint.

A fake subclasses `FakeHTTPServer`, lists its routes (method, path pattern, endpoint name,
handler) and answers with `Reply` values; the base class records the request, applies a
queued fault for that endpoint if there is one, and writes the answer.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self


@dataclass(frozen=True)
class Request:
    """One request as the fake received it."""

    method: str
    """HTTP method, upper case."""
    path: str
    """The path without the query string."""
    query: dict[str, list[str]]
    """The parsed query string."""
    headers: dict[str, str]
    """Request headers, names lower-cased."""
    body: bytes
    """The raw request body."""
    endpoint: str
    """The route's name (e.g. `post_status`, `createRecord`), or `unknown`."""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None

    @property
    def form(self) -> dict[str, str]:
        """The body as JSON object or as an urlencoded form, whichever it is."""
        content_type = self.headers.get("content-type", "")
        if "json" in content_type:
            return dict(self.json or {})
        return dict(urllib.parse.parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


@dataclass
class Reply:
    """An answer: status, JSON-able body (or raw bytes) and extra headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


@dataclass
class Fault:
    """What to do instead of the endpoint's normal answer, for the next `times` requests."""

    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0
    """Seconds to wait before answering (a timeout on the client's side); released on close."""
    malformed: bool = False
    """Answer 200 with a body that is not JSON."""
    times: int | None = 1
    """How many requests this fault applies to; None: every one until cleared."""


Handler = Callable[[Request, "dict[str, str]"], Reply]


class FakeHTTPServer:
    """A fake remote API on 127.0.0.1; use as a context manager, `base_url` is its address."""

    #: (method, regex on the path, endpoint name, handler method name)
    routes: ClassVar[list[tuple[str, str, str, str]]] = []
    #: Headers added to every answer (e.g. CORS on a public API).
    cors_paths: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Self:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                fake._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_HEAD = _handle

        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=type(self).__name__,
                                        daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- assertions and faults --------------------------------------------------------
    def requests_to(self, endpoint: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def fail(self, endpoint: str, status: int = 500, *, body: Any = None, headers: dict[str, str] | None = None,
             hang: float = 0.0, malformed: bool = False, times: int | None = 1) -> None:
        """Queue a fault for the next `times` requests to `endpoint` (None: until `clear_faults`)."""
        known = {name for _, _, name, _ in self.routes}
        if endpoint not in known:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {sorted(known)}")
        fault = Fault(status=status, body=body, headers=dict(headers or {}), hang=hang,
                      malformed=malformed, times=times)
        with self._lock:
            self._faults.setdefault(endpoint, []).append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(endpoint) or []
            if not queue:
                return None
            fault = queue[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
            return fault

    # -- request handling -------------------------------------------------------------
    def _dispatch(self, http: BaseHTTPRequestHandler) -> None:
        split = urllib.parse.urlsplit(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in http.headers.items()}
        method = http.command.upper()
        endpoint, handler, params = "unknown", None, {}
        for route_method, pattern, name, attr in self.routes:
            match = re.fullmatch(pattern, split.path)
            if match and (route_method == method or method in ("OPTIONS", "HEAD")):
                endpoint, handler, params = name, getattr(self, attr), match.groupdict()
                if route_method == method:
                    break
        request = Request(method, split.path, urllib.parse.parse_qs(split.query), headers, body, endpoint)
        with self._lock:
            self.requests.append(request)
        cors = any(split.path.startswith(p) for p in self.cors_paths)
        if method == "OPTIONS":
            self._write(http, Reply(204, raw=b"", headers=self._preflight_headers()) if cors else Reply(404, {}), cors)
            return
        if handler is None:
            self._write(http, Reply(404, {"error": "Not found"}), cors)
            return
        fault = self._take_fault(endpoint)
        if fault is not None:
            if fault.hang:
                self._closing.wait(fault.hang)
            if fault.malformed:
                reply = Reply(200, raw=b'{"id": "1", "url": ', headers=fault.headers)
            else:
                reply = Reply(fault.status, fault.body if fault.body is not None else self.fault_body(fault.status),
                              fault.headers)
        else:
            try:
                reply = handler(request, params)
            except Exception as exc:  # a bug in the fake must show in the test, not hang it
                reply = Reply(500, {"error": f"fake crashed: {exc!r}"})
        self._write(http, reply, cors)

    def fault_body(self, status: int) -> Any:
        return {"error": f"HTTP {status}"}

    @staticmethod
    def _preflight_headers() -> dict[str, str]:
        return {
            "Access-Control-Allow-Methods": "POST, PUT, DELETE, GET, PATCH, OPTIONS",
            "Access-Control-Allow-Headers": "authorization, content-type, idempotency-key",
            "Access-Control-Max-Age": "7200",
        }

    def _write(self, http: BaseHTTPRequestHandler, reply: Reply, cors: bool) -> None:
        data = reply.raw if reply.raw is not None else json.dumps(reply.body).encode("utf-8")
        try:
            http.send_response(reply.status)
            if reply.raw is None or reply.raw:
                http.send_header("Content-Type", "application/json; charset=utf-8")
            http.send_header("Content-Length", str(len(data)))
            if cors:
                http.send_header("Access-Control-Allow-Origin", "*")
            for name, value in reply.headers.items():
                http.send_header(name, value)
            http.end_headers()
            if http.command != "HEAD":
                http.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer
