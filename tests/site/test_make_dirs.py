"""commit.make_dirs: mkdir -p whose new folders are 0755 whatever the umask, leaving folders that
exist as they are."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sitegen.build.commit import make_dirs


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_folders_are_0755_and_existing_ones_keep_their_mode(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    kept.mkdir(mode=0o700)
    kept.chmod(0o700)
    old = os.umask(0o077)
    try:
        make_dirs(kept / "a" / "b" / "c")
        make_dirs(kept / "a" / "b" / "c")  # all there: nothing to do
        make_dirs(kept / "a" / "d")
    finally:
        os.umask(old)
    assert _mode(kept) == 0o700
    assert [_mode(kept / p) for p in ("a", "a/b", "a/b/c", "a/d")] == [0o755] * 4


def test_a_file_in_the_way_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x", "utf-8")
    with pytest.raises(NotADirectoryError):
        make_dirs(tmp_path / "f" / "a" / "b")
    make_dirs(tmp_path / "f")  # the path itself taken by a file: left to the write that follows
    assert (tmp_path / "f").is_file()


def test_a_missing_start_is_an_error_not_a_recursion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    with pytest.raises(FileNotFoundError):
        make_dirs("a/b")
