"""Verification records: which runbook steps last ran clean, where, and with what text.

`sitegen run` writes one small JSON file per runbook (the writer lives in
sitegen/runbook/verified.py); the build reads it to show a card on every step and
`sitegen check --drift` reads it to fail when a step changed since it last ran clean.
This module is the format and the pure logic both sides share: no I/O beyond what the
caller hands in, importable by the site core without the runbook package.

Where the file lives: beside the runbook, `deploy.md` → `deploy.verified.json`; with
`[runbooks] verified_dir = "verified"` in sitegen.toml, under that folder of the site at the
runbook's path relative to the site (`verified/infra/deploy.json`).

The file is meant to be committed, so it holds only what is safe to publish and diffs well:
keys sorted, one field per line, no output, no environment, no paths outside the site.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from sitegen.errors import SitegenError

FORMAT = "sitegen-verification/1"
"""Value of the file's `format` key; a reader refuses other formats rather than guess."""

SUFFIX = ".verified.json"
"""Appended to a runbook's stem when the record sits beside it."""

OUTCOME_FIELDS = ("arch", "duration", "exit_code", "finished", "hash", "host", "sitegen")
"""What one outcome keeps; anything else in a step event (output, messages) stays private."""


def step_hash(lang: str, attrs: Mapping[str, str | bool], script: str) -> str:
    """The hash of what a step does: language, attributes and script (or included file text).

    `Step.content_hash` (what ran) and the renderer (what the page shows) both call this, so
    a card can tell whether the text on the page is the text that last ran clean.
    """
    blob = json.dumps({"lang": lang, "attrs": dict(sorted(attrs.items())), "script": script}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def record_path(runbook: Path, site_root: Path | None = None, verified_dir: str = "") -> Path:
    """Where a runbook's record lives. Paths should be resolved (a symlinked page and its
    target must agree); a runbook outside `site_root` always keeps its record beside it."""
    if verified_dir and site_root is not None:
        try:
            rel = runbook.relative_to(site_root)
        except ValueError:
            pass
        else:
            return site_root / verified_dir / rel.with_suffix(".json")
    return runbook.with_name(runbook.stem + SUFFIX)


class Outcome(NamedTuple):
    """One finished run of one step, as published."""

    hash: str
    """`step_hash` of the step that ran."""
    host: str
    """The host's name in the runbook (`web`, `local`), never its address."""
    arch: str
    """Architecture the step ran on (`aarch64`); empty when unknown."""
    exit_code: int
    finished: str
    """UTC time the step finished, ISO 8601 to the second (`2026-12-01T09:30:00Z`)."""
    duration: float
    """Seconds, to the hundredth."""
    sitegen: str
    """sitegen version that ran it."""

    def to_json(self) -> dict[str, Any]:
        return dict(self._asdict())

    @property
    def date(self) -> str:
        return self.finished[:10]


class StepRecord(NamedTuple):
    """What the record says about one step."""

    clean: Outcome | None = None
    """The last run that finished with exit status 0."""
    failed: Outcome | None = None
    """A run that failed after `clean` (or with no clean run at all); None once it runs clean again."""


Record = dict[str, StepRecord]
"""Step name → what is known about it."""


def iso_utc(text: str) -> str:
    """`2026-12-01T09:30:00.123+00:00` → `2026-12-01T09:30:00Z` (what the file stores)."""
    from datetime import UTC, datetime

    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def outcome_from_event(event: Mapping[str, Any], version: str) -> Outcome:
    """A step event of the executor (already redacted) → what the record publishes."""
    return Outcome(
        hash=str(event.get("hash") or ""),
        host=str(event.get("host") or ""),
        arch=str(event.get("arch") or ""),
        exit_code=int(event.get("exit_code") or 0) if event.get("exit_code") is not None else -1,
        finished=iso_utc(str(event.get("ended") or "")),
        duration=round(float(event.get("duration") or 0.0), 2),
        sitegen=version,
    )


def record_step(record: Record, name: str, status: str, outcome: Outcome) -> Record:
    """The record after one step finished with `status` (ok, failed, interrupted, skipped…).

    A skipped step (`creates=`/`unless=`) did not run its text, so it proves nothing and
    changes nothing; anything but ok or skipped is a failure.
    """
    if status == "skipped":
        return record
    updated = dict(record)
    previous = record.get(name, StepRecord())
    if status == "ok":
        updated[name] = StepRecord(clean=outcome)
    else:
        updated[name] = StepRecord(clean=previous.clean, failed=outcome)
    return updated


def dumps(record: Record, runbook: str, keep: Iterable[str] | None = None) -> str:
    """The record file's text: deterministic, sorted, one field per line, newline at the end.

    `keep` (the runbook's current step names) drops steps that no longer exist.
    """
    names = set(keep) if keep is not None else None
    steps: dict[str, Any] = {}
    for name in sorted(record):
        if names is not None and name not in names:
            continue
        entry = record[name]
        value = {k: v.to_json() for k, v in (("clean", entry.clean), ("failed", entry.failed)) if v is not None}
        if value:
            steps[name] = value
    data = {"format": FORMAT, "runbook": runbook, "steps": steps}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def loads(text: str, source: str | Path = "<record>") -> Record:
    """Parse a record file; a SitegenError naming the file (and line) when it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SitegenError(f"not a verification record: invalid JSON: {exc.msg}", source, exc.lineno) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise SitegenError(f"not a verification record: format is {found!r}, expected {FORMAT!r}", source, 1)
    steps = data.get("steps")
    if not isinstance(steps, dict):
        raise SitegenError("verification record: `steps` must be an object", source)
    record: Record = {}
    for name, entry in steps.items():
        if not isinstance(entry, dict):
            raise SitegenError(f"verification record: step {name!r} must be an object", source)
        record[str(name)] = StepRecord(
            clean=_outcome(entry.get("clean"), name, source), failed=_outcome(entry.get("failed"), name, source)
        )
    return record


def _outcome(raw: Any, name: str, source: str | Path) -> Outcome | None:
    if raw is None:
        return None
    try:
        return Outcome(
            hash=str(raw["hash"]),
            host=str(raw.get("host", "")),
            arch=str(raw.get("arch", "")),
            exit_code=int(raw.get("exit_code", 0)),
            finished=str(raw["finished"]),
            duration=float(raw.get("duration", 0.0)),
            sitegen=str(raw.get("sitegen", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise SitegenError(
            f"verification record: step {name!r} needs `hash` and `finished` in each outcome", source
        ) from None


# -- what a page shows ---------------------------------------------------------------------

VERIFIED, DRIFT, NEVER = "verified", "drift", "never"


class StepState(NamedTuple):
    """A step's card, worked out from the page's current text and the record."""

    name: str
    state: str
    """`verified`, `drift` (changed since it last ran clean) or `never` (never ran clean)."""
    clean: Outcome | None
    failed: Outcome | None

    @property
    def verified_at(self) -> str:
        """When it last ran clean (ISO 8601), or empty; drifted steps keep their old date."""
        return self.clean.finished if self.clean else ""


def step_states(names: Iterable[str], hashes: Iterable[str], record: Record) -> tuple[StepState, ...]:
    """Each step's state: verified when its current hash is the one that last ran clean."""
    states = []
    for name, current in zip(names, hashes, strict=True):
        entry = record.get(name, StepRecord())
        failed = entry.failed
        if entry.clean is None:
            state = NEVER
        elif entry.clean.hash == current:
            state = VERIFIED
        else:
            state = DRIFT
        # A failure of some older text is not news about this text.
        if failed is not None and failed.hash != current:
            failed = None
        states.append(StepState(name, state, entry.clean, failed))
    return tuple(states)


class Summary(NamedTuple):
    """The page header's line about its steps."""

    verified: int
    drifted: int
    never: int
    last: str
    """When the most recent clean run of a still-verified step finished (ISO 8601), or empty."""

    @property
    def total(self) -> int:
        return self.verified + self.drifted + self.never

    @property
    def all_verified(self) -> bool:
        return self.total > 0 and self.verified == self.total

    @property
    def text(self) -> str:
        if self.all_verified:
            steps = "step" if self.total == 1 else f"all {self.total} steps"
            return f"{steps.capitalize()} verified, last on {self.last[:10]}"
        parts = []
        if self.verified:
            parts.append(f"{self.verified} verified")
        if self.drifted:
            parts.append(f"{self.drifted} changed since {'it' if self.drifted == 1 else 'they'} last ran clean")
        if self.never:
            parts.append(f"{self.never} never run")
        return f"{self.total} step{'s' if self.total != 1 else ''}: " + ", ".join(parts)


def summarise(states: Iterable[StepState]) -> Summary:
    states = list(states)
    verified = [s for s in states if s.state == VERIFIED]
    return Summary(
        verified=len(verified),
        drifted=sum(1 for s in states if s.state == DRIFT),
        never=sum(1 for s in states if s.state == NEVER),
        last=max((s.verified_at for s in verified), default=""),
    )


def _where(outcome: Outcome) -> str:
    host = html.escape(outcome.host or "?")
    return f"{host} ({html.escape(outcome.arch)})" if outcome.arch else host


def _time(outcome: Outcome) -> str:
    return f'<time datetime="{html.escape(outcome.finished)}">{html.escape(outcome.date)}</time>'


def card_html(state: StepState) -> str:
    """The status line inside a step's caption; words carry the meaning, colour only helps."""
    if state.state == VERIFIED and state.clean is not None:
        text = f"verified {_time(state.clean)} on {_where(state.clean)}"
    elif state.state == DRIFT and state.clean is not None:
        text = f"changed since it last ran clean, {_time(state.clean)} on {_where(state.clean)}"
    elif state.failed is not None:
        text = "never ran clean"
    else:
        text = "never run"
    if state.failed is not None:
        text += f"; last run failed {_time(state.failed)} (exit {state.failed.exit_code})"
    return f'<span class="step-status step-status-{state.state}">{text}</span>'


def apply_cards(body: str, states: Iterable[StepState]) -> str:
    """Put each step's state into its rendered `<figure class="step" data-step="NAME">`.

    Runs on the cached body HTML at view time, so a new record never re-renders Markdown:
    the figure gains `data-verified`/`data-drift` and its caption a status line.
    """
    for state in states:
        marker = f'data-step="{html.escape(state.name)}"'
        start = body.find(marker)
        if start == -1:
            continue
        drift = "true" if state.state == DRIFT else "false"
        attrs = f'{marker} data-verified="{html.escape(state.verified_at)}" data-drift="{drift}"'
        body = body[:start] + attrs + body[start + len(marker):]
        close = body.find("</figcaption>", start)
        if close != -1:
            body = body[:close] + " " + card_html(state) + body[close:]
    return body


def contains_secret(text: str, secrets: Mapping[str, str]) -> str | None:
    """The name of the first secret whose value appears in `text`, or None."""
    for name, value in secrets.items():
        if value and value in text:
            return name
    return None


class PageVerification(NamedTuple):
    """`page.verification` in templates: every step's state and the header's summary."""

    steps: tuple[StepState, ...]
    summary: Summary

    @classmethod
    def of(cls, states: tuple[StepState, ...]) -> PageVerification:
        return cls(states, summarise(states))

    @property
    def state(self) -> str:
        """The page's overall state, for a class name: verified, drift or never."""
        if self.summary.all_verified:
            return VERIFIED
        return DRIFT if self.summary.drifted else NEVER

    @property
    def text(self) -> str:
        return self.summary.text
