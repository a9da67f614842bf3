"""Run a checked plan: skip checks, confirmation, retries, timeouts, signals, records.

Every event (start, output line, step result, end) is redacted once here and then handed to
both the reporter (terminal or --json) and the recorder (JSONL), so the two never disagree
and neither ever sees a secret.
"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sitegen.runbook.jobs import Job, creates_job, main_job, step_env, unless_job
from sitegen.runbook.model import Runbook
from sitegen.runbook.plan import PlannedStep, Values
from sitegen.runbook.redact import LiveLines, Redactor
from sitegen.runbook.runners import Cancel, CutLine, Result, Runner, interrupted

Event = dict[str, Any]
TAIL_LINES = 20
"""Output lines kept per step in the record."""

EXIT_INTERRUPTED = 130


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_run_id() -> str:
    """Sortable by time, unique enough for one machine."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]


@dataclass
class RunOptions:
    """How to run, beyond the plan itself."""

    yes: bool = False
    """--yes: confirm steps without asking."""
    ask: Callable[[str], bool] | None = None
    """Asks a yes/no question on the terminal; None when there is none."""
    retry_delay: float = 1.0
    """Seconds before the first retry; doubles per attempt, up to 30."""
    run_id: str = field(default_factory=new_run_id)
    """This run's id."""
    selection: Mapping[str, Any] = field(default_factory=dict)
    """How the steps were selected, recorded for --resume."""
    resumed_from: str | None = None
    """Run id this run resumes."""
    done: Mapping[str, str] = field(default_factory=dict)
    """Steps already done by the resumed run (name → hash); recorded so a second resume works."""
    complete: bool = True
    """Whether this run (with what it resumes) covers every step of the runbook."""
    inputs: Mapping[str, Any] = field(default_factory=dict)
    """What the steps run with (fingerprint.inputs), recorded for the next --resume to compare."""


