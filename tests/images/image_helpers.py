"""Small real images for the image tests: photo-like JPEGs, EXIF with GPS, broken files, a bomb."""

from __future__ import annotations

import contextlib
import io
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image, ImageDraw

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def photo(width: int, height: int, *, seed: int = 0) -> Image.Image:
    """Gradients, noise and shapes: compresses like a photo, not like a flat fill."""
    noise = Image.effect_noise((max(1, width // 4), max(1, height // 4)), 40 + seed % 20).resize((width, height))
    grad = Image.linear_gradient("L").resize((width, height))
    im = Image.merge("RGB", (grad, noise, grad.rotate(90 + seed).resize((width, height))))
    draw = ImageDraw.Draw(im)
    draw.ellipse((width // 4, height // 4, width // 2, height // 2), fill=(200, 40 + seed % 200, 90))
    return im


def jpeg_bytes(im: Image.Image, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85, **kwargs)
    return buf.getvalue()


def write_jpeg(path: Path, width: int, height: int, *, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg_bytes(photo(width, height, seed=seed)))
    return path


def rotated_with_gps(path: Path) -> Path:
    """A 200×100 JPEG stored sideways (EXIF orientation 6: shown turned a quarter clockwise),
    red on its left half, blue on its right, with GPS coordinates in its EXIF."""
    im = Image.new("RGB", (200, 100), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, 100, 100))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "TestCam"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.0)
    gps[3] = "E"
    gps[4] = (13.0, 24.0, 36.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg_bytes(im, exif=exif))
    return path


def bomb_png(path: Path, side: int = 20_000) -> Path:
    """A real, valid 1-bit PNG of side×side pixels (400 million at 20,000) in a few hundred KB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" + b"\0" * ((side + 7) // 8)
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


def truncated_jpeg(path: Path) -> Path:
    data = jpeg_bytes(photo(400, 300))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: len(data) // 3])
    return path


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


@contextlib.contextmanager
def serving_images() -> Iterator[ImageHost]:
    """A real HTTP server on 127.0.0.1 standing in for an image host: counts requests, honours
    If-None-Match / If-Modified-Since, and can be told to fail."""
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
