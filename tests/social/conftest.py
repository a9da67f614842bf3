"""`social_site`: a small site served over loopback, configured to share its posts on the fake
Mastodon and Bluesky servers (see social_support.py)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from fakes.social import FakeBluesky, FakeMastodon
from social_support import QuietHandler, SocialSite


@pytest.fixture
def social_site(tmp_path: Path, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky) -> Iterator[SocialSite]:
    root = tmp_path / "site"
    public = root / "public"
    public.mkdir(parents=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(public)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    site = SocialSite(root, f"http://127.0.0.1:{server.server_address[1]}", fake_mastodon, fake_bluesky)
    site.write_config()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
