"""In Chromium: images with their width/height reserve their space (no `layout-shift` entries),
while the same page with images off does shift — so the check can fail."""

from __future__ import annotations

import functools
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from image_helpers import write_jpeg

from sitegen.build.builder import Builder

CONFIG = """\
title = "Photos"
base_url = "https://example.org"

[images]
widths = [320, 640]
formats = ["avif", "webp"]
enabled = {enabled}
"""
SHIFTS = """() => new Promise(resolve => {
  const seen = [];
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) seen.push(e.value);
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(seen), 400);
})"""


class _SlowImages(SimpleHTTPRequestHandler):
    """Images arrive after the text has been laid out, as on a real connection."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.rsplit(".", 1)[-1] in ("jpg", "webp", "avif"):
            time.sleep(0.3)
        super().do_GET()


def _site(root: Path, enabled: bool) -> Path:
    site = root / "site"
    write_jpeg(site / "content/blog/pics/wide.jpg", 1200, 800, seed=1)
    write_jpeg(site / "static/img/tall.jpg", 500, 700, seed=2)
    (site / "sitegen.toml").write_text(CONFIG.format(enabled="true" if enabled else "false"))
    text = "Before the pictures.\n\n![Wide](pics/wide.jpg)\n\nBetween.\n\n![Tall](/img/tall.jpg)\n\n"
    (site / "content/blog/photos.md").write_text(f"---\ntitle: Photos\ndate: 2026-11-01\n---\n{text}" +
                                                 "Words after the pictures. " * 80 + "\n")
    out = root / "out"
    Builder(site, out, cache_dir=root / "cache", jobs=1).build()
    return out


def _shifts(browser: Any, out: Path, viewport: dict[str, int]) -> tuple[list[float], list[dict[str, Any]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_SlowImages, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = browser.new_page(viewport=viewport)
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/blog/photos/")
        page.wait_for_load_state("load")
        page.wait_for_function("[...document.images].every(i => i.complete)")
        shifts = page.evaluate(SHIFTS)
        images = page.evaluate("""[...document.querySelectorAll("main img")].map(i => ({
            src: i.currentSrc, width: i.naturalWidth, shown: i.getBoundingClientRect().width}))""")
        page.close()
        return shifts, images
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "mobile"])
def test_images_reserve_their_space(browser: Any, tmp_path: Path, viewport: dict[str, int]) -> None:
    shifts, images = _shifts(browser, _site(tmp_path / "on", enabled=True), viewport)
    assert len(images) == 2 and all(i["width"] > 0 for i in images), images  # they did load
    assert all(i["src"].endswith(".avif") for i in images), images  # the browser took a variant
    assert shifts == []

    control, _ = _shifts(browser, _site(tmp_path / "off", enabled=False), viewport)
    assert control and sum(control) > 0.01, control
