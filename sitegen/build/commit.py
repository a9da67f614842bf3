"""Putting a build in place: static copies into staging, staged or in-memory files moved over the
output directory one atomic rename each, outputs no longer made removed. Published files are
0644 and folders 0755.

Nothing reaches the output directory until every page has rendered, so a failed build leaves
the previous site intact.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from stat import S_IMODE
from typing import TYPE_CHECKING, Any

from sitegen.build.scan import Fence, Stat, file_stat
from sitegen.errors import ContentError

if TYPE_CHECKING:
    from sitegen.build.builder import Report

FILE_MODE = 0o644
DIR_MODE = 0o755
"""Published files and folders get ordinary modes, whatever the source's or the umask: a 0600 file
in static/ is not a secret kept (anything under static/ is published), and a 0700 one would be
unreadable to the web server."""


class StaticCopies:
    """Copies the static files a build publishes into staging, once: while forked workers render
    (the parent only waits for them then), or else when the build commits.

    `fence`: where a copied file may lead, checked on the file the copy actually opens (the scan
    checked the symlinks it met, but a file can be swapped for one before its copy).
    """

    def __init__(self, staging: Path, static_plan: dict[str, Any], report: Report, fence: Fence | None = None) -> None:
        self.staging = staging
        self.plan = static_plan
        self.report = report
        self.fence = fence
        self.done = False
        self.stats: dict[str, Stat] = {}
        """Each copy's stat as it was written (a rename into place keeps it): commit records
        these instead of stat-ing every copy again."""

    def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        static_plan, staging, fence = self.plan, self.staging, self.fence
        linked = static_plan.get("linked", ())
        vanished = []
        for src, rel in static_plan["copies"]:
            target = staging / rel
            make_dirs(target.parent)
            if rel in linked:
                try:
                    os.link(src, target)
                    os.chmod(target, FILE_MODE)
                    continue
                except FileNotFoundError:
                    pass  # gone from the cache: the copy below says whether the file is gone too
                except OSError:  # another file system, or links not allowed: copy
                    pass
            if rel in static_plan.get("minify", ()):
                try:
                    from sitegen.theme import minify_css

                    text = _read_checked(src, fence).decode("utf-8")
                    self.stats[rel] = write_file(target, minify_css(text).encode("utf-8"))
                    continue
                except FileNotFoundError:
                    pass  # deleted since the scan: the copy below says so
            # Image variants come from sitegen's own cache, outside the site by design.
            copied = _copy_if_present(src, target, None if rel in linked else fence)
            if copied is None:
                vanished.append(rel)  # deleted since the scan: a deleted file, not an error
                static_plan["vanished"].append(str(src))
                continue
            self.stats[rel] = copied
        for rel in vanished:
            self.report.copied.remove(rel)
            del static_plan["final"][rel]
            static_plan["removed"].append(rel)


def commit(
    out_dir: Path,
    staging: Path,
    memory: Mapping[str, bytes],
    outputs: dict[str, tuple],
    old_outputs: Mapping[str, tuple],
    copies: StaticCopies,
    report: Report,
) -> None:
    """Copy the static files into staging (unless done already), then move everything into `out_dir`."""
    copies()
    static_plan = copies.plan
    stats = dict(copies.stats)  # files as written: moving them into place keeps mtime and size
    if not out_dir.exists() and staging.exists() and not memory:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, out_dir)
    else:
        for rel in [*report.written, *report.copied]:
            target = out_dir / rel
            make_dirs(target.parent)
            data = memory.get(rel)
            if data is None:
                os.replace(staging / rel, target)
            else:
                # Each file still appears whole: written beside its target, then renamed.
                tmp = target.with_name(f".{target.name}.sitegen-tmp")
                stats[rel] = write_file(tmp, data)
                os.replace(tmp, target)
    make_dirs(out_dir)
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
        out, deps, stat, digest = outputs[rel]
        # A file staged by a render worker carries its stat from then (the worker wrote it).
        stat = stats.get(rel) or stat or file_stat(out_dir / rel)
        outputs[rel] = (out, deps, stat, digest)
    for rel in report.copied:
        src, st, _ = static_plan["final"][rel]
        static_plan["final"][rel] = (src, st, stats.get(rel) or file_stat(out_dir / rel))


def _copy_if_present(src: Path, target: Path, fence: Fence | None = None, attempts: int = 3) -> Stat | None:
    """Copy src to target (0644); the copy's stat, or None when src is gone.

    An editor's save can delete and write a file again while it is being copied: src is then
    missing for the copy but present again right after, so copy what it holds now (a few
    times at most; the recorded stat differs, so the next build checks it again).
    """
    for attempt in range(attempts):
        try:
            return _copy_checked(src, target, fence)
        except FileNotFoundError:
            if not os.path.lexists(src):
                return None
            if attempt == attempts - 1:
                raise
    return None


def _open_checked(src: Path, fence: Fence | None) -> int:
    """Open the file `src` leads to now; with a fence, a ContentError when that file is outside it."""
    fd = os.open(src, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        if fence is not None:
            real = _opened_path(fd, src)
            if not fence.inside(real):
                raise ContentError(
                    f"symlink leads outside the site (to {real}): it became one after the build checked it, "
                    "so nothing is published", fence.name(str(src)))
    except BaseException:
        os.close(fd)
        raise
    return fd


def _copy_checked(src: Path, target: Path, fence: Fence | None) -> Stat:
    with open(_open_checked(src, fence), "rb") as fsrc, open(target, "wb") as fdst:
        shutil.copyfileobj(fsrc, fdst, 1 << 20)
        fdst.flush()
        return _published(fdst.fileno())


def _read_checked(src: Path, fence: Fence | None) -> bytes:
    with open(_open_checked(src, fence), "rb") as fsrc:
        return fsrc.read()


def _opened_path(fd: int, src: Path) -> str:
    """The real path of the file open as `fd`: the kernel's own (/proc), so no swap in between
    can fool it; elsewhere the path `src` resolves to, if that is still the very file opened."""
    try:
        real = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        real = os.path.realpath(src)
        opened, there = os.fstat(fd), os.lstat(real)
        if (opened.st_dev, opened.st_ino) != (there.st_dev, there.st_ino):
            raise ContentError("changed while it was copied; build again", str(src)) from None
        return real
    return real.removesuffix(" (deleted)")


def make_dirs(path: str | Path) -> None:
    """mkdir -p, each folder it makes 0755 whatever the umask (a web server must read them).

    mkdir first, its parent only when it is missing: in a staging tree most folders are new (a
    page per folder), and a mkdir that finds the folder there costs what a stat would."""
    try:
        os.mkdir(path)
    except FileExistsError:
        return
    except FileNotFoundError:
        parent = os.path.dirname(path)
        if not parent or parent == os.fspath(path):  # nothing left to make: the start is gone
            raise
        make_dirs(parent)
        try:
            os.mkdir(path)
        except FileExistsError:
            return
    except OSError:
        # A system that reports, say, a read-only file system before an existing folder.
        if os.path.isdir(path):
            return
        raise
    os.chmod(path, DIR_MODE)


def write_file(path: str | Path, data: bytes) -> Stat:
    """Write a published file, 0644 whatever the umask; its stat once written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        return _published(fd)
    finally:
        os.close(fd)


def _published(fd: int) -> Stat:
    """Make the open file 0644; its (mtime, size) as the tamper check compares them.

    The stat comes first: a file created 0644 (the usual umask) needs no chmod, and a chmod
    changes neither mtime nor size."""
    st = os.fstat(fd)
    if S_IMODE(st.st_mode) != FILE_MODE:
        os.fchmod(fd, FILE_MODE)
    return (st.st_mtime_ns, st.st_size)


def prune_empty_dirs(directory: Path, stop: Path) -> None:
    while directory != stop and stop in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent

