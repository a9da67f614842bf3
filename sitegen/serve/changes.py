"""Pure logic between the watcher and the browser: which paths matter, of what kind, and what to reload."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sitegen.build.builder import Report
from sitegen.build.scan import input_kind
from sitegen.config import CONFIG_NAME
from sitegen.urls import url_for_file

KINDS = ("config", "templates", "content", "static")
"""Kinds of change that need a build, from the widest rebuild to the narrowest."""

TOP_DIRS = ("content", "templates", "static", "themes")
"""Folders of a site whose appearance or removal changes what must be watched."""

# Editors save through temporary files and leave locks, swap files and backups beside the
# real file; a build triggered by one of those would be wasted (and vim's "4913" probe file
# would even look like content).
_DROPPING_PREFIXES = ("#", "~", ".#", ".~", ".goutputstream-", "flycheck_")
_DROPPING_SUFFIXES = ("~", "#", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", "___jb_tmp___",
                      "___jb_old___", ".kate-swp", ".bak", ".orig")
_DROPPING_NAMES = frozenset({"4913", ".DS_Store", "Thumbs.db", ".git"})

# Outputs no page displays: a change to them alone never needs a browser to reload.
_UNSHOWN_SUFFIXES = (".xml", ".txt", ".json", ".webmanifest", ".map")
_PAGE_SUFFIXES = (".html", ".htm")


def is_dropping(path: str | Path, keep_dots: bool = False) -> bool:
    """True for editor and OS droppings (swap, lock, backup and temporary files).

    Other dot files count as droppings too, except with `keep_dots`: static/ publishes them
    (`.well-known/`), as the engine does.
    """
    name = Path(path).name
    if name in _DROPPING_NAMES or name.startswith(_DROPPING_PREFIXES) or name.endswith(_DROPPING_SUFFIXES):
        return True
    return name.startswith(".") and not keep_dots


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def sort_changes(
    paths: Iterable[str | Path],
    site_dir: Path,
    theme: Path | None,
    out_dir: Path | None = None,
) -> dict[str, list[Path]]:
    """Sort changed paths by kind (config, templates, content, static, other), droppings dropped.

    Paths inside the output directory, or in hidden folders (`.git`), are ignored: the preview
    writes the former itself, and neither is an input.
    """
    site_dir = site_dir.resolve()
    out = out_dir.resolve() if out_dir is not None else None
    found: dict[str, list[Path]] = {}
    theme_static = theme / "static" if theme is not None else None
    for raw in paths:
        path = Path(raw).absolute()
        if out is not None and _inside(path, out):
            continue
        try:
            rel_parts = path.relative_to(site_dir).parts
        except ValueError:
            rel_parts = ()
        static = rel_parts[:1] == ("static",) or (theme_static is not None and _inside(path, theme_static))
        if is_dropping(path, keep_dots=static):
            continue
        folders = rel_parts[1:-1] if static else rel_parts[:-1]
        if any(part == ".git" or (part.startswith(".") and not static) for part in folders):
            continue
        found.setdefault(_kind(path, rel_parts, site_dir, theme), []).append(path)
    return found


def _kind(path: Path, rel_parts: tuple[str, ...], site_dir: Path, theme: Path | None) -> str:
    # By the path as the watcher reported it first: input_kind resolves symlinks, so a
    # content/ that links elsewhere would make every post look like "other".
    if rel_parts == (CONFIG_NAME,):
        return "config"
    if rel_parts[:1] in (("content",), ("templates",), ("static",)):
        return rel_parts[0]
    kind = input_kind(path, site_dir, theme)
    if kind == "other" and rel_parts[:1] == ("themes",):
        # A local theme that is not (yet) the configured one: it becomes an input the
        # moment sitegen.toml names it, so rebuild and let the engine decide.
        kind = "templates" if "templates" in rel_parts else "static"
    return kind


def needs_build(kinds: dict[str, list[Path]]) -> bool:
    return any(kind in kinds for kind in KINDS)


def changes_watch_set(paths: Iterable[str | Path], site_dir: Path) -> bool:
    """True when a change adds or removes sitegen.toml or a top folder, so the watched paths move."""
    site_dir = site_dir.resolve()
    for raw in paths:
        path = Path(raw).absolute()
        if path.parent == site_dir and (path.name in TOP_DIRS or path.name == CONFIG_NAME):
            return True
    return False


def reload_event(report: Report, limit: int = 200) -> dict[str, object] | None:
    """What browsers need to know about a build: changed pages, stylesheets and other assets.

    Returns None when the build changed nothing a browser shows (a feed, the sitemap). Past
    `limit` changed files the lists are dropped and `all` is set: a template change on a big
    site would otherwise send every URL to every tab.
    """
    pages: list[str] = []
    css: list[str] = []
    assets: list[str] = []
    for rel in report.changed_files:
        url = url_for_file(rel)
        if rel.endswith(_PAGE_SUFFIXES):
            pages.append(url)
        elif rel.endswith(".css"):
            css.append(url)
        elif not rel.endswith(_UNSHOWN_SUFFIXES):
            assets.append(url)
    if not (pages or css or assets):
        return None
    if len(pages) + len(css) + len(assets) > limit:
        return {"all": True, "pages": [], "css": [], "assets": []}
    return {"all": False, "pages": sorted(pages), "css": sorted(css), "assets": sorted(assets)}
