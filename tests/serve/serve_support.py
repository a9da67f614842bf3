"""Helpers for the preview tests: a tiny site, a Preview running in a thread, a live browser tab."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sitegen.serve import Preview

CHROMIUM = os.environ.get("SITEGEN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]

POST = """\
---
title: Hello
date: 2024-01-02
tags: [demo]
---
{body}

<p><input id="typed" value=""></p>

{filler}

The end of the post.
"""
FILLER = "\n\n".join(f"Filler paragraph {i} so the page is long enough to scroll." for i in range(60))


def post_text(body: str) -> str:
    return POST.format(body=body, filler=FILLER)


def make_site(root: Path) -> Path:
    """A site with two posts, a draft and its own static/style.css (which overrides the theme's)."""
    (root / "content" / "blog").mkdir(parents=True)
    (root / "static").mkdir()
    (root / "sitegen.toml").write_text('title = "Preview test"\nbase_url = "https://example.org"\n')
    (root / "content" / "blog" / "hello.md").write_text(post_text("First version of the post."))
    (root / "content" / "blog" / "other.md").write_text("---\ntitle: Other\ndate: 2024-01-01\n---\nAnother post.\n")
    (root / "content" / "blog" / "wip.md").write_text(
        "---\ntitle: Work in progress\ndate: 2024-01-03\ndraft: true\n---\nA draft.\n"
    )
    (root / "static" / "style.css").write_text("body { color: rgb(1, 2, 3); }\n")
    return root


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll `predicate` until it returns something truthy; generous, never a timing assertion."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Running:
    """A Preview whose rebuild loop runs in a thread, as `sitegen serve` runs it in the main one."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        self.log = preview.log
        self.url = preview.url
        self.site = preview.site_dir
        self._stop = threading.Event()
        self._thread = threading.Thread(target=preview.run, args=(self._stop,), daemon=True)

    def __enter__(self) -> Running:
        self.preview.start()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.preview.close()

    def write(self, rel: str, text: str) -> None:
        """Save a file the way editors do by default on Linux: write a temp file, rename it over."""
        path = self.site / rel
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)

    def builds(self) -> int:
        return len(self.preview.timings)


def open_live(context: Any, url: str) -> Any:
    """A new tab on `url`, returned once its live-reload client is connected."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("window.__sitegen && window.__sitegen.connected", timeout=10_000)
    return page
