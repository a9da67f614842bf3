"""The crosspost journal: every post created on a network is recorded here (JSON Lines under
sitegen's state dir) before its link is written into the post's file, so a run that dies in
between hands the link to the next run instead of posting twice.

One file per site, `<state>/crosspost/<key>.jsonl` (key: a hash of the site's absolute path),
with a lock beside it so two runs on one site never post at once. Lines:
`{"event": "intent", "url", "network", "source", "rkey", "at"}` (Bluesky: the record key about
to be created, so a lost answer can be looked up instead of posting again),
`{"event": "posted", "url", "network", "source", "link", "at"}` and, once the link is in the
file, `{"event": "written", "url", "network", "at"}`. Secrets are never part of a line.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from sitegen.errors import SocialError
from sitegen.runbook.records import resolve_state_dir

__all__ = ["Journal", "journal_path", "resolve_state_dir"]


def journal_path(state_dir: Path, site_root: Path) -> Path:
    key = hashlib.sha256(str(site_root.resolve()).encode()).hexdigest()[:20]
    return state_dir / "crosspost" / f"{key}.jsonl"


class Journal:
    """Posts created and links written, for one site; hold it (`with`) for the whole run."""

    def __init__(self, state_dir: Path, site_root: Path) -> None:
        self.path = journal_path(state_dir, site_root)
        self._lock_fd: int | None = None
        self._pending: dict[tuple[str, str], str] = {}
        self._intents: dict[tuple[str, str], str] = {}

    def __enter__(self) -> Journal:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SocialError("another `sitegen crosspost` of this site is running; wait for it to finish",
                              self.path.with_suffix(".lock")) from None
        self._lock_fd = fd
        self._pending, self._intents = self._read()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _read(self) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
        pending: dict[tuple[str, str], str] = {}
        intents: dict[tuple[str, str], str] = {}
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return pending, intents
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                ident = (str(entry["url"]), str(entry["network"]))
            except (ValueError, KeyError, TypeError):
                # A line cut short by a crash while it was written: the post it would name was
                # not answered yet either (the line is written first), so nothing is lost.
                if number == len(text.splitlines()):
                    continue
                raise SocialError("the crosspost journal is damaged; move it aside to start afresh",
                                  self.path, number) from None
            event = entry.get("event")
            if event == "intent" and isinstance(entry.get("rkey"), str):
                intents[ident] = entry["rkey"]
            elif event == "posted" and isinstance(entry.get("link"), str):
                pending[ident] = entry["link"]
                intents.pop(ident, None)
            elif event == "written":
                pending.pop(ident, None)
        return pending, intents

    def posted_link(self, url: str, network: str) -> str | None:
        """The link of a post created by an earlier run whose link never reached the file."""
        return self._pending.get((url, network))

    def _append(self, entry: dict[str, str]) -> None:
        entry = {**entry, "at": datetime.now(UTC).isoformat(timespec="seconds")}
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def intended_key(self, url: str, network: str) -> str | None:
        """The record key an earlier run was about to create when it stopped (Bluesky)."""
        return self._intents.get((url, network))

    def record_intent(self, url: str, network: str, source: str, rkey: str) -> None:
        self._append({"event": "intent", "url": url, "network": network, "source": source, "rkey": rkey})
        self._intents[(url, network)] = rkey

    def record_posted(self, url: str, network: str, source: str, link: str) -> None:
        self._append({"event": "posted", "url": url, "network": network, "source": source, "link": link})
        self._pending[(url, network)] = link
        self._intents.pop((url, network), None)

    def record_written(self, url: str, network: str) -> None:
        self._append({"event": "written", "url": url, "network": network})
        self._pending.pop((url, network), None)
