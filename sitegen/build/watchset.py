"""What a build reads, as places to watch: `serve` watches exactly what the build compares.

The build finds its changes from its scan (the input folders, and the symlinks met in them) and
from the files its pages named (`include=` files, verification records, images), stat()ed each
build. `watch_set` turns the same state into folders: a new kind of input the build reads is
watched by `serve` without a second list to keep in step.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.build.scan import input_roots, is_under
from sitegen.config import SiteConfig


def _inside_any(path: str, folders: Iterable[str]) -> bool:
    return any(is_under(path, f) for f in folders)


@dataclass(frozen=True)
class WatchSet:
    trees: tuple[Path, ...]
    """Watched with their subfolders: the scanned input folders, and folders reached by symlinks
    from them that lie outside every input folder."""
    folders: tuple[Path, ...]
    """Watched without their subfolders: where the other files read live (for a file whose folder
    does not exist yet, its nearest existing ancestor, so the folder's creation is seen)."""
    files: frozenset[str]
    """Those other files (absolute): include= files, verification records, images, symlinked files."""

    def reads(self, path: str | Path) -> bool:
        """True when a change at `path` may change what the build reads: a file in a tree or one
        of `files`, or a folder on the way to one of them (created or removed)."""
        name = os.path.abspath(path)
        if name in self.files or _inside_any(name, map(str, self.trees)):
            return True
        prefix = name.rstrip(os.sep) + os.sep
        return any(f.startswith(prefix) for f in self.files)


def watch_set(config: SiteConfig, state: Mapping[str, Any], project_root: Path) -> WatchSet:
    """The places the build with this config and last build's `state` reads from."""
    roots = sorted({os.path.abspath(p) for p in input_roots(config).values() if p.is_dir()})
    # An input folder inside another (a theme under the site's themes/… is not one) is watched once.
    trees = [r for r in roots if not any(r != o and is_under(r, o) for o in roots)]
    links: Mapping[str, str] = state.get("scan", {}).get("links", {})
    for real, kind in links.items():
        if kind == "dir" and not _inside_any(real, trees):
            trees = [t for t in trees if not is_under(t, real)] + [real]
    files = {real for real, kind in links.items() if kind == "file"}
    files.update(os.path.abspath(project_root / p) for p in state.get("includes", {}))
    files.update(os.path.abspath(p) for p in state.get("verified", {}))
    files.update(os.path.abspath(config.root / p) for p in state.get("images", {}))
    files = {f for f in files if not _inside_any(f, trees)}
    folders: set[str] = set()
    for name in files:
        folder = os.path.dirname(name)
        while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
            folder = os.path.dirname(folder)
        folders.add(folder)
    return WatchSet(tuple(Path(t) for t in sorted(trees)), tuple(Path(f) for f in sorted(folders)), frozenset(files))
