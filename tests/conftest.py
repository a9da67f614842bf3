"""Keep every test's caches and run records out of the real user's XDG folders, and the
checkout free of verification records (tests that want one set SITEGEN_VERIFIED=on)."""

from __future__ import annotations

from pathlib import Path

import pytest


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