class Executor:
    """Runs planned steps in order on their hosts' runners."""

    def __init__(
        self,
        runbook: Runbook,
        plan: Sequence[PlannedStep],
        runners: Mapping[str, Runner],
        values: Values,
        arches: Mapping[str, str | None],
        *,
        emit: Callable[[Event], None],
        record: Callable[[Event], None] | None = None,
        options: RunOptions | None = None,
        cancel: Cancel | None = None,
        rollbacks: Mapping[str, PlannedStep] | None = None,
    ) -> None:
        self.runbook = runbook
        self.plan = list(plan)
        self.rollbacks = dict(rollbacks or {})
        """Rollback steps by name, bound to hosts; they run only when a step fails."""
        self.runners = runners
        self.values = values
        self.arches = arches
        self.options = options or RunOptions()
        self.redact = Redactor(values.secrets.values())
        self._emit = emit
        self._record = record
        self._own_cancel = cancel is None
        self.cancel = cancel or Cancel()

    def send(self, event: Event, *, record: bool = False) -> None:
        event = self.redact.event(event)
        self._emit(event)
        if record and self._record is not None:
            self._record(event)

    def run(self) -> int:
        """Run the plan; the exit code is 0, the failing step's code, or 130 when interrupted."""
        previous = self._install_signals()
        try:
            return self._run()
        finally:
            self._restore_signals(previous)
            if self._own_cancel:
                self.cancel.close()

    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous: dict[int, Any] = {}
        # Ctrl-C, a closed terminal and `kill` all stop the run in order: the step's group is
        # stopped, the run recorded, and the exit code says which (130, 129, 143).
        for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda signum, _: self.cancel.set(signal.Signals(signum).name))
        return previous

    @staticmethod
    def _restore_signals(previous: Mapping[int, Any]) -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    def _run(self) -> int:
        opts = self.options
        started = time.monotonic()
        self.send({
            "event": "run-start",
            "run_id": opts.run_id,
            "runbook": str(self.runbook.path.resolve()),
            "runbook_hash": self.runbook.content_hash,
            "started": now_iso(),
            "steps": [p.name for p in self.plan],
            "hosts": {name: (self.runbook.host(name).ssh or "local") for name in self.runners},
            "selection": dict(opts.selection),
            "resumed_from": opts.resumed_from,
            "done": dict(opts.done),
            "inputs": dict(opts.inputs),
        }, record=True)
        status, code, failed = "ok", 0, None
        armed: list[tuple[str, str]] = []
        """(rollback step, the step that armed it), in the order the steps started."""
        for planned in self.plan:
            if self.cancel.is_set():
                status, code = "interrupted", interrupted(self.cancel.reason).exit_code
                break
            handler = planned.step.rollback
            if handler and handler in self.rollbacks and all(h != handler for h, _ in armed):
                armed.append((handler, planned.name))
            result = self._run_step(planned)
            if result.status == "interrupted":
                status, code, failed = "interrupted", result.exit_code or EXIT_INTERRUPTED, planned.name
                break
            if not result:
                status, code, failed = "failed", result.exit_code or 1, planned.name
                break
        rollback: dict[str, Any] = {}
        if status == "failed" and armed:
            rollback = self._roll_back(armed, str(failed), code)
        self.send({
            "event": "run-end",
            "run_id": opts.run_id,
            "status": status,
            "exit_code": code,
            "failed_step": failed,
            "ended": now_iso(),
            "duration": round(time.monotonic() - started, 3),
            "complete": opts.complete and status == "ok",
            **rollback,
        }, record=True)
        return code

    def _roll_back(self, armed: Sequence[tuple[str, str]], failed: str, code: int) -> dict[str, Any]:
        """Run the armed rollback steps, latest first, each told what failed.

        The steps from the earliest arming one up to the failed one are "undone": a --resume
        starts again there, not after them.
        """
        ran: list[str] = []
        ok = True
        for handler, _ in reversed(armed):
            if self.cancel.is_set():
                ok = False
                break
            self.send({"event": "rollback", "run_id": self.options.run_id, "step": handler,
                       "failed_step": failed, "exit_code": code})
            result = self._run_step(self.rollbacks[handler], rollback_for=(failed, code))
            ran.append(handler)
            ok = ok and bool(result)
        names = [p.name for p in self.plan]
        first = min(names.index(step) for _, step in armed)
        undone = names[first : names.index(failed) + 1]
        return {"rolled_back": ran, "rollback_ok": ok, "undone": undone}

    def _run_step(self, planned: PlannedStep, rollback_for: tuple[str, int] | None = None) -> Result:
        step = planned.step
        host = planned.host or "?"
        arch = self.arches.get(host)
        runner = self.runners[host]
        env = step_env(planned, self.values.env(), arch, self.options.run_id)
        base: dict[str, Any] = {"run_id": self.options.run_id, "step": step.name, "host": host, "arch": arch}
        if rollback_for is not None:
            env = {**env, "SITEGEN_FAILED_STEP": rollback_for[0], "SITEGEN_FAILED_EXIT": str(rollback_for[1])}
            base["rollback_for"] = {"step": rollback_for[0], "exit_code": rollback_for[1]}
        elif step.name in self.runbook.rollback_steps:
            # Run by hand (--step): nothing failed, but `set -u` scripts still find the names.
            env = {**env, "SITEGEN_FAILED_STEP": "", "SITEGEN_FAILED_EXIT": ""}
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        started_at, started = now_iso(), time.monotonic()
        self.send({"event": "step-start", **base, "started": started_at})

        def finish(result: Result, status: str | None = None, reason: str | None = None,
                   attempts: int = 0) -> Result:
            self.send({
                "event": "step",
                **base,
                "hash": step.content_hash,
                "started": started_at,
                "ended": now_iso(),
                "duration": round(time.monotonic() - started, 3),
                "exit_code": result.exit_code,
                "status": status or result.status,
                "message": reason or result.message,
                "attempts": attempts,
                "output_tail": list(tail),
            }, record=True)
            return result

        for check in (creates_job(planned, env), unless_job(planned, env)):
            if check is None:
                continue
            outcome = runner.run(check, lambda _line: None, self.cancel, step.timeout)
            if outcome.status == "interrupted":
                return finish(outcome)
            if outcome:
                why = f"{planned.creates} exists" if check.kind == "creates" else "unless= command succeeded"
                return finish(Result(0), "skipped", why)

        if step.confirm and not self.options.yes:
            if self.options.ask is None:
                return finish(Result(1, "refused", "needs confirmation: pass --yes or run it on a terminal"))
            question = f"Run step {step.name!r} on {host} ({runner.describe()})?"
            try:
                agreed = self._ask(question)
            except (KeyboardInterrupt, EOFError):
                self.cancel.set("interrupted")
                return finish(Result(130, "interrupted", "interrupted at the confirmation prompt"))
            if not agreed:
                return finish(Result(1, "declined", "not confirmed; the run stops here"))

        job = main_job(planned, env)
        attempts = step.retries + 1
        result = Result(1, "failed")
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                delay = min(self.options.retry_delay * 2 ** (attempt - 2), 30.0)
                self.send({"event": "retry", **base, "attempt": attempt, "of": attempts,
                           "delay": delay, "reason": result.message})
                if self.cancel.wait(delay):
                    result = interrupted(self.cancel.reason)
                    break
            result = self._attempt(runner, job, base, tail, step.timeout)
            if result or result.status == "interrupted":
                break
        return finish(result, attempts=attempt)

    def _ask(self, question: str) -> bool:
        """Ask with Ctrl-C raising KeyboardInterrupt again: the run-wide handler only sets a
        flag, which a blocked terminal read would never notice."""
        assert self.options.ask is not None
        if threading.current_thread() is not threading.main_thread():
            return self.options.ask(question)
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            return self.options.ask(question)
        finally:
            signal.signal(signal.SIGINT, previous)

    def _attempt(self, runner: Runner, job: Job, base: Mapping[str, Any], tail: deque[str],
                 timeout: float | None) -> Result:
        def show(line: str) -> None:
            tail.append(line)
            self._emit({"event": "output", "step": base["step"], "host": base["host"], "line": line})

        live = LiveLines(self.redact, show)
        try:
            return runner.run(job, lambda line: live.feed(line, continued=isinstance(line, CutLine)),
                              self.cancel, timeout)
        finally:
            live.close()
