"""Keep every test's caches and run records out of the real user's XDG folders, and the
checkout free of verification records (tests that want one set SITEGEN_VERIFIED=on).
One headless Chromium for the whole session (`browser`): Playwright's sync API allows only
one running instance per process, so suites share it instead of each starting their own."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The fake Mastodon and Bluesky servers (`fake_mastodon`, `fake_bluesky`) for every suite.
pytest_plugins = ["fakes.social"]

CHROMIUM = os.environ.get("SITEGEN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright; missing, it skips on a laptop and fails in CI."""
    if not Path(CHROMIUM).exists():
        message = f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is not installed (pip install -e '.[test]')")
        pytest.skip("playwright is not installed")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _private_xdg_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path_factory.mktemp("xdg")
    for name in ("XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
        path = Path(root) / name.lower()
        path.mkdir()
        monkeypatch.setenv(name, str(path))
    # Tests run the repository's own runbooks (content/blog/runbooks.md, infra/); recording
    # those runs would rewrite the committed records of the example site.
    monkeypatch.setenv("SITEGEN_VERIFIED", "off")
