"""`[markdown] youtube = "embed"`: a click-to-load YouTube player. In a real Chromium the page asks
nothing of any other origin until the reader clicks, then its frame loads the player from
youtube-nocookie.com; the feed keeps the plain link."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from sitegen.build.builder import Builder
from sitegen.config import config_from_dict
from sitegen.errors import ConfigError

VIDEO = "dQw4w9WgXcQ"
PLAYER = f"https://www.youtube-nocookie.com/embed/{VIDEO}?autoplay=1"


def _site(root: Path, youtube: str) -> Path:
    site = root / "site"
    (site / "content/blog").mkdir(parents=True)
    (site / "sitegen.toml").write_text(
        f'title = "Videos"\nbase_url = "https://example.org"\n\n[content]\nconventions = "hugo"\n\n'
        f'[markdown]\nyoutube = "{youtube}"\n', "utf-8")
    (site / "content/blog/talk.md").write_text(
        "---\ntitle: The talk\ndate: 2024-05-01\n---\n\nThe recording:\n\n"
        f'{{{{< youtube id="{VIDEO}" title="The talk, recorded" >}}}}\n\nThanks for watching.\n', "utf-8")
    return site


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    root = tmp_path_factory.mktemp("video")
    site = _site(root, "embed")
    Builder(site, root / "out", cache_dir=root / "cache").build()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root / "out")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root / "out", f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_setting_is_checked(tmp_path: Path) -> None:
    base = {"title": "T", "base_url": "https://example.org"}
    assert config_from_dict(base, tmp_path, tmp_path / "sitegen.toml").youtube == "link"
    assert config_from_dict({**base, "markdown": {"youtube": "embed"}}, tmp_path, tmp_path / "x").youtube == "embed"
    with pytest.raises(ConfigError, match=r'markdown\.youtube must be "link" or "embed"'):
        config_from_dict({**base, "markdown": {"youtube": "iframe"}}, tmp_path, tmp_path / "sitegen.toml")


def test_the_page_has_the_player_and_the_feed_the_plain_link(built: tuple[Path, str]) -> None:
    out, _ = built
    page = (out / "blog/talk/index.html").read_text("utf-8")
    assert '<iframe class="video-embed"' in page and "youtube-nocookie.com/embed/" in page
    feed = (out / "atom.xml").read_text("utf-8")
    assert "&lt;iframe" not in feed and "youtube-nocookie" not in feed
    assert f"https://www.youtube.com/watch?v={VIDEO}" in feed and "Thanks for watching." in feed


def test_link_mode_writes_no_frame(tmp_path: Path) -> None:
    site = _site(tmp_path, "link")
    Builder(site, tmp_path / "out", cache_dir=tmp_path / "cache").build()
    page = (tmp_path / "out/blog/talk/index.html").read_text("utf-8")
    assert "<iframe" not in page and f'href="https://www.youtube.com/watch?v={VIDEO}"' in page


def test_nothing_leaves_the_machine_before_the_click_and_the_click_loads_the_player(
    browser: Any, built: tuple[Path, str]
) -> None:
    _, base = built
    outside: list[str] = []
    player_requests: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            r.continue_()
        elif url == PLAYER and outside == []:
            player_requests.append(url)  # intercepted, never fetched
            r.fulfill(status=200, content_type="text/html", body="<!DOCTYPE html><title>player</title><p>player")
        else:
            outside.append(url)
            r.abort()

    context = browser.new_context(viewport={"width": 900, "height": 900})
    try:
        context.route("**/*", route)
        page = context.new_page()
        page.goto(base + "/blog/talk/", wait_until="load")
        page.wait_for_timeout(300)
        assert outside == [] and player_requests == []

        frame = page.locator("iframe.video-embed")
        assert frame.get_attribute("title") == "YouTube video: The talk, recorded"  # its accessible name
        box = frame.bounding_box()
        assert box is not None and box["width"] > 300
        assert abs(box["height"] - box["width"] * 9 / 16) <= 1.5  # 16:9, space kept from the start
        play = page.frame_locator("iframe.video-embed").get_by_role("link")
        assert "The talk, recorded" in play.inner_text()
        assert outside == []

        play.click()
        page.wait_for_function(
            "() => { try { return document.querySelector('iframe.video-embed').contentDocument === null"
            " || document.querySelector('iframe.video-embed').contentWindow.location.href !== 'about:srcdoc'; }"
            " catch (e) { return true; } }")
        page.wait_for_timeout(200)
        assert player_requests == [PLAYER]
        assert any(f.url == PLAYER for f in page.frames)
        assert outside == []
    finally:
        context.close()
