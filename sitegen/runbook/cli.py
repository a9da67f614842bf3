"""`sitegen run`: the command-line face of the runbook subsystem.

The main CLI calls `configure(subparser)` and `execute(args)`; `python -m sitegen.runbook`
does the same with its own parser. User mistakes raise SitegenError (one line, exit 1); a
failing step's exit code is returned; an interrupted run returns 130.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sitegen.errors import RunbookError, SitegenError
from sitegen.runbook import fingerprint
from sitegen.runbook.model import LOCAL, Host, Runbook, Step, normalise_arch
from sitegen.runbook.plan import (
    PlannedStep,
    Problem,
    Selection,
    Values,
    accept_arches,
    bind,
    condition_holds,
    override_hosts,
    parse_assignments,
    require_steps,
    resolve_values,
    rollback_plan,
    select_steps,
    value_problems,
)
from sitegen.runbook.redact import Redactor
from sitegen.runbook.runners import Runner

if TYPE_CHECKING:
    from sitegen.runbook.records import ResumePoint

RunnerFactory = Callable[[Host], Runner]
"""Builds the runner for a host; tests pass one that returns FakeRunners."""

EXIT_INTERRUPTED = 130


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `sitegen run`'s arguments to an argparse (sub)parser."""
    parser.add_argument("run_file", metavar="FILE", help="the runbook (a Markdown file)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--list", dest="run_list", action="store_true",
                      help="list steps with their host, arch, needs and flags")
    mode.add_argument("--dry-run", "-n", dest="run_dry_run", action="store_true",
                      help="show the resolved plan (secrets masked); execute nothing")
    mode.add_argument("--check", dest="run_check", action="store_true",
                      help="run only the preflight checks")
    parser.add_argument("--step", dest="run_steps", action="append", default=[], metavar="NAME",
                        help="run this step and the steps it needs (repeatable)")
    parser.add_argument("--no-deps", dest="run_no_deps", action="store_true",
                        help="with --step, do not pull in the steps it needs")
    parser.add_argument("--from", dest="run_from", metavar="NAME", help="start at this step")
    parser.add_argument("--until", dest="run_until", metavar="NAME", help="stop after this step")
    parser.add_argument("--resume", dest="run_resume", action="store_true",
                        help="continue after the last successful step of the previous failed run "
                             "(refused when its values, hosts or finished steps differ)")
    parser.add_argument("--yes", "-y", dest="run_yes", action="store_true",
                        help="answer yes to steps marked confirm")
    parser.add_argument("--var", dest="run_vars", action="append", default=[], metavar="NAME=VALUE",
                        help="set a variable (wins over $SITEGEN_VAR_NAME and the front matter default)")
    parser.add_argument("--host", dest="run_hosts", action="append", default=[], metavar="NAME=DEST",
                        help="point a declared host at another SSH destination")
    parser.add_argument("--accept-arch", dest="run_accept_arch", action="append", default=[], metavar="NAME",
                        help="use host NAME whatever its architecture (staging on another arch); "
                             "steps with arch= still refuse it")
    parser.add_argument("--secrets-file", dest="run_secrets_file", metavar="FILE",
                        help="NAME=VALUE lines for secrets; must be mode 0600")
    parser.add_argument("--ssh-config", dest="run_ssh_config", metavar="FILE",
                        help="ssh_config to use (ssh -F); default: $SITEGEN_SSH_CONFIG, else ssh's own")
    parser.add_argument("--state-dir", dest="run_state_dir", metavar="DIR",
                        help="where run records live (default: $XDG_STATE_HOME/sitegen)")
    parser.add_argument("--json", dest="run_json", action="store_true", help="print one JSON event per line")


class HostPool:
    """One runner per host for the whole run, so SSH connections are shared between steps."""

    def __init__(self, runbook: Runbook, environ: Mapping[str, str], ssh_config: str | None,
                 factory: RunnerFactory | None = None) -> None:
        self.runbook = runbook
        self.environ = dict(environ)
        self.ssh_config = ssh_config
        self.factory = factory
        self.runners: dict[str, Runner] = {}
        self._control: Path | None = None
        self._config: Path | None = None
        self.hold_fds: tuple[int, ...] = ()
        """The run's lock, for local jobs to hold while they live (see reaper.py)."""

    def __call__(self, name: str) -> Runner:
        if name not in self.runners:
            self.runners[name] = self._make(self.runbook.host(name))
        return self.runners[name]

    def _make(self, host: Host) -> Runner:
        if self.factory is not None:
            return self.factory(host)
        from sitegen.runbook import reach

        if host.is_local:
            from sitegen.runbook.runners import LocalRunner

            # Local steps reach the declared hosts through the run's own ssh configuration.
            env = {**self.environ, **reach.local_env(self._ssh_hosts(), self._ssh_config())} \
                if self._ssh_hosts() else self.environ
            return LocalRunner(env, base_dir=self.runbook.root, hold_fds=self.hold_fds)
        from sitegen.runbook.ssh import SSHRunner

        return SSHRunner(host, self._control_dir(), str(self._ssh_config()), environ=self.environ,
                         destination=reach.destination(host))

    def _ssh_hosts(self) -> list[Host]:
        return [h for h in self.runbook.hosts.values() if not h.is_local]

    def _control_dir(self) -> Path:
        from sitegen.runbook.ssh import control_dir

        if self._control is None:
            self._control = control_dir()
        return self._control

    def _ssh_config(self) -> Path:
        """sitegen's ssh_config for this run (aliases, shared connection, then the user's)."""
        from sitegen.runbook import reach

        if self._config is None:
            self._config = reach.write_config(self.runbook.hosts, self._control_dir(), self.ssh_config)
        return self._config

    def close(self) -> None:
        for runner in self.runners.values():
            runner.close()
        if self._control is not None:
            shutil.rmtree(self._control, ignore_errors=True)


