"""`https://` images, downloaded once into the image cache and revalidated with conditional requests.

A URL is asked for at most once per build, with `If-None-Match` / `If-Modified-Since` when a copy
is cached; a 304 keeps the copy. A host that cannot be reached is not asked again in that build,
and every failure is collected per host so the build warns once per host instead of per image.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sitegen import __version__

MAX_BYTES = 64 * 1024 * 1024
"""Larger downloads are abandoned (and the remote URL stays)."""


@dataclass
class HostFailure:
    reason: str
    """The first failure seen for this host."""
    urls: list[str] = field(default_factory=list)


class RemoteImages:
    """Downloads for one build; `fetch_all` returns local files for the URLs it could get."""

    def __init__(self, root: Path, *, timeout: float = 10.0, threads: int = 8) -> None:
        self.root = Path(root)
        self.timeout = timeout
        self.threads = threads
        self.failures: dict[str, HostFailure] = {}
        """Host → what went wrong there, for one warning per host."""
        self.requests = 0
        self._done: dict[str, Path | None] = {}
        self._dead_hosts: set[str] = set()
        self._lock = threading.Lock()

    def _paths(self, url: str) -> tuple[Path, Path]:
        digest = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
        folder = self.root / digest[:2]
        return folder / f"{digest}.data", folder / f"{digest}.json"

    def fetch_all(self, urls: list[str]) -> dict[str, Path]:
        """Local copies of the URLs that could be had; the rest are in `failures`."""
        todo = [u for u in dict.fromkeys(urls) if u not in self._done]
        if len(todo) > 1:
            with ThreadPoolExecutor(min(self.threads, len(todo))) as pool:
                list(pool.map(self._fetch, todo))
        else:
            for url in todo:
                self._fetch(url)
        return {u: p for u in urls if (p := self._done.get(u)) is not None}

    def _fail(self, url: str, host: str, reason: str, *, host_down: bool = False) -> None:
        data_path, _ = self._paths(url)
        if data_path.exists():
            # Offline or a host error: the copy from an earlier build beats a page that changes.
            self._done[url] = data_path
            reason += " (using the copy from an earlier build)"
        with self._lock:
            failure = self.failures.setdefault(host, HostFailure(reason))
            failure.urls.append(url)
            if host_down:
                self._dead_hosts.add(host)

    def _fetch(self, url: str) -> None:
        host = urlsplit(url).netloc
        data_path, meta_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text("utf-8")) if data_path.exists() else {}
        except (OSError, ValueError):
            meta = {}
        self._done[url] = None
        if host in self._dead_hosts:
            self._fail(url, host, "host unreachable")
            return
        headers = {"User-Agent": f"sitegen/{__version__} (image fetch)"}
        if meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
        request = urllib.request.Request(url, headers=headers)
        with self._lock:
            self.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(MAX_BYTES + 1)
                if len(body) > MAX_BYTES:
                    self._fail(url, host, f"{url} is larger than {MAX_BYTES // (1024 * 1024)} MiB")
                    return
                new_meta = {"etag": response.headers.get("ETag"),
                            "last_modified": response.headers.get("Last-Modified")}
        except urllib.error.HTTPError as exc:
            if exc.code == 304 and data_path.exists():
                self._done[url] = data_path
            else:
                self._fail(url, host, f"HTTP {exc.code} {exc.reason}")
            return
        except (urllib.error.URLError, OSError, ValueError) as exc:
            self._fail(url, host, f"cannot download: {getattr(exc, 'reason', None) or exc}", host_down=True)
            return
        _write(data_path, body)
        _write(meta_path, json.dumps(new_meta).encode())
        self._done[url] = data_path


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
