"""A real S3 API on loopback (moto's server mode, from PyPI), a loopback CDN that records purge
requests and serves the bucket like a website, and a small site to deploy: shared by the tests
of infra/deploy-s3.md and infra/publish.md.

moto's server logs every request it answers (`"PUT /bucket/key HTTP/1.1" 200`) on stderr; the
tests read that log, so "only the changed files were uploaded" is counted from what the S3
API received, not from what rclone says it sent.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from runbook_support import REPO

from sitegen.runbook.testing import free_port

_REQUEST = re.compile(r'"(GET|PUT|POST|HEAD|DELETE) (\S+) HTTP/1\.[01]" (\d{3})')


class Moto:
    """`python -m moto.server -H 127.0.0.1 -p PORT` (the `moto_server` command), its request log
    in a file. Authentication is off until `require_auth()`; IAM keys made before that work after."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = work / "moto.log"
        env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "inf"}
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                         stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=5).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto did not start: {self.log.read_text()[-2000:]}") from None
                time.sleep(0.2)

    def client(self, service: str = "s3", key: str = "bootstrap", secret: str = "bootstrap-secret") -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.url, aws_access_key_id=key, aws_secret_access_key=secret,
                            region_name="us-east-1")

    def set_auth(self, on: bool) -> None:
        """moto's /moto-api/reset-auth: "0" checks every request's signature from now on, "inf" none."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset-auth", data=b"0" if on else b"inf", method="POST",
                                         headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request, timeout=10).close()

    def access_key(self) -> tuple[str, str]:
        """A real IAM user's key, allowed everything on S3."""
        iam = self.client("iam")
        name = f"deploy-{free_port()}"
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def mark(self) -> int:
        """A position in the request log; `requests(since=mark)` lists what came after it."""
        return self.log.stat().st_size

    def requests(self, since: int = 0) -> list[tuple[str, str, int]]:
        with self.log.open("rb") as log:
            log.seek(since)
            text = log.read().decode("utf-8", "replace")
        return [(m[1], urllib.parse.unquote(m[2]), int(m[3])) for m in _REQUEST.finditer(text)]

    def objects(self, bucket: str) -> dict[str, dict[str, Any]]:
        """Every object's key → its head (ContentType, CacheControl, ETag, …)."""
        s3 = self.client()
        keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                for o in page.get("Contents", [])]
        return {key: s3.head_object(Bucket=bucket, Key=key) for key in keys}

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@dataclass
class CDN:
    """A loopback stand-in for a CDN in front of the bucket: it serves the bucket's objects like a
    static website (`/blog/x/` → `blog/x/index.html`) and records purge requests (POST)."""

    moto: Moto
    bucket: str
    status: int = 200
    purges: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        cdn = self
        self.s3 = self.moto.client()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                cdn.purges.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                   "type": self.headers.get("Content-Type"), "body": json.loads(body or b"null")})
                self.send_response(cdn.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"success": cdn.status == 200}).encode())

            def do_GET(self) -> None:
                key = urllib.parse.unquote(self.path.split("?")[0]).lstrip("/")
                if key == "" or key.endswith("/"):
                    key += "index.html"
                try:  # signed, like a CDN with its own access to a private bucket
                    answer = cdn.s3.get_object(Bucket=cdn.bucket, Key=key)
                except cdn.s3.exceptions.NoSuchKey:
                    self.send_error(404)
                    return
                data, kind = answer["Body"].read(), answer.get("ContentType")
                self.send_response(200)
                self.send_header("Content-Type", kind or "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_site(root: Path, base_url: str) -> Path:
    """A small site: two posts (one with a photo, so /_img/ gets variants), an about page, a
    static text file."""
    from PIL import Image

    (root / "content/blog/pics").mkdir(parents=True)
    (root / "content/pages").mkdir(parents=True)
    (root / "static").mkdir()
    (root / "sitegen.toml").write_text(
        f'title = "Object storage test"\nbase_url = "{base_url}"\n\n[images]\nwidths = [160]\nformats = ["webp"]\n')
    photo = Image.linear_gradient("L").resize((320, 200)).convert("RGB")
    photo.save(root / "content/blog/pics/harbour.jpg", "JPEG", quality=85)
    (root / "content/blog/2026-11-01-harbour.md").write_text(
        "---\ntitle: The harbour\ntags: [photos]\n---\nBoats at dawn.\n\n![Boats](pics/harbour.jpg)\n")
    (root / "content/blog/2026-11-02-notes.md").write_text(
        "---\ntitle: Notes\ntags: [notes]\n---\nA first note.\n")
    (root / "content/pages/about.md").write_text("---\ntitle: About\n---\nWho writes here.\n")
    (root / "static/notes.txt").write_text("plain text\n")
    return root


def file_digests(folder: Path) -> dict[str, str]:
    """Relative path → MD5 (what S3 keeps as the ETag of a single-part upload)."""
    return {p.relative_to(folder).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_env(work: Path, secrets: dict[str, str]) -> dict[str, str]:
    """The environment of a `sitegen run` of a checkout runbook: this checkout's code, private
    XDG folders, no verification record written into the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SITEGEN_", "S3_", "RCLONE_"))}
    return {**env, **secrets, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", "SITEGEN_VERIFIED": "off",
            "XDG_STATE_HOME": str(work / "state"), "XDG_CACHE_HOME": str(work / "cache")}


def sitegen_run(runbook: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sitegen", "run", str(runbook), "--yes", *argv], env=env,
                          capture_output=True, text=True, timeout=600, cwd=REPO)

