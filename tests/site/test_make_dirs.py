"""commit.make_dirs: mkdir -p whose new folders are 0755 whatever the umask, leaving folders that
exist as they are; commit.write_file: files 0644 whatever the umask, and the stat they have."""

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


def test_written_files_are_0644_chmod_only_when_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen.build import commit

    chmods: list[int] = []
    real = os.fchmod
    monkeypatch.setattr(commit.os, "fchmod", lambda fd, mode: (chmods.append(mode), real(fd, mode)))
    old = os.umask(0o022)
    try:
        usual = commit.write_file(tmp_path / "usual.html", b"abc")
        assert chmods == []  # created 0644 already
        os.umask(0o077)
        strict = commit.write_file(tmp_path / "strict.html", b"abcd")
        (tmp_path / "kept.html").write_bytes(b"x")
        (tmp_path / "kept.html").chmod(0o600)
        os.umask(0o022)
        kept = commit.write_file(tmp_path / "kept.html", b"abcde")  # an existing file keeps its mode
    finally:
        os.umask(old)
    assert chmods == [0o644, 0o644]
    for name, recorded in (("usual.html", usual), ("strict.html", strict), ("kept.html", kept)):
        st = (tmp_path / name).stat()
        assert _mode(tmp_path / name) == 0o644 and recorded == (st.st_mtime_ns, st.st_size)
