"""Include paths: project root discovery and escapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.errors import SitegenError
from sitegen.includes import find_project_root, resolve_include


def test_root_is_the_nearest_ancestor_with_a_marker(tmp_path: Path) -> None:
    (tmp_path / "sitegen.toml").write_text("")
    deep = tmp_path / "content" / "blog"
    deep.mkdir(parents=True)
    (deep / "post.md").write_text("")
    assert find_project_root(deep / "post.md") == tmp_path
    assert find_project_root(deep) == tmp_path


def test_root_falls_back_to_the_start_directory(tmp_path: Path) -> None:
    # tmp_path has no marker above it that we control; use a fresh tree with .git at its top
    # only below, so the nearest marker is the start's own directory.
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / ".git").mkdir()
    assert find_project_root(tmp_path / "x" / "a.md") == tmp_path / "x"


def test_resolve_include(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "a.sh").write_text("echo\n")
    assert resolve_include(tmp_path, "infra/a.sh") == (tmp_path / "infra" / "a.sh").resolve()


@pytest.mark.parametrize(("rel", "message"), [
    ("../outside.sh", "leaves the project root"),
    ("/etc/passwd", "relative to the project root"),
    ("infra/missing.sh", "no such file"),
    ("link.sh", "leaves the project root"),
    ("", "needs a path"),
])
def test_resolve_include_refuses(tmp_path: Path, rel: str, message: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.sh").write_text("echo\n")
    (root / "link.sh").symlink_to(tmp_path / "outside.sh")
    with pytest.raises(SitegenError, match=message):
        resolve_include(root, rel)
