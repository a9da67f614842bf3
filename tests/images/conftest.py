"""A real HTTP server on 127.0.0.1 standing in for an image host: counts requests, honours
If-None-Match / If-Modified-Since, and can be told to fail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class ImageHost:
    files: dict[str, bytes] = field(default_factory=dict)
    """URL path → body."""
    etag: bool = True
    """Send an ETag (else only Last-Modified)."""
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    """(path, request headers) per request."""
    fail: int | None = None
    """Answer every request with this status."""
    port: int = 0
    last_modified: str = "Tue, 01 Dec 2026 10:00:00 GMT"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def etag_of(self, path: str) -> str:
        return f'"v{hash(self.files[path]) & 0xFFFFFF:x}"'


@pytest.fixture
def image_host() -> Iterator[ImageHost]:
    host = ImageHost()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            host.requests.append((self.path, dict(self.headers)))
            if host.fail:
                self.send_error(host.fail)
                return
            body = host.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            if host.etag and self.headers.get("If-None-Match") == host.etag_of(self.path):
                self.send_response(304)
                self.end_headers()
                return
            if not host.etag and self.headers.get("If-Modified-Since") == host.last_modified:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Last-Modified", host.last_modified)
            if host.etag:
                self.send_header("ETag", host.etag_of(self.path))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