def read_secrets_file(path: str | Path) -> dict[str, str]:
    """NAME=VALUE lines (`export` and quotes allowed); refused unless only its owner can read it."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise RunbookError(f"--secrets-file: cannot read it: {exc.strerror}", path) from exc
    if mode & 0o077:
        raise RunbookError(
            f"--secrets-file: mode {mode & 0o777:04o} lets other users read it; run chmod 600 {path}", path
        )
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        # Say which line, never what is on it.
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise RunbookError("--secrets-file: not UTF-8 text", path, line) from exc
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            # The line may hold a secret: say where, never what.
            raise RunbookError("--secrets-file: expected NAME=VALUE", path, number)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def _terminal_prompt(name: str, secret: bool) -> str | None:
    import getpass

    if secret:
        answer = getpass.getpass(f"{name} (secret): ")
    else:
        sys.stderr.write(f"{name}: ")
        sys.stderr.flush()
        answer = sys.stdin.readline().rstrip("\n")
    return answer or None


def _terminal_ask(question: str) -> bool:
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def _static_plan(
    runbook: Runbook, selection: Selection, values: Values
) -> tuple[list[PlannedStep], list[Problem], dict[str, str | None]]:
    """Bind hosts from declared facts only (no connection), for --list and --dry-run."""
    arches: dict[str, str | None] = {LOCAL: normalise_arch(platform.machine())}
    arches.update({name: host.arch for name, host in runbook.hosts.items()})
    selected = select_steps(runbook, selection)
    plan, problems = bind(runbook, [*selected, *rollback_plan(runbook, selected)], arches, values, unprobed=True)
    problems += [Problem(p.step.include_error, p.name, p.step.line) for p in plan if p.step.include_error]
    return plan, problems, arches


def _preflight_error(runbook: Runbook, problems: list[Problem]) -> RunbookError:
    count = len(problems)
    lines = [f"preflight found {count} problem{'s' if count != 1 else ''}; nothing was run:"]
    lines += [f"  {p.render(str(runbook.path))}" for p in problems]
    return RunbookError("\n".join(lines))


def execute(
    args: argparse.Namespace,
    *,
    environ: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    interactive: bool | None = None,
    runner_factory: RunnerFactory | None = None,
) -> int:
    """Run `sitegen run` with parsed arguments; returns the exit code.

    `environ`, `out`, `interactive` and `runner_factory` default to the real process's; tests
    pass their own.
    """
    environ = dict(os.environ) if environ is None else dict(environ)
    out = out or sys.stdout
    if interactive is None:
        interactive = sys.stdin.isatty()
    redact = Redactor()
    try:
        return _execute(args, environ, out, interactive, runner_factory, redact)
    except SitegenError as exc:
        # Errors are printed by the caller; make sure no secret value rides along.
        exc.message = redact(exc.message)
        exc.args = (exc.message,)
        raise
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _execute(args: argparse.Namespace, environ: dict[str, str], out: TextIO, interactive: bool,
             runner_factory: RunnerFactory | None, redact: Redactor) -> int:
    from sitegen.runbook.parse import load_runbook

    # SIGTERM and SIGHUP should unwind like Ctrl-C (closing connections, releasing the lock)
    # outside the step loop too; inside it the executor installs its own handlers.
    previous: dict[int, object] = {}
    if sys.platform != "win32" and _is_main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            previous[sig] = signal.signal(sig, signal.default_int_handler)
    try:
        runbook = accept_arches(override_hosts(require_steps(load_runbook(args.run_file)), args.run_hosts),
                                args.run_accept_arch)
        selection = Selection(tuple(args.run_steps), args.run_from, args.run_until, args.run_no_deps)
        if args.run_resume and (selection.steps or selection.start or selection.until):
            raise RunbookError("--resume repeats the previous run's selection: drop --step/--from/--until")
        if args.run_list:
            from sitegen.runbook.output import list_table

            plan, _, _ = _static_plan(runbook, selection, Values())
            print(list_table(runbook, plan), file=out)
            return 0

        cli_vars = parse_assignments(args.run_vars, "--var")
        secrets_file = read_secrets_file(args.run_secrets_file) if args.run_secrets_file else None
        prompt = _terminal_prompt if interactive and not args.run_dry_run else None
        values = resolve_values(runbook, cli_vars, environ, secrets_file, prompt)
        redact.add(values.secrets.values())
        if args.run_dry_run:
            plan, problems, arches = _static_plan(runbook, selection, values)
            from sitegen.runbook.output import dry_run_text

            print(dry_run_text(runbook, plan, values, arches, [*value_problems(runbook, values), *problems]),
                  file=out)
            return 0
        return _run(args, runbook, selection, values, environ, out, interactive, runner_factory)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


def _run(args: argparse.Namespace, runbook: Runbook, selection: Selection, values: Values,
         environ: dict[str, str], out: TextIO, interactive: bool,
         runner_factory: RunnerFactory | None) -> int:
    from sitegen.runbook.executor import Executor, RunOptions
    from sitegen.runbook.output import HumanReporter, JsonReporter
    from sitegen.runbook.preflight import run_preflight
    from sitegen.runbook.records import (
        Recorder,
        RunLock,
        read_events,
        records_path,
        resolve_state_dir,
        resume_point,
    )
    from sitegen.runbook.verified import with_verification

    emit = JsonReporter(out) if args.run_json else HumanReporter(out)
    ssh_config = args.run_ssh_config or environ.get("SITEGEN_SSH_CONFIG") or None
    pool = HostPool(runbook, environ, ssh_config, runner_factory)
    can_confirm = args.run_yes or interactive
    try:
        if args.run_check:
            selected = _apply_conditions(select_steps(runbook, selection), values, emit)
            report = run_preflight(runbook, [*selected, *rollback_plan(runbook, selected)], values, pool,
                                   can_confirm=can_confirm)
            if report.problems:
                raise _preflight_error(runbook, report.problems)
            hosts = sorted({p.host for p in report.plan if p.host})
            text = f"preflight ok: {len(report.plan)} steps on {', '.join(hosts)}"
            emit({"event": "message", "text": text})
            return 0

        state_dir = resolve_state_dir(args.run_state_dir, environ)
        with RunLock(state_dir, runbook.path) as lock:
            pool.hold_fds = (lock.fileno(),)
            record_file = records_path(state_dir, runbook.path)
            done: dict[str, str] = {}
            point = None
            if args.run_resume:
                point = resume_point(read_events(record_file), str(runbook.path))
                # Values and declared hosts are known now; probed architectures after preflight.
                _refuse_changed_inputs(runbook, point, values, {n: h.arch for n, h in runbook.hosts.items()})
                selection = Selection.from_json(point.selection)
                done = point.done
            steps = [s for s in select_steps(runbook, selection) if s.name not in done]
            steps = _apply_conditions(steps, values, emit)
            # Rollback steps are checked with the rest, so a failure never finds them broken.
            handlers = {s.name for s in rollback_plan(runbook, steps)}
            report = run_preflight(runbook, [*steps, *rollback_plan(runbook, steps)], values, pool,
                                   can_confirm=can_confirm)
            if report.problems:
                raise _preflight_error(runbook, report.problems)
            if point is not None:
                _refuse_changed_inputs(runbook, point, values, report.arches)
            covered = {s.name for s in steps} | set(done) | runbook.rollback_steps
            options = RunOptions(
                yes=args.run_yes,
                ask=_terminal_ask if interactive else None,
                selection=selection.to_json(),
                resumed_from=point.run_id if point else None,
                done=done,
                complete=covered >= {s.name for s in runbook.steps},
                inputs=fingerprint.inputs(runbook, values, report.arches),
            )
            runners = {p.host: pool(p.host) for p in report.plan if p.host}
            record = with_verification(Recorder(record_file), runbook, environ)
            plan = [p for p in report.plan if p.name not in handlers]
            rollbacks = {p.name: p for p in report.plan if p.name in handlers}
            executor = Executor(runbook, plan, runners, values, report.arches, emit=emit,
                                record=record, options=options, rollbacks=rollbacks)
            return executor.run()
    finally:
        pool.close()


def _apply_conditions(steps: list[Step], values: Values, emit: Callable[[dict[str, Any]], None]) -> list[Step]:
    """Drop the steps whose `if=` does not hold, and say which."""
    kept = [s for s in steps if condition_holds(s, values.vars)]
    for step in steps:
        if step not in kept:
            emit({"event": "message", "text": f"{step.name}: skipped, if={step.only_if} does not hold"})
    return kept


def _refuse_changed_inputs(runbook: Runbook, point: ResumePoint, values: Values,
                           arches: Mapping[str, str | None]) -> None:
    """--resume continues a run only in the world it stopped in: the same values, the same
    hosts under the finished steps, the same text of those steps."""
    found = fingerprint.differences(point.inputs, point.done, runbook, values, arches)
    if found:
        raise RunbookError(
            f"--resume: run {point.run_id} ran with other inputs: {'; '.join(found)}. "
            "Its finished steps would not match what the rest runs with: start over without --resume "
            "(or pick the first step to run with --from)",
            runbook.path,
        )


def _is_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
