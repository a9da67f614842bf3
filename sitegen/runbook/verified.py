"""Write a runbook's verification record into its site after each step (see sitegen.verification).

Zero configuration: a runbook inside a site (a folder above it holds sitegen.toml) records
into that site, beside the runbook unless `[runbooks] verified_dir` names a folder. A runbook
outside any site records nothing here (its run records under the state dir still exist).
`SITEGEN_VERIFIED=off` turns recording off, e.g. for test suites that run a checkout's
runbooks and must leave it unchanged.

Only the executor's redacted step events reach the writer, and it keeps only the fields the
format publishes: host names, never SSH destinations; no output, environment or home paths.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sitegen import __version__, verification
from sitegen.config import CONFIG_NAME, load_config
from sitegen.errors import RunbookError, SitegenError
from sitegen.runbook.model import Runbook

Event = Mapping[str, Any]


def find_site(path: Path) -> Path | None:
    """The nearest folder above `path` that holds sitegen.toml, or None."""
    for folder in path.parents:
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


class VerificationWriter:
    """Keeps one runbook's record current: after every finished step, the file is rewritten whole."""

    def __init__(self, path: Path, runbook_rel: str, step_names: list[str]) -> None:
        self.path = path
        self.runbook_rel = runbook_rel
        self.step_names = step_names
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = None
        except (OSError, UnicodeDecodeError) as exc:
            raise RunbookError(f"cannot read the verification record: {exc}", path) from None
        self.record = verification.loads(text, path) if text is not None else {}

    def __call__(self, event: Event) -> None:
        if event.get("event") != "step" or not event.get("step"):
            return
        outcome = verification.outcome_from_event(event, __version__)
        self.record = verification.record_step(self.record, str(event["step"]), str(event.get("status")), outcome)
        self._write(verification.dumps(self.record, self.runbook_rel, self.step_names))

    def _write(self, text: str) -> None:
        try:
            if self.path.read_text(encoding="utf-8") == text:
                return
        except (OSError, UnicodeDecodeError):
            pass
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed: a run killed mid-write never leaves half a record to commit.
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path)


def writer_for(runbook: Runbook, environ: Mapping[str, str]) -> VerificationWriter | None:
    """The writer for this runbook's site record, or None when it lives in no site (or it is off)."""
    if environ.get("SITEGEN_VERIFIED", "").lower() in ("off", "0", "no", "false"):
        return None
    path = runbook.path.resolve()
    site = find_site(path)
    if site is None:
        return None
    try:
        config = load_config(site)
    except SitegenError as exc:
        raise RunbookError(f"cannot tell where to record verification: {exc}") from None
    target = verification.record_path(path, site, config.verified_dir)
    try:
        rel = path.relative_to(site).as_posix()
    except ValueError:
        rel = path.name
    return VerificationWriter(target, rel, [s.name for s in runbook.steps])


def with_verification(record: Callable[[Event], None], runbook: Runbook,
                      environ: Mapping[str, str]) -> Callable[[Event], None]:
    """`record`, plus the site's verification record when the runbook lives in a site."""
    writer = writer_for(runbook, environ)
    if writer is None:
        return record

    def both(event: Event) -> None:
        record(event)
        writer(event)

    return both
