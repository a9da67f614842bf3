"""Run records (JSON Lines under the state dir), the per-runbook lock, and resume bookkeeping.

One file per runbook, `<state>/runs/<key>.jsonl`, where key hashes the runbook's absolute
path. Each line is one event: `run-start`, `step` (a finished or skipped step) or `run-end`.
A run with no `run-end` was killed outright and counts as interrupted. `run-start` carries
`done` (steps finished by the runs it resumes) and `inputs` (fingerprint.py: salted value
hashes, hosts' destinations and architectures), which the next --resume checks. The site reads
`last_verified()` to show when a runbook last ran cleanly.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.errors import RunbookError

OK_STATUSES = ("ok", "skipped")
"""Step statuses that count as done for --resume."""


def resolve_state_dir(explicit: str | Path | None, environ: Mapping[str, str]) -> Path:
    """--state-dir, else $XDG_STATE_HOME/sitegen, else ~/.local/state/sitegen."""
    if explicit:
        return Path(explicit).expanduser()
    xdg = environ.get("XDG_STATE_HOME")
    if xdg:
        return Path(xdg) / "sitegen"
    home = environ.get("HOME") or str(Path.home())
    return Path(home) / ".local" / "state" / "sitegen"


def runbook_key(runbook_path: str | Path) -> str:
    """Stable file name for a runbook's records: the same file always maps to the same key."""
    return hashlib.sha256(str(Path(runbook_path).resolve()).encode()).hexdigest()[:20]


def records_path(state_dir: Path, runbook_path: str | Path) -> Path:
    return Path(state_dir) / "runs" / f"{runbook_key(runbook_path)}.jsonl"


def _ensure_dir(path: Path) -> None:
    # Records hold output tails; even redacted, they are nobody else's business.
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


class Recorder:
    """Appends events to a runbook's record file, one JSON object per line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        _ensure_dir(path.parent)

    def __call__(self, event: Mapping[str, Any]) -> None:
        line = (json.dumps(event, sort_keys=True, ensure_ascii=False) + "\n").encode()
        # One write on an O_APPEND descriptor: a crash never leaves half an event mid-file.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def read_events(path: Path) -> list[dict[str, Any]]:
    """All events in a record file; a torn last line (killed mid-write) is ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    events = []
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


@dataclass
class RunSummary:
    """One run, reassembled from its events."""

    run_id: str
    """The run's id."""
    start: dict[str, Any]
    """Its run-start event."""
    steps: list[dict[str, Any]] = field(default_factory=list)
    """Its step events, in order."""
    end: dict[str, Any] | None = None
    """Its run-end event; None if the process died without writing one."""

    @property
    def status(self) -> str:
        return str(self.end.get("status")) if self.end else "interrupted"

    def done(self) -> dict[str, str]:
        """Steps finished in this run or carried over from the run it resumed: name → hash."""
        done = dict(self.start.get("done") or {})
        for step in self.steps:
            # A rollback step's success undoes work rather than completing a step.
            if step.get("status") in OK_STATUSES and not step.get("rollback_for"):
                done[str(step["step"])] = str(step.get("hash"))
        # Steps a rollback undid must run again.
        for name in (self.end or {}).get("undone") or ():
            done.pop(str(name), None)
        return done


def runs(events: list[dict[str, Any]]) -> list[RunSummary]:
    """Group events into runs, oldest first."""
    by_id: dict[str, RunSummary] = {}
    for event in events:
        run_id = str(event.get("run_id"))
        kind = event.get("event")
        if kind == "run-start":
            by_id[run_id] = RunSummary(run_id, event)
        elif run_id in by_id:
            if kind == "step":
                by_id[run_id].steps.append(event)
            elif kind == "run-end":
                by_id[run_id].end = event
    return list(by_id.values())


def last_verified(runbook_path: str | Path, state_dir: str | Path) -> dict[str, Any] | None:
    """The most recent run that ran every step of the runbook successfully, or None.

    `current` says whether the runbook file is still byte-for-byte what that run executed.
    """
    path = Path(runbook_path)
    for run in reversed(runs(read_events(records_path(Path(state_dir), path)))):
        if run.status == "ok" and run.end and run.end.get("complete"):
            try:
                current = hashlib.sha256(path.read_bytes()).hexdigest() == run.start.get("runbook_hash")
            except OSError:
                current = False
            return {
                "run_id": run.run_id,
                "runbook": run.start.get("runbook"),
                "runbook_hash": run.start.get("runbook_hash"),
                "started": run.start.get("started"),
                "ended": run.end.get("ended"),
                "steps": [s["step"] for s in run.steps],
                "hosts": run.start.get("hosts", {}),
                "current": current,
            }
    return None


@dataclass(frozen=True)
class ResumePoint:
    """What --resume carries over from the previous run."""

    run_id: str
    """The run being resumed."""
    done: dict[str, str]
    """Steps already finished: name → content hash."""
    selection: dict[str, Any]
    """The previous run's selection (--step/--from/--until)."""
    inputs: dict[str, Any] | None = None
    """The previous run's fingerprint (fingerprint.inputs); None in records older than that."""


def resume_point(events: list[dict[str, Any]], path: str) -> ResumePoint:
    """Where to continue; a RunbookError (with the reason) when there is nothing to resume.
    Whether the runbook, values and hosts still match is fingerprint.differences' question."""
    history = runs(events)
    if not history:
        raise RunbookError("--resume: this runbook has no previous run to resume", path)
    last = history[-1]
    if last.status == "ok":
        raise RunbookError(f"--resume: the last run ({last.run_id}) succeeded; nothing to resume", path)
    inputs = last.start.get("inputs")
    return ResumePoint(last.run_id, last.done(), dict(last.start.get("selection") or {}),
                       dict(inputs) if isinstance(inputs, dict) else None)


class RunLock:
    """Stops a second concurrent run of the same runbook; the holder's pid is in the file.

    flock is released by the kernel when the process dies, so a crash never leaves a stale lock.
    """

    def __init__(self, state_dir: Path, runbook_path: str | Path) -> None:
        self.path = Path(state_dir) / "runs" / f"{runbook_key(runbook_path)}.lock"
        self.runbook_path = str(runbook_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        _ensure_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise RunbookError(
                f"another run of this runbook is in progress (pid {holder}); wait for it or stop it",
                self.runbook_path,
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def fileno(self) -> int:
        """The locked descriptor: a process that inherits it keeps the runbook locked while
        it lives (each local job's reaper does, so a job outliving sitegen keeps the lock)."""
        if self._fd is None:
            raise ValueError("the lock is not held")
        return self._fd

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
