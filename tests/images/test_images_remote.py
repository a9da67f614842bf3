"""Remote images: downloaded once, revalidated with conditional requests, failures once per host."""

from __future__ import annotations

import socket
from pathlib import Path

from image_helpers import ImageHost, jpeg_bytes, photo

from sitegen.images.remote import RemoteImages


def test_downloads_once_then_revalidates_with_the_etag(tmp_path: Path, image_host: ImageHost) -> None:
    image_host.files["/a.jpg"] = jpeg_bytes(photo(300, 200))
    url = image_host.url("/a.jpg")
    first = RemoteImages(tmp_path)
    got = first.fetch_all([url, url])
    assert got[url].read_bytes() == image_host.files["/a.jpg"]
    assert len(image_host.requests) == 1 and first.requests == 1
    assert "If-None-Match" not in image_host.requests[0][1]

    # The next build asks again, conditionally, and keeps its copy on 304.
    second = RemoteImages(tmp_path)
    assert second.fetch_all([url])[url].read_bytes() == image_host.files["/a.jpg"]
    assert len(image_host.requests) == 2
    headers = image_host.requests[1][1]
    assert headers["If-None-Match"] == image_host.etag_of("/a.jpg")
    assert headers["If-Modified-Since"] == image_host.last_modified
    assert not second.failures

    # The image changed on the host: a new ETag, a new copy.
    image_host.files["/a.jpg"] = jpeg_bytes(photo(300, 200, seed=5))
    third = RemoteImages(tmp_path)
    assert third.fetch_all([url])[url].read_bytes() == image_host.files["/a.jpg"]


def test_last_modified_alone_is_enough(tmp_path: Path, image_host: ImageHost) -> None:
    image_host.etag = False
    image_host.files["/b.jpg"] = b"bytes"
    url = image_host.url("/b.jpg")
    RemoteImages(tmp_path).fetch_all([url])
    assert RemoteImages(tmp_path).fetch_all([url])[url].read_bytes() == b"bytes"
    assert image_host.requests[1][1]["If-Modified-Since"] == image_host.last_modified
    assert "If-None-Match" not in image_host.requests[1][1]


def test_http_errors_are_collected_per_host(tmp_path: Path, image_host: ImageHost) -> None:
    urls = [image_host.url(f"/missing{i}.jpg") for i in range(3)]
    remote = RemoteImages(tmp_path)
    assert remote.fetch_all(urls) == {}
    (host,) = remote.failures
    assert host == f"127.0.0.1:{image_host.port}"
    assert remote.failures[host].reason.startswith("HTTP 404")
    assert sorted(remote.failures[host].urls) == sorted(urls)


def test_an_unreachable_host_is_asked_once_and_never_raises(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    urls = [f"http://127.0.0.1:{port}/{i}.jpg" for i in range(5)]
    remote = RemoteImages(tmp_path, threads=1)
    assert remote.fetch_all(urls) == {}
    failure = remote.failures[f"127.0.0.1:{port}"]
    assert "cannot download" in failure.reason
    assert remote.requests == 1
    assert len(failure.urls) == 5


def test_offline_later_keeps_the_copy_from_an_earlier_build(tmp_path: Path, image_host: ImageHost) -> None:
    image_host.files["/c.jpg"] = b"picture"
    url = image_host.url("/c.jpg")
    RemoteImages(tmp_path).fetch_all([url])
    image_host.fail = 503
    later = RemoteImages(tmp_path)
    assert later.fetch_all([url])[url].read_bytes() == b"picture"
    reason = later.failures[f"127.0.0.1:{image_host.port}"].reason
    assert "HTTP 503" in reason and "earlier build" in reason
