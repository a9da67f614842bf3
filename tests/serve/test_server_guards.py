"""The preview answers only to its own names (DNS rebinding), keeps a deep accept queue, and
stays quiet when a client hangs up mid-response."""

from __future__ import annotations

import io
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from serve_support import Running, make_site

from sitegen.serve.hub import Hub
from sitegen.serve.server import PreviewServer

ROOT = Path(__file__).resolve().parents[2]


def request(port: int, target: str, headers: dict[str, str], family: int = socket.AF_INET,
            addr: str = "127.0.0.1", read_all: bool = True) -> tuple[int, dict[str, str], bytes]:
    """A raw HTTP/1.1 request with exactly these headers (http.client always adds its own Host)."""
    lines = [f"GET {target} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), "Connection: close", "", ""]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect((addr, port))
        sock.sendall("\r\n".join(lines).encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if not read_all and b"\r\n\r\n" in data:
                break
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    got = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        got[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), got, body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "[::1]:{port}"])
def test_loopback_names_with_the_served_port_are_answered(running: Running, host: str) -> None:
    port = running.preview.port
    status, _, body = request(port, "/blog/wip/", {"Host": host.format(port=port)})
    assert status == 200 and b"A draft." in body


@pytest.mark.parametrize(
    "host",
    ["attacker.example:{port}", "attacker.example", "127.0.0.1", "127.0.0.1:{other}",
     "localhost.attacker.example:{port}", "127.0.0.1.nip.io:{port}", "", "127.0.0.1:{port}@attacker.example", None],
)
def test_other_host_headers_get_421_and_no_content(running: Running, host: str | None) -> None:
    port = running.preview.port
    headers = {} if host is None else {"Host": host.format(port=port, other=port + 1)}
    for target in ("/blog/wip/", "/", "/no-such-page/", "/__sitegen/events", "/__sitegen/worker.js"):
        status, got, body = request(port, target, headers)
        assert status == 421, (host, target)
        assert body == b"" and got.get("content-length") == "0"


def test_the_bound_host_name_is_accepted(site: Path, tmp_path: Path) -> None:
    from sitegen.serve import Preview

    preview = Preview(site, cache_dir=tmp_path / "cache", host="localhost", port=0, log=io.StringIO(),
                      environ={"HOME": str(tmp_path)})
    with Running(preview):
        port = preview.port
        assert request(port, "/", {"Host": f"localhost:{port}"})[0] == 200
        assert request(port, "/", {"Host": f"evil.example:{port}"})[0] == 421


def test_cross_origin_event_streams_are_refused(running: Running) -> None:
    port = running.preview.port
    host = {"Host": f"127.0.0.1:{port}", "Accept": "text/event-stream"}
    for origin in ("http://attacker.example", f"http://attacker.example:{port}", "null", f"http://127.0.0.1:{port + 1}",
                   f"https://127.0.0.1:{port}"):
        status, _, body = request(port, "/__sitegen/events", {**host, "Origin": origin})
        assert (status, body) == (403, b""), origin
    assert running.preview.hub.clients == 0
    # the page's own origin (and no Origin at all: browsers omit it on same-origin GETs) may listen
    for extra in ({"Origin": f"http://127.0.0.1:{port}"}, {"Origin": f"http://localhost:{port}"}, {}):
        status, got, _ = request(port, "/__sitegen/events", {**host, **extra}, read_all=False)
        assert status == 200 and got["content-type"] == "text/event-stream"


def test_a_busy_server_queues_many_connections(tmp_path: Path) -> None:
    """200 browsers' worth of connections complete their handshake while no thread is accepting:
    the accept queue, not the client's SYN retries, absorbs a burst."""
    out = tmp_path / "out"
    out.mkdir()
    server = PreviewServer(("127.0.0.1", 0), out, Hub())
    port = server.server_address[1]
    socks = []
    try:
        for _ in range(200):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            socks.append(s)
        # poll, not select: this process may already hold more than 1024 descriptors
        poller = select.poll()
        by_fd = {s.fileno(): s for s in socks}
        for fd in by_fd:
            poller.register(fd, select.POLLOUT)
        pending, errors = set(by_fd), {}
        deadline = time.monotonic() + 10
        while pending and time.monotonic() < deadline:
            for fd, _ in poller.poll(200):
                err = by_fd[fd].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    errors[fd] = os.strerror(err)
                pending.discard(fd)
                poller.unregister(fd)
        assert not errors, set(errors.values())
        assert not pending, f"{len(pending)} of 200 connections still waiting for the server"
    finally:
        for s in socks:
            s.close()
        server.server_close()


def test_clients_hanging_up_mid_response_leave_no_traceback(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    (site / "static" / "big.bin").write_bytes(os.urandom(1024) * 16 * 1024)  # 16 MiB: more than any socket buffer
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", str(site), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        port = int(match.group(1))
        for linger in (False, True, False, True):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(f"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
                assert sock.recv(4096).startswith(b"HTTP/1.1 200")
                if linger:  # close with a reset (ConnectionResetError) rather than a FIN (BrokenPipeError)
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # the server is still serving, and has noticed every hang-up before it is stopped
        status, _, body = request(port, "/style.css", {"Host": f"127.0.0.1:{port}"})
        assert status == 200 and b"rgb(1, 2, 3)" in body
        time.sleep(0.5)  # let the writer threads hit the closed sockets (not an assertion on time)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err, err


def test_bound_to_every_interface_addresses_are_accepted_but_names_are_not() -> None:
    from sitegen.serve.hosts import HostGuard

    guard = HostGuard("0.0.0.0", 8000)
    assert guard.host_ok("192.168.1.20:8000") and guard.host_ok("[fe80::1]:8000") and guard.host_ok("localhost:8000")
    assert not guard.host_ok("attacker.example:8000") and not guard.host_ok("192.168.1.20:8001")
    assert HostGuard("127.0.0.1", 80).host_ok("localhost")  # the default port may be left out


def test_serve_refuses_links_out_of_the_site(site: Path, tmp_path: Path) -> None:
    from sitegen.serve import Preview

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "id_ed25519").write_text("PRIVATE KEY")
    (site / "static" / "keys").symlink_to(outside)
    log = io.StringIO()
    preview = Preview(site, cache_dir=tmp_path / "cache", port=0, log=log, environ={"HOME": str(tmp_path)})
    with Running(preview) as running:
        assert running.preview.hub.error is not None and running.preview.hub.error["file"] == "static/keys"
        port = preview.port
        status, _, body = request(port, "/keys/id_ed25519", {"Host": f"127.0.0.1:{port}"})
        assert status == 404 and b"PRIVATE KEY" not in body
        assert not list(preview.out_dir.rglob("id_ed25519"))
    assert "error: static/keys: symlink leads outside the site" in log.getvalue()
