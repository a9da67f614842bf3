"""Empty output and cache folders for cold builds, without timing the filesystem's memory of the
previous ones.

On ext4 without a journal (this machine's root filesystem: `/proc/fs/ext4/*/options` has no
journal, and `discard`), the inode allocator will not reuse an inode freed in the last 60 s, or
360 s while its inode-table block is unwritten: every create and mkdir scans past each such inode
(fs/ext4/ialloc.c, `recently_deleted()`). So deleting the previous build's few thousand files just
before a cold build makes that build's creates slow, for minutes: here 1,500 mkdir + create pairs
took 0.13 s on a quiet filesystem and 1.4-2.3 s after a few `rm -rf`s of such trees, all of it
system CPU of the build. A user's cold build (a fresh clone, a CI checkout) does not follow a mass
delete, so the benchmarks move old trees aside (a rename frees no inode) and delete them all after
the last timing.
"""

from __future__ import annotations

import shutil
from pathlib import Path


class SetAside:
    """Moves folders out of the way under `root/.set-aside`; `empty()` deletes them at the end."""

    def __init__(self, root: Path) -> None:
        self.place = root / ".set-aside"
        self.count = 0

    def clear(self, *paths: Path) -> None:
        for path in paths:
            if path.exists():
                self.place.mkdir(exist_ok=True)
                self.count += 1
                path.rename(self.place / str(self.count))

    def empty(self) -> None:
        shutil.rmtree(self.place, ignore_errors=True)
