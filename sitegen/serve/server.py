"""The preview's HTTP server: the output directory with live reload injected, and the event stream."""

from __future__ import annotations

import mimetypes
import queue
import select
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from sitegen.serve.client import EVENTS_PATH, WORKER_PATH, WORKER_SOURCE, snippet
from sitegen.serve.hosts import HostGuard
from sitegen.serve.hub import CLOSE, Hub
from sitegen.serve.inject import inject, is_html
from sitegen.serve.paths import resolve_request

# The system's mime.types differs between machines (and lacks some of these); a preview must
# not serve a stylesheet as text/plain or a font as octet-stream because of that.
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wasm": "application/wasm",
}

FALLBACK_404 = (
    b"<!doctype html><html><head><meta charset=\"utf-8\"><title>Not found</title></head>"
    b"<body><h1>Not found</h1><p>This site has no 404.html (yet).</p></body></html>"
)

CHECK_PEER_SECONDS = 1.0
"""How often an idle event stream checks whether its tab has gone."""


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def _peer_closed(sock: socket.socket) -> bool:
    """True once the browser closed its end (a closed tab), without writing anything to it."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


class PreviewServer(ThreadingHTTPServer):
    """Serves one output directory; request threads are daemons so Ctrl-C never waits on a tab."""

    daemon_threads = True
    request_queue_size = 1024
    """The listen backlog (the kernel caps it at net.core.somaxconn): a burst of tabs and asset
    requests waits in the kernel's queue, not in SYN retries of a second or more (the stdlib's 5)."""

    def __init__(self, address: tuple[str, int], out_dir: Path, hub: Hub, *, heartbeat: float = 15.0,
                 log_requests: bool = False) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.out_dir = out_dir
        self.hub = hub
        self.heartbeat = heartbeat
        self.log_requests = log_requests
        super().__init__(address, PreviewHandler)
        self.guard = HostGuard(address[0], self.server_address[1])

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that closes a tab or cancels a load mid-response is not an error worth a traceback."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"  # keep-alive: a refresh fetch reuses the tab's connection
    disable_nagle_algorithm = True  # small SSE writes must leave at once, not wait for an ACK
    timeout = 120  # drop idle keep-alive connections eventually
    server_version = "sitegen-preview"

    def log_message(self, format: str, *args: object) -> None:
        if self.server.log_requests:
            sys.stderr.write(f"  {self.address_string()} {format % args}\n")

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        guard = self.server.guard
        if not guard.host_ok(self.headers.get("Host")):
            # Another name resolving to this machine (DNS rebinding): answer nothing about the site.
            self._refuse(421)
            return
        path = urlsplit(self.path).path
        if path.startswith("/__sitegen/"):
            if path == EVENTS_PATH and not head:
                if not guard.origin_ok(self.headers.get("Origin")):
                    self._refuse(403)  # another site's page may not listen to builds and errors
                    return
                self._events()
            elif path == WORKER_PATH:
                self._send(200, "text/javascript; charset=utf-8", WORKER_SOURCE, head)
            else:
                self._not_found(head)
            return
        # Read the generation before the file: if a build lands in between, the page is newer
        # than it claims and at worst refreshes once more; never the other way round.
        gen = self.server.hub.gen
        resolved = resolve_request(self.server.out_dir, self.path)
        if resolved.redirect is not None:
            self.send_response(301)
            self.send_header("Location", resolved.redirect)
            self.send_header("Content-Length", "0")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            return
        if resolved.file is None:
            self._not_found(head, gen)
            return
        try:
            data = resolved.file.read_bytes()
        except OSError:  # removed by a build since it was resolved
            self._not_found(head, gen)
            return
        ctype = content_type(resolved.file.name)
        if is_html(ctype):
            data = inject(data, snippet(gen, 200))
        self._send(200, ctype, data, head)

    def _refuse(self, status: int) -> None:
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()

    def _not_found(self, head: bool, gen: int | None = None) -> None:
        gen = self.server.hub.gen if gen is None else gen
        try:
            page = (self.server.out_dir / "404.html").read_bytes()
        except OSError:
            page = FALLBACK_404
        self._send(404, "text/html; charset=utf-8", inject(page, snippet(gen, 404)), head)

    def _send(self, status: int, ctype: str, data: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        # A preview is always current: never let the browser answer from its cache.
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _events(self) -> None:
        hub = self.server.hub
        q = hub.subscribe()
        if q is None:
            self.close_connection = True
            if not hub.closed:  # shutting down: no answer at all, so the browser retries
                self._send(503, "text/plain; charset=utf-8", b"too many live-reload clients\n", False)
            return
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            # Reconnect soon after a restart (browsers wait 3 s by default).
            self.wfile.write(b"retry: 500\n\n")
            last_write = time.monotonic()
            while True:
                try:
                    message = q.get(timeout=min(CHECK_PEER_SECONDS, self.server.heartbeat))
                except queue.Empty:
                    if _peer_closed(self.connection):
                        return
                    if time.monotonic() - last_write < self.server.heartbeat:
                        continue
                    message = b": keep-alive\n\n"
                if message is CLOSE:
                    return
                self.wfile.write(message)
                last_write = time.monotonic()
        except OSError:  # the tab went away mid-write
            return
        finally:
            hub.unsubscribe(q)
