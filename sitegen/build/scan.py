"""Walking a build's inputs: which files content/, the templates and static/ hold, with (mtime, size).

A scan is a dict per input part (see `input_roots`) of relative path → (mtime_ns, size). The
builder compares it with last build's scan to find what changed; with a watcher's hints only the
reported paths are looked at again.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from sitegen.config import CONFIG_NAME, SiteConfig
from sitegen.errors import ContentError

_IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".part")

Stat = tuple[int, int]
Scan = dict[str, dict[str, Any]]
"""Part → relative path → Stat; and "links" → real path → "dir" or "file"."""


def skipped(name: str, keep_dots: bool) -> bool:
    """Editor droppings always; other dot files unless asked to keep them (static/.well-known)."""
    if name.startswith(("#", ".#")) or name.endswith(_IGNORED_SUFFIXES) or name in (".git", ".DS_Store"):
        return True
    return name.startswith(".") and not keep_dots


class Fence:
    """Where symlinks met in a walk may lead: inside `roots` (the site, or a theme's folder, and
    the folders `[build] allow_outside` names), never elsewhere. Errors name the link relative to
    `site`, the way the user wrote it."""

    def __init__(self, site: Path, roots: Iterable[Path]) -> None:
        self.site = site
        self.roots = tuple(os.path.realpath(r) for r in roots)

    def inside(self, real: str) -> bool:
        return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots)

    def name(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.site).as_posix()
        except ValueError:
            return path

    def check(self, path: str) -> str:
        """The real path of a symlink (or a walk's root), or a ContentError naming it."""
        real = os.path.realpath(path)
        if not self.inside(real):
            raise ContentError(
                f"symlink leads outside the site (to {real}); sitegen never publishes files from outside it "
                "(name the folder in [build] allow_outside in sitegen.toml to allow it)",
                self.name(path),
            )
        return real


def walk(root: Path, keep_dots: bool = False, fence: Fence | None = None,
         links: dict[str, str] | None = None, prune: Callable[[str], bool] | None = None) -> dict[str, Stat]:
    """rel path → (mtime_ns, size) for every file below root, dot files and editor droppings skipped,
    and with `prune`, every path it says no to (a folder is not entered).

    With a fence, a symlink leading out of it is an error (and so is a loop of symlinked folders);
    a file or folder that vanishes while it is walked is simply not there. `links` gets the real
    path of each symlink met (the root's too) → "dir" or "file".
    """
    found: dict[str, Stat] = {}
    start = str(root)
    if fence is not None and os.path.lexists(start):
        real = fence.check(start)
        if links is not None and os.path.islink(start):
            links[real] = "dir"
    stack: list[tuple[str, str, frozenset[str]]] = [("", start, frozenset())]
    while stack:
        prefix, path, linked = stack.pop()
        try:
            entries = os.scandir(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        with entries:
            for entry in entries:
                name = entry.name
                if skipped(name, keep_dots):
                    continue
                rel = prefix + name
                if prune is not None and prune(rel):
                    continue
                chain, real = linked, None
                if fence is not None and entry.is_symlink():
                    real = fence.check(entry.path)
                    if real in linked:
                        raise ContentError("symlink loop: this link leads back to a folder it is in",
                                           fence.name(entry.path))
                    chain = linked | {real}
                try:
                    if entry.is_dir():
                        stack.append((rel + "/", entry.path, chain))
                        if links is not None and real is not None:
                            links[real] = "dir"
                    elif entry.is_file():
                        st = entry.stat()
                        found[rel] = (st.st_mtime_ns, st.st_size)
                        if links is not None and real is not None:
                            links[real] = "file"
                except FileNotFoundError:  # deleted since the folder was listed
                    continue
    return found


PAGE_SUFFIXES = (".md", ".markdown")
"""Markdown files are pages; `.markdown` is what Jekyll's own starter site writes."""


class ContentLayout:
    """Which files of the content root are pages, which are other files, which are neither.

    By default (content/): Markdown files are pages except in top-level `_` folders, and other
    files are candidates for bundles. A site read in place (`[content] dir = "."`, Jekyll) also
    reads the `_` folders its collections name (`_posts`, `_drafts`, `_recipes`), and never the
    paths `[content] exclude` lists nor sitegen's own files (sitegen.toml, public/, static/,
    the templates and themes folders).
    """

    def __init__(self, config: SiteConfig) -> None:
        self.folders = frozenset(config.folder_collections())
        exclude = list(config.exclude)
        if config.content_root == ".":
            exclude += [CONFIG_NAME, "public", "static", "themes", config.templates_dir]
        self.exclude = tuple(dict.fromkeys(exclude))

    def excluded(self, rel: str) -> bool:
        if not self.exclude:
            return False
        parts = rel.split("/")
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if any(fnmatch.fnmatchcase(prefix, pattern) for pattern in self.exclude):
                return True
        return False

    def _in_underscore(self, rel: str) -> bool:
        first = rel.split("/", 1)[0]
        return first.startswith("_") and ("/" not in rel or first not in self.folders)

    def is_page(self, rel: str) -> bool:
        root_section = rel in ("_index.md", "_index.markdown")
        return rel.endswith(PAGE_SUFFIXES) and (root_section or not self._in_underscore(rel)) and not self.excluded(rel)

    def is_file(self, rel: str) -> bool:
        return not rel.endswith(PAGE_SUFFIXES) and not self._in_underscore(rel) and not self.excluded(rel)

    def prune(self, rel: str) -> bool:
        """Not worth walking into: an excluded path, or a `_` folder no collection reads."""
        return self.excluded(rel) or ("/" not in rel and rel.startswith("_") and rel not in self.folders
                                      and not rel.endswith(PAGE_SUFFIXES))


def file_stat(path: Path) -> Stat | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def input_roots(config: SiteConfig) -> dict[str, Path]:
    """Each part of a scan and the folder it comes from."""
    from sitegen.theme import theme_dir

    theme = theme_dir(config)
    return {
        "content": config.content_dir,
        "theme_templates": theme / "templates",
        "site_templates": config.root / config.templates_dir,
        "theme_static": theme / "static",
        "site_static": config.root / "static",
    }


TEMPLATE_SUFFIXES = (".html", ".htm", ".xml", ".txt")


def template_names(scan: Scan) -> list[str]:
    """The names of the templates a build may load (the site's, then the theme's), to compile ahead."""
    return [name for part in ("site_templates", "theme_templates") for name in scan.get(part, {})
            if name.endswith(TEMPLATE_SUFFIXES)]


def fences(config: SiteConfig) -> dict[str, Fence]:
    """Each part of a scan and where its symlinks may lead: the site's own folders stay in the
    site, a theme's in the theme's folder."""
    from sitegen.theme import theme_dir

    site = config.root
    own = Fence(site, (site, *config.allow_outside))
    theme = Fence(site, (theme_dir(config), *config.allow_outside))
    return {part: theme if part.startswith("theme_") else own for part in input_roots(config)}


def publish_fence(config: SiteConfig) -> Fence:
    """Where a copied file may come from, checked again on the file the copy opens: the site, the
    theme's folder and the folders `[build] allow_outside` names (one fence for every part)."""
    from sitegen.theme import theme_dir

    return Fence(config.root, (config.root, theme_dir(config), *config.allow_outside))


def scan_inputs(config: SiteConfig) -> Scan:
    roots = input_roots(config)
    fenced = fences(config)
    # Dot files are published from static/ (.well-known); elsewhere they are editor state.
    links: dict[str, str] = {}
    layout = ContentLayout(config)
    scan: Scan = {part: walk(root, keep_dots=part.endswith("static"), fence=fenced[part], links=links,
                             prune=layout.prune if part == "content" else None)
                  for part, root in roots.items()}
    # Folders starting with "_" are not collections (see discover_collections), unless one reads them.
    found = scan["content"]
    scan["content"] = {k: v for k, v in found.items() if layout.is_page(k)}
    scan["content_files"] = {k: v for k, v in found.items() if layout.is_file(k)}
    scan["links"] = dict(sorted(links.items()))
    return scan


def is_under(path: str, folder: str) -> bool:
    """`path` is `folder` or inside it (both absolute, as strings)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def rescan_hinted(config: SiteConfig, old_scan: Scan, changed: Iterable[str | Path]) -> Scan | None:
    """Update last build's scan for just the paths a watcher reported; None means scan everything."""
    if not old_scan:
        return None
    roots = input_roots(config)
    layout = ContentLayout(config)
    scan = {part: dict(entries) for part, entries in old_scan.items()}
    for raw in changed:
        path = Path(raw).absolute()
        for part, root in roots.items():
            try:
                rel = path.relative_to(root)
            except ValueError:
                continue
            name = rel.as_posix()
            if part == "content" and layout.excluded(name):
                continue  # read in place, the site's folder holds static/, templates/…: try those
            if any(skipped(p, part.endswith("static")) for p in rel.parts):
                break
            if path.is_symlink() or path.is_dir() or (name not in scan[part] and not path.exists() and
                                 any(k.startswith(name + "/") for k in scan[part])):
                return None  # a folder or a symlink came or went: scan everything (and check where it leads)
            if part == "content" and not layout.is_page(name):
                if not layout.is_file(name):
                    break
                part = "content_files"
            st = file_stat(path)
            if st is None:
                scan[part].pop(name, None)
            else:
                scan[part][name] = st
            break
        else:
            if any(is_under(str(path), real) for real in old_scan.get("links", {})):
                return None  # read through a symlink (content/infra/x.md → infra/x.md): scan everything
            if path.name != CONFIG_NAME:
                continue  # e.g. a file outside every input: nothing to do
    return scan


def tampered_outputs(out_dir: Path, outputs: Mapping[str, tuple]) -> set[str]:
    """Outputs deleted or edited by hand since we wrote them (they get written again)."""
    base = str(out_dir) + os.sep
    tampered = set()
    for path, rec in outputs.items():
        try:
            st = os.stat(base + path)
        except OSError:
            tampered.add(path)
            continue
        if (st.st_mtime_ns, st.st_size) != rec[2]:
            tampered.add(path)
    return tampered


def input_kind(path: Path, site_dir: Path, theme: Path | None = None) -> str:
    """Sort a changed path into content, templates, static, config or other (for serve)."""
    try:
        rel = path.resolve().relative_to(site_dir.resolve())
    except ValueError:
        rel = None
    if rel is not None:
        first = rel.parts[0] if rel.parts else ""
        if rel.as_posix() == CONFIG_NAME:
            return "config"
        if first in ("content", "templates", "static"):
            return {"content": "content", "templates": "templates", "static": "static"}[first]
    if theme is not None:
        try:
            trel = path.resolve().relative_to(theme.resolve())
            return "templates" if trel.parts and trel.parts[0] == "templates" else "static"
        except ValueError:
            pass
    return "other"
