"""Helpers for the site builder tests: write a tiny site, build it, read its output."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Mapping
from pathlib import Path

from sitegen.engine import Builder, Report

BASE_CONFIG = """\
title = "Test site"
base_url = "https://example.org"
author = "Tester"
timezone = "UTC"
"""


def post(title: str, body: str = "Body text.\n", **meta: object) -> str:
    """A content file with YAML front matter; list values become YAML flow lists."""
    lines = ["---", f"title: {title}"]
    for key, value in meta.items():
        if isinstance(value, (list, tuple)):
            value = "[" + ", ".join(str(v) for v in value) + "]"
        lines.append(f"{key}: {value}")
    lines.append("---")
    return "\n".join(lines) + "\n" + textwrap.dedent(body)


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


class SiteDir:
    """A site in a temporary directory, with its output and cache beside it."""

    def __init__(self, root: Path) -> None:
        self.root = root / "site"
        self.out = root / "out"
        self.cache = root / "cache"

    def write(self, files: Mapping[str, str | bytes]) -> SiteDir:
        write_files(self.root, files)
        return self

    def edit(self, rel: str, old: str, new: str) -> None:
        """Replace text in a site file, making sure its mtime moves.

        The engine (like make) trusts (mtime, size); a same-size edit within one tick of the
        file system's clock would look unchanged, which no person typing can do but a test can.
        """
        path = self.root / rel
        before = path.stat().st_mtime_ns
        text = path.read_text("utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new), "utf-8")
        if path.stat().st_mtime_ns == before:
            os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))

    def remove(self, rel: str) -> None:
        (self.root / rel).unlink()

    def builder(self, **kw: object) -> Builder:
        return Builder(self.root, self.out, cache_dir=self.cache, **kw)  # type: ignore[arg-type]

    def build(self, **kw: object) -> Report:
        """A fresh Builder each time: state comes only from the cache dir, as in a new process."""
        return self.builder(**kw).build()

    def read(self, rel: str) -> str:
        return (self.out / rel).read_text("utf-8")

    def snapshot(self) -> dict[str, bytes]:
        """Every output file's bytes by relative path."""
        return self.snapshot_of(self.out)

    @staticmethod
    def snapshot_of(out: Path) -> dict[str, bytes]:
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    def mtimes(self) -> dict[str, int]:
        return {p.relative_to(self.out).as_posix(): p.stat().st_mtime_ns
                for p in sorted(self.out.rglob("*")) if p.is_file()}


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_fixture(dest: Path, name: str = "basic", *, own_templates: bool = True) -> SiteDir:
    """Copy a fixture site into dest/site; without its templates and static files, the default
    theme renders it (what a user without overrides gets)."""
    site = SiteDir(dest)
    ignore = None if own_templates else shutil.ignore_patterns("templates", "static")
    shutil.copytree(FIXTURES / name, site.root, ignore=ignore)
    return site
