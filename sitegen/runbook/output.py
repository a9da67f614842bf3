"""How runs look: live `[step@host]` lines for people, one JSON event per line for machines,
and the tables and plans of --list and --dry-run."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from sitegen.runbook.model import Runbook, format_seconds
from sitegen.runbook.plan import VAR_PREFIX, PlannedStep, Problem, Values, condition_holds
from sitegen.runbook.redact import MASK, Redactor


class JsonReporter:
    """--json: every event as one line of JSON on stdout.

    Events arrive with their text fields masked (Redactor.event); the line is not masked again,
    which would rewrite statuses, hashes and times that happen to equal a secret.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, event: Mapping[str, Any]) -> None:
        self.out.write(json.dumps(event, ensure_ascii=False) + "\n")
        self.out.flush()


class HumanReporter:
    """Terminal output: each output line prefixed `[step@host]`, one line per step result."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, event: Mapping[str, Any]) -> None:
        kind = event.get("event")
        text = self._format(kind, event)
        if text is not None:
            self.out.write(text + "\n")
            self.out.flush()

    def _format(self, kind: Any, e: Mapping[str, Any]) -> str | None:
        where = f"{e.get('step')}@{e.get('host')}"
        if kind == "output":
            return f"[{where}] {e['line']}"
        if kind == "run-start":
            count = len(e.get("steps", []))
            resumed = f", resuming run {e['resumed_from']}" if e.get("resumed_from") else ""
            return f"==> {e['runbook']}: {count} step{'s' if count != 1 else ''} (run {e['run_id']}{resumed})"
        if kind == "step-start":
            arch = f" ({e['arch']})" if e.get("arch") else ""
            return f"==> {where}{arch}"
        if kind == "retry":
            return (f"==> {where}: attempt {e['attempt'] - 1} failed ({e.get('reason')}); "
                    f"retrying in {format_seconds(e['delay'])} ({e['attempt']}/{e['of']})")
        if kind == "step":
            took = format_seconds(e.get("duration") or 0.0)
            status = e.get("status")
            if status == "ok":
                return f"==> {where}: ok in {took}"
            if status == "skipped":
                return f"==> {where}: skipped, {e.get('message')}"
            return f"==> {where}: {status}: {e.get('message')} (after {took})"
        if kind == "run-end":
            status = e.get("status")
            if status == "ok":
                return f"==> done in {format_seconds(e.get('duration') or 0.0)}"
            if status == "interrupted":
                return "==> interrupted; continue later with --resume"
            stopped = f"==> stopped: step {e.get('failed_step')!r} failed with exit code {e.get('exit_code')}"
            if e.get("rolled_back"):
                how = "rolled back" if e.get("rollback_ok") else "ROLLBACK FAILED"
                return (f"{stopped}; {how} with {', '.join(e['rolled_back'])}; "
                        "fix it and run again (--resume starts at the rolled-back steps)")
            return f"{stopped}; fix it and continue with --resume"
        if kind == "rollback":
            return (f"==> rolling back with {e.get('step')!r} because {e.get('failed_step')!r} failed "
                    f"(exit code {e.get('exit_code')})")
        if kind == "message":
            return f"==> {e.get('text')}"
        return None


def list_table(runbook: Runbook, plan: Sequence[PlannedStep]) -> str:
    """--list: step, host, arch, needs and flags, one row per step."""
    rows = [("STEP", "HOST", "ARCH", "NEEDS", "FLAGS")]
    for planned in plan:
        step = planned.step
        host = planned.host or "|".join(planned.candidates) or "?"
        arch = step.arch or (runbook.host(planned.host).arch if planned.host else None) or "-"
        rows.append((step.name, host, arch, ",".join(step.needs) or "-", " ".join(step.flags()) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows
    )


def dry_run_text(
    runbook: Runbook,
    plan: Sequence[PlannedStep],
    values: Values,
    arches: Mapping[str, str | None],
    problems: Sequence[Problem],
) -> str:
    """--dry-run: hosts, values (secrets masked) and each step's script, as it would run."""
    redact = Redactor(values.secrets.values())
    out = [f"Runbook {runbook.path} (sha256 {runbook.content_hash[:12]})", "", "Hosts:"]
    used = {p.host for p in plan if p.host}
    for name in ["local", *runbook.hosts]:
        host = runbook.host(name)
        if name == "local" and name not in used:
            continue
        arch = arches.get(name) or "arch from uname -m at run time"
        out.append(f"  {name:<10} {host.ssh or 'this machine'} ({arch})")
    if runbook.vars or runbook.secrets:
        out += ["", "Values:"]
        for name in runbook.vars:
            value = values.vars.get(name)
            source = values.sources.get(name, "missing") if value is not None else "missing"
            if name in values.ignored:
                source += f"; ${name} in the environment is not used: set {VAR_PREFIX}{name}"
            shown = f"{value} ({source})" if value is not None else f"({source})"
            out.append(f"  {name}={shown}")
        for name in runbook.secrets:
            source = values.sources.get(name)
            shown = f"{MASK} (secret, {source})" if name in values.secrets else "(missing secret)"
            out.append(f"  {name}={shown}")
    out += ["", "Plan:"]
    for number, planned in enumerate(plan, 1):
        step = planned.step
        host = planned.host or "?"
        if planned.candidates:
            host = f"first of {', '.join(planned.candidates)} that is {step.arch} (by uname -m)"
        details = []
        if planned.cwd:
            details.append(f"cwd={planned.cwd}")
        details += step.flags()
        if step.needs:
            details.append("needs=" + ",".join(step.needs))
        out.append(f"  {number}. {step.name} @ {host}" + (f"  [{' '.join(details)}]" if details else ""))
        if not condition_holds(step, values.vars):
            out.append(f"     left out: if={step.only_if} does not hold")
            continue
        if planned.creates:
            out.append(f"     skip if {planned.creates} exists")
        if step.unless:
            out.append(f"     skip if `{step.unless}` succeeds")
        if step.write:
            out.append(f"     write {planned.write} ({len(step.script.encode())} bytes)"
                       + (f" mode {step.mode:04o}" if step.mode is not None else ""))
        elif step.include_error:
            out.append(f"     (cannot load: {step.include_error})")
        else:
            runner = " ".join(step.interpreter)
            out.append(f"     $ {runner}" + (f"  # {step.shell_prelude}" if step.shell_prelude else ""))
            out += [f"     | {line}" for line in step.script.splitlines()]
    if problems:
        out += ["", "Preflight would report:"]
        out += [f"  {p.render(str(runbook.path))}" for p in problems]
    out.append("")
    out.append("Nothing was executed (dry run).")
    return redact("\n".join(out))
