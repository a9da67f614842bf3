"""Fixtures for the preview tests: a tiny site in tmp, a running Preview, and a browser context
(the session's Chromium comes from tests/conftest.py).

The browser tests need Debian's chromium (`.ci/run` installs it). Without it they skip on a
developer's machine and fail when CI is set, so a missing browser can never pass as green.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serve_support import Running, make_site

from sitegen.serve import Preview


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site")


@pytest.fixture
def running(site: Path, tmp_path: Path) -> Iterator[Running]:
    log = io.StringIO()
    preview = Preview(site, cache_dir=tmp_path / "cache", port=0, heartbeat=0.5, log=log,
                      environ={"HOME": str(tmp_path)})
    with Running(preview) as run:
        yield run


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context()
    yield ctx
    ctx.close()
