"""Putting a build in place: static copies into staging, staged or in-memory files moved over the
output directory one atomic rename each, outputs no longer made removed.

Nothing reaches the output directory until every page has rendered, so a failed build leaves
the previous site intact.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.build.scan import file_stat

if TYPE_CHECKING:
    from sitegen.build.builder import Report


def commit(
    out_dir: Path,
    staging: Path,
    memory: Mapping[str, bytes],
    outputs: dict[str, tuple],
    old_outputs: Mapping[str, tuple],
    static_plan: dict[str, Any],
    report: Report,
) -> None:
    linked = static_plan.get("linked", ())
    for src, rel in static_plan["copies"]:
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel in linked:
            try:
                os.link(src, target)
                continue
            except OSError:  # another file system, or links not allowed: copy
                pass
        shutil.copyfile(src, target)
    if not out_dir.exists() and staging.exists() and not memory:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, out_dir)
    else:
        for rel in [*report.written, *report.copied]:
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            data = memory.get(rel)
            if data is None:
                os.replace(staging / rel, target)
            else:
                # Each file still appears whole: written beside its target, then renamed.
                tmp = target.with_name(f".{target.name}.sitegen-tmp")
                tmp.write_bytes(data)
                os.replace(tmp, target)
    out_dir.mkdir(parents=True, exist_ok=True)
    gone = [p for p in old_outputs if p not in outputs] + list(static_plan["removed"])
    for rel in gone:
        target = out_dir / rel
        try:
            target.unlink()
            report.removed.append(rel)
        except FileNotFoundError:
            pass
        prune_empty_dirs(target.parent, out_dir)
    for rel in report.written:
        out, deps, _stat, digest = outputs[rel]
        outputs[rel] = (out, deps, file_stat(out_dir / rel), digest)
    for rel in report.copied:
        src, st, _ = static_plan["final"][rel]
        static_plan["final"][rel] = (src, st, file_stat(out_dir / rel))


def prune_empty_dirs(directory: Path, stop: Path) -> None:
    while directory != stop and stop in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent

