"""The build cache on disk: a manifest of the last build and a store of rendered bodies.

Kept out of the site directory: under `$XDG_CACHE_HOME/sitegen/` unless the user names a place.
The manifest is one pickle (stdlib, fast to load, no heavy imports); bodies live in SQLite so a
build loads only the bodies it needs.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

MANIFEST_VERSION = 7
MAX_BLOCKS = 50_000


def default_cache_root(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CACHE_HOME") or os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".cache")
    return Path(base) / "sitegen"


def cache_dir_for(root: Path, site_dir: Path, out_dir: Path, drafts: bool) -> Path:
    ident = f"{site_dir.resolve()}\0{out_dir.resolve()}\0{drafts}"
    digest = hashlib.blake2b(ident.encode(), digest_size=8).hexdigest()
    return root / f"{site_dir.resolve().name}-{digest}"


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cycle collector: unpickling 100,000s of objects triggers it again and again
    (half the load time of a 10,000-post manifest) while creating no garbage cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_manifest(cache_dir: Path) -> dict[str, Any] | None:
    try:
        with open(cache_dir / "manifest.pickle", "rb") as fh, _no_gc():
            data = pickle.load(fh)
    except (FileNotFoundError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return None
    return data


def save_manifest(cache_dir: Path, data: dict[str, Any]) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f"manifest.pickle.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh, _no_gc():
        pickle.dump({**data, "version": MANIFEST_VERSION}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cache_dir / "manifest.pickle")


class BodyStore:
    """Rendered Markdown bodies by key; writes are buffered and committed with the build."""

    def __init__(self, cache_dir: Path) -> None:
        self.path = cache_dir / "bodies.sqlite"
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._pending: dict[str, str] = {}
        self._pending_blocks: dict[str, str] = {}
        self.block_lookups = True
        """False while parsing into a cache that held no code block when the build began (a cold
        build): every lookup would miss, and cost a query (~0.1 ms each in a forked worker)."""

    def _conn(self) -> sqlite3.Connection:
        # A connection must not cross fork(): a forked build worker opens its own.
        if self._db is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._pid = os.getpid()
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            # A cache: losing the last writes to a crash only costs a re-render, so skip fsync.
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute("CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html TEXT NOT NULL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS blocks (key TEXT PRIMARY KEY, html TEXT NOT NULL)")
        return self._db

    def open(self) -> None:
        """Create the database now, with its tables and WAL journal: build workers forked after
        this only open it. Processes creating it at once race on that set-up, and one of them
        fails with "database is locked" (its busy timeout does not cover it)."""
        self._conn()

    def has_blocks(self) -> bool:
        """Whether any highlighted code block is stored, or waiting to be."""
        if self._pending_blocks:
            return True
        return bool(self._conn().execute("SELECT EXISTS (SELECT 1 FROM blocks)").fetchone()[0])

    def stored_block(self, key: str) -> str | None:
        row = self._conn().execute("SELECT html FROM blocks WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def get(self, key: str) -> str | None:
        if key in self._pending:
            return self._pending[key]
        row = self._conn().execute("SELECT html FROM bodies WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, html: str) -> None:
        self._pending[key] = html
        if len(self._pending) >= 500:
            self.flush()

    def flush(self) -> None:
        if not self._pending and not self._pending_blocks:
            return
        db = self._conn()
        with db:
            db.executemany("INSERT OR REPLACE INTO bodies (key, html) VALUES (?, ?)", self._pending.items())
            db.executemany("INSERT OR REPLACE INTO blocks (key, html) VALUES (?, ?)", self._pending_blocks.items())
        self._pending.clear()
        self._pending_blocks.clear()

    def blocks(self) -> BlockCache:
        return BlockCache(self)

    def prune(self, keep: set[str]) -> None:
        """Drop bodies no page uses any more, so the cache does not grow without bound."""
        db = self._conn()
        existing = {row[0] for row in db.execute("SELECT key FROM bodies")}
        stale = existing - keep
        if stale:
            with db:
                db.executemany("DELETE FROM bodies WHERE key = ?", ((k,) for k in stale))
        # Code blocks are not tracked one by one; keep the table bounded instead.
        (blocks,) = db.execute("SELECT count(*) FROM blocks").fetchone()
        if blocks > MAX_BLOCKS:
            with db:
                db.execute("DELETE FROM blocks")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class BlockCache:
    """Highlighted code blocks by key, in the same database as the bodies (see markdown.HighlightCache)."""

    def __init__(self, store: BodyStore) -> None:
        self._store = store

    def get(self, key: str) -> str | None:
        store = self._store
        if key in store._pending_blocks:
            return store._pending_blocks[key]
        return store.stored_block(key) if store.block_lookups else None

    def put(self, key: str, html: str) -> None:
        self._store._pending_blocks[key] = html
