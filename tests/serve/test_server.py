"""The preview over plain HTTP: types, indexes, 404s, traversal, injection and the event stream."""

from __future__ import annotations

import http.client
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_support import Running, post_text, wait_until

from sitegen.serve import Preview


def get(running: Running, target: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", running.preview.port, timeout=10)
    try:
        conn.request(method, target)
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def raw_request(running: Running, target: bytes, host: bytes | None = None) -> tuple[int, bytes]:
    """Send a request line byte for byte (http.client refuses NULs and backslashes)."""
    host = host if host is not None else f"127.0.0.1:{running.preview.port}".encode()
    with socket.create_connection(("127.0.0.1", running.preview.port), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data.partition(b"\r\n\r\n")[2]


@pytest.fixture
def assets(site: Path) -> Path:
    static = site / "static"
    (static / "fonts").mkdir()
    for name in ("app.js", "logo.svg", "cat.webp", "fonts/f.woff2", "data.json", "feed.xml", "blob.unknownext"):
        (static / name).write_bytes(b"x")
    return site


@pytest.mark.parametrize(
    ("target", "ctype"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/logo.svg", "image/svg+xml"),
        ("/cat.webp", "image/webp"),
        ("/fonts/f.woff2", "font/woff2"),
        ("/data.json", "application/json"),
        ("/feed.xml", "application/xml; charset=utf-8"),
        ("/atom.xml", "application/xml; charset=utf-8"),
        ("/blob.unknownext", "application/octet-stream"),
    ],
)
def test_content_types(assets: Path, running: Running, target: str, ctype: str) -> None:
    status, headers, _ = get(running, target)
    assert (status, headers["content-type"]) == (200, ctype)
    assert headers["cache-control"] == "no-store"


def test_script_only_in_html_responses_never_in_built_files(running: Running) -> None:
    _, _, page = get(running, "/blog/hello/")
    assert page.count(b"<script data-sitegen>") == 1
    assert page.index(b"<script data-sitegen>") < page.rindex(b"</body>")
    _, _, css = get(running, "/style.css")
    assert b"sitegen" not in css
    built = list(running.preview.out_dir.rglob("*.html"))
    assert built
    assert not [p for p in built if b"data-sitegen" in p.read_bytes()]


def test_directories_redirect_then_serve_index(running: Running) -> None:
    status, headers, _ = get(running, "/blog")
    assert (status, headers["location"]) == (301, "/blog/")
    status, _, body = get(running, "/blog/")
    assert status == 200 and b"Hello" in body


def test_missing_page_gets_the_sites_404(running: Running) -> None:
    status, headers, body = get(running, "/no/such/page/")
    assert status == 404
    assert headers["content-type"].startswith("text/html")
    assert body == _with_script((running.preview.out_dir / "404.html").read_bytes(), body)
    assert b"<script data-sitegen>" in body


def _with_script(page: bytes, served: bytes) -> bytes:
    start = served.index(b"<script data-sitegen>")
    end = served.index(b"</script>", start) + len(b"</script>")
    return page.replace(b"</body>", served[start:end] + b"</body>", 1)


def test_head_has_no_body(running: Running) -> None:
    status, headers, body = get(running, "/", method="HEAD")
    assert status == 200 and int(headers["content-length"]) > 0 and body == b""


# Each payload names a file that exists outside the output directory (the preview's output is
# <tmp>/cache/preview, the site <tmp>/site), so a guard missing in serve/paths.py shows as a 200.
TRAVERSALS = [
    b"/../../site/sitegen.toml",
    b"/blog/../../../site/sitegen.toml",
    b"/%2e%2e/%2e%2e/site/sitegen.toml",
    b"/%2E%2E/%2E%2E/site/sitegen.toml",
    b"/..%2f..%2fsite%2fsitegen.toml",
    b"/..%2F..%2Fsite/sitegen.toml",
    b"/escape/sitegen.toml",
    b"/escape-file",
]


@pytest.fixture
def outside(running: Running) -> Running:
    """The traversal targets really exist, and a symlink in the output leads out of it."""
    out = running.preview.out_dir
    assert (out / ".." / ".." / "site" / "sitegen.toml").resolve().is_file()
    (out / "escape").symlink_to(running.site)
    (out / "escape-file").symlink_to(running.site / "sitegen.toml")
    return running


@pytest.mark.parametrize("target", TRAVERSALS)
def test_requests_outside_the_site_are_404(outside: Running, target: bytes) -> None:
    status, body = raw_request(outside, target)
    assert status == 404
    assert b"base_url" not in body


# Refused as malformed before any file is looked up (on Linux a backslash is an ordinary file
# name character, and nothing decodes a path twice; these guard other platforms and proxies).
MALFORMED = [b"/%00", b"/index.html%00", b"/index.html%00.css", b"/%252e%252e/%252e%252e/site/sitegen.toml",
             b"/..\\..\\site\\sitegen.toml", b"/blog/..%5c..%5c..%5csite%5csitegen.toml"]


@pytest.mark.parametrize("target", MALFORMED)
def test_malformed_paths_are_404(running: Running, target: bytes) -> None:
    assert raw_request(running, target)[0] == 404


def test_event_stream_greets_then_reports_builds(running: Running) -> None:
    sock = socket.create_connection(("127.0.0.1", running.preview.port), timeout=10)
    try:
        host = f"127.0.0.1:{running.preview.port}".encode()
        sock.sendall(b"GET /__sitegen/events HTTP/1.1\r\nHost: " + host + b"\r\nAccept: text/event-stream\r\n\r\n")
        stream = sock.makefile("rb")
        assert stream.readline().startswith(b"HTTP/1.1 200")
        headers = {}
        while (line := stream.readline()) != b"\r\n":
            name, _, value = line.decode().partition(":")
            headers[name.lower()] = value.strip()
        assert headers["content-type"] == "text/event-stream"

        def next_event() -> tuple[str, dict]:
            kind, data = "", ""
            while (line := stream.readline().decode()) != "\n":
                if line.startswith("event: "):
                    kind = line[7:].strip()
                elif line.startswith("data: "):
                    data = line[6:].strip()
            return kind, (json.loads(data) if data else {})

        assert next_event() == ("", {})  # the `retry:` hint
        kind, hello = next_event()
        assert kind == "hello" and hello["error"] is None
        running.write("content/blog/hello.md", post_text("Changed for the stream."))
        kind, event = next_event()
        assert kind == "reload"
        assert "/blog/hello/" in event["pages"] and event["gen"] == hello["gen"] + 1
        running.write("content/blog/hello.md", "---\ntitle: [\n---\n")
        kind, event = next_event()
        assert kind == "error" and event["file"] == "content/blog/hello.md" and event["line"]
        assert running.preview.hub.clients == 1
    finally:
        stream.close()
        sock.close()
    wait_until(lambda: running.preview.hub.clients == 0, what="the closed stream to be dropped")


def test_only_inputs_trigger_builds(running: Running) -> None:
    junk = [running.site / "notes.txt", running.site / "content" / "blog" / ".hello.md.swp",
            running.site / "content" / "blog" / "hello.md~", running.site / "content" / "blog" / "4913"]
    for path in junk:
        path.write_text("not an input")
    running.write("static/extra.css", "p { margin: 0 }")
    wait_until(lambda: any(p.endswith("extra.css") for t in running.preview.timings for p in t.paths),
               what="a build for the new static file")
    built_for = {p for t in running.preview.timings for p in t.paths}
    assert not built_for & {str(p) for p in junk}
    # (the bundled theme is watched too, so other builds may happen: only the paths matter)
    assert running.preview.handle({str(p) for p in junk}, 0.0) is None


def test_new_top_folder_is_watched(running: Running) -> None:
    (running.site / "templates").mkdir()
    wait_until(lambda: any("templates" in str(p) for p in running.preview._tree.paths), what="templates watched")
    base = running.preview._theme / "templates" / "post.html"
    running.write("templates/post.html", base.read_text().replace("<article", "<article data-local", 1))
    wait_until(lambda: b"data-local" in get(running, "/blog/hello/")[2], what="the site's template override")


def test_config_edit_rebuilds_everything_and_config_errors_name_the_line(running: Running) -> None:
    config = running.site / "sitegen.toml"
    running.write("sitegen.toml", config.read_text().replace("Preview test", "Renamed site"))
    wait_until(lambda: b"Renamed site" in get(running, "/blog/hello/")[2], what="the new title")

    running.write("sitegen.toml", 'title = "Renamed site"\nbase_url = [oops\n')
    error = wait_until(lambda: running.preview.hub.error, what="the config error")
    assert error["file"] == "sitegen.toml" and error["line"] == 2
    assert b"Renamed site" in get(running, "/blog/hello/")[2]  # the last good output stays

    running.write("sitegen.toml", 'title = "Fixed site"\nbase_url = "https://example.org"\n')
    wait_until(lambda: b"Fixed site" in get(running, "/blog/hello/")[2], what="the fixed config")
    # the files land just before the browsers are told: wait for the error to clear
    wait_until(lambda: running.preview.hub.error is None, what="the error to clear")


def test_deleted_post_becomes_404(running: Running) -> None:
    (running.site / "content" / "blog" / "other.md").unlink()
    wait_until(lambda: get(running, "/blog/other/")[0] == 404, what="the removed page to go")


RUNBOOK = """\
---
title: Deploy notes
date: 2024-01-05
runbook: {}
---
BODY

```sh {#prepare}
echo preparing
```
"""


@pytest.fixture
def linked(site: Path, tmp_path: Path) -> Iterator[Running]:
    """The infra layout: content/infra/notes.md links to infra/notes.md, outside every scanned
    folder, and its verification record (a drift record) lives beside the target."""
    (site / "infra").mkdir()
    (site / "infra" / "notes.md").write_text(RUNBOOK.replace("BODY", "First words."))
    (site / "content" / "infra").mkdir()
    (site / "content" / "infra" / "notes.md").symlink_to("../../infra/notes.md")
    log = io.StringIO()
    preview = Preview(site, cache_dir=tmp_path / "cache", port=0, heartbeat=0.5, log=log,
                      environ={"HOME": str(tmp_path)})
    with Running(preview) as run:
        yield run


def test_symlink_targets_and_their_records_outside_the_scanned_folders_are_watched(linked: Running) -> None:
    assert b"First words." in get(linked, "/infra/notes/")[2]
    # The target of the symlinked page: the build reads it (through the link), so must serve.
    (linked.site / "infra" / "notes.md").write_text(RUNBOOK.replace("BODY", "Second words."))
    wait_until(lambda: b"Second words." in get(linked, "/infra/notes/")[2], what="the edited link target")
    # Its verification record (infra/notes.verified.json, beside the target): a broken one is the
    # build's error, so a preview that reads it shows the error.
    (linked.site / "infra" / "notes.verified.json").write_text('{\n  "format": "sitegen-verification/1",\n  oops\n}\n')
    error = wait_until(lambda: linked.preview.hub.error, what="the broken record's error")
    assert error["file"] == "infra/notes.verified.json" and error["line"] == 3
    (linked.site / "infra" / "notes.verified.json").unlink()
    wait_until(lambda: linked.preview.hub.error is None, what="the error to clear")
