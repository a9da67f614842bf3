"""Fixtures for the site builder tests (helpers live in site_helpers.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from site_helpers import BASE_CONFIG, SiteDir


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., SiteDir]:
    """make_site({"content/blog/a.md": post("A", published="2024-01-01")}, config=...)"""
    count = 0

    def make(files: Mapping[str, str | bytes] | None = None, config: str = BASE_CONFIG) -> SiteDir:
        nonlocal count
        count += 1
        site = SiteDir(tmp_path / f"s{count}")
        site.write({"sitegen.toml": config, **(files or {})})
        return site

    return make
