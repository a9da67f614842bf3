"""Where `include=` paths point: the project root and a checked path inside it.

Both the renderer (which shows an included file in a post) and the runbook runner (which runs
it) resolve includes here, so the rendered page and the executed script come from one file.
Pure path logic plus an existence check; no reading of the file itself.
"""

from __future__ import annotations

from pathlib import Path

from sitegen.errors import SitegenError

_ROOT_MARKERS = ("sitegen.toml", ".git")


def find_project_root(start: Path) -> Path:
    """The nearest ancestor of `start` holding `sitegen.toml` or `.git`, else start's directory."""
    start = Path(start).absolute()
    here = start if start.is_dir() else start.parent
    for candidate in (here, *here.parents):
        if any((candidate / marker).exists() for marker in _ROOT_MARKERS):
            return candidate
    return here


def resolve_include(root: Path, rel: str) -> Path:
    """The file `rel` names inside `root`; a SitegenError when it escapes root or is missing."""
    if not rel or not rel.strip():
        raise SitegenError("include= needs a path")
    if Path(rel).is_absolute():
        raise SitegenError(f"include={rel}: use a path relative to the project root ({root})")
    base = Path(root).resolve()
    # resolve() follows symlinks, so a link pointing outside the project is caught too.
    target = (base / rel).resolve()
    if not target.is_relative_to(base):
        raise SitegenError(f"include={rel}: the path leaves the project root ({base})")
    if not target.is_file():
        raise SitegenError(f"include={rel}: no such file under {base}")
    return target
