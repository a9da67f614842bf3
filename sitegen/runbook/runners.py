"""Where jobs execute: the `Runner` protocol, the local runner, and a fake for unit tests.

Every runner streams output line by line, honours a timeout and a cancel signal, and stops
the job's whole process group when either fires. The SSH runner lives in `ssh.py`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from sitegen.runbook.jobs import Job
from sitegen.runbook.model import normalise_arch
from sitegen.runbook.reaper import REAPER

LineSink = Callable[[str], None]
"""Receives each line of a job's output, without its newline."""

GRACE = 5.0
"""Seconds between asking a process group to stop (SIGTERM) and forcing it (SIGKILL)."""

_MAX_LINE = 65536


_STOP_SIGNALS = ("SIGINT", "SIGHUP", "SIGTERM")


class CutLine(str):
    """A piece of an output line longer than _MAX_LINE bytes: the line goes on in the next
    piece. Whoever masks secrets must look across the cut (see redact.LiveLines)."""


@dataclass(frozen=True)
class Result:
    """How a job ended. Truthy when it succeeded."""

    exit_code: int
    """The job's exit code (124 for a timeout, 130 when interrupted, 255 for a lost connection)."""
    status: str = "ok"
    """"ok", "failed", "timeout", "interrupted" or "lost"."""
    message: str | None = None
    """Why it ended, when the exit code alone does not say."""

    def __bool__(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class Probe:
    """What preflight learns about a host."""

    arch: str | None
    """Normalised `uname -m`, or None when the host could not be reached."""
    missing: tuple[str, ...] = ()
    """Requested commands the host does not have."""
    error: str | None = None
    """Why the host could not be reached."""


class Cancel:
    """A flag a signal handler can set, which also wakes a runner waiting in select().

    Writing a byte to a pipe is async-signal-safe, and the pipe's read end sits in the
    runner's selector beside the job's output, so Ctrl-C is seen at once, not at the next poll.
    """

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        os.set_blocking(self._read, False)
        self.reason: str | None = None
        """Why the run is being cancelled: the signal's name ("SIGTERM") or "interrupted";
        None while it is not."""

    def set(self, reason: str = "interrupted") -> None:
        if self.reason is None:
            self.reason = reason
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._write, b"x")

    def is_set(self) -> bool:
        return self.reason is not None

    def fileno(self) -> int:
        return self._read

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, returning early (True) if cancelled."""
        if self.is_set():
            return True
        with selectors.DefaultSelector() as sel:
            sel.register(self._read, selectors.EVENT_READ)
            sel.select(seconds)
        return self.is_set()

    def close(self) -> None:
        for fd in (self._read, self._write):
            with contextlib.suppress(OSError):
                os.close(fd)


class Runner(Protocol):
    """Executes jobs on one host."""

    def describe(self) -> str:
        """Where jobs run, for messages ("this machine", "deploy@web")."""
        ...

    def probe(self, tools: Sequence[str]) -> Probe:
        """Architecture of the host and which of `tools` it lacks."""
        ...

    def run(self, job: Job, on_line: LineSink, cancel: Cancel | None = None,
            timeout: float | None = None) -> Result:
        """Run a job to completion, streaming its output to `on_line`."""
        ...

    def close(self) -> None:
        """Release connections and temporary files."""
        ...


class _LineSplitter:
    """Turns chunks from a pipe into lines; a very long line is cut rather than held forever."""

    def __init__(self, sink: LineSink) -> None:
        self.sink = sink
        self.buffer = b""

    def feed(self, data: bytes) -> None:
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            self._emit(line)
        while len(self.buffer) > _MAX_LINE:
            cut = _MAX_LINE
            # Never cut a UTF-8 character in two (continuation bytes are 0b10xxxxxx).
            while cut > _MAX_LINE - 3 and self.buffer[cut] & 0xC0 == 0x80:
                cut -= 1
            self.sink(CutLine(self.buffer[:cut].decode("utf-8", "replace")))
            self.buffer = self.buffer[cut:]

    def close(self) -> None:
        if self.buffer:
            self._emit(self.buffer)
            self.buffer = b""

    def _emit(self, raw: bytes) -> None:
        self.sink(raw.decode("utf-8", "replace").rstrip("\r"))


def pump(
    proc: subprocess.Popen[bytes],
    streams: Mapping[IO[bytes], LineSink],
    cancel: Cancel | None,
    timeout: float | None,
    stop: Callable[[], None],
    kill: Callable[[], None],
) -> str | None:
    """Stream a process's output until it exits; stop it on timeout or cancel.

    Returns None when the process ended by itself, else "timeout" or "interrupted". `stop`
    asks the job to end (SIGTERM to its group); `kill` forces it GRACE seconds later.
    """
    sel = selectors.DefaultSelector()
    splitters: dict[int, _LineSplitter] = {}
    for stream, sink in streams.items():
        sel.register(stream.fileno(), selectors.EVENT_READ)
        splitters[stream.fileno()] = _LineSplitter(sink)
    if cancel is not None:
        sel.register(cancel.fileno(), selectors.EVENT_READ)
    deadline = time.monotonic() + timeout if timeout is not None else None
    reason: str | None = None
    stopped_at: float | None = None
    killed = False
    exited_at: float | None = None
    try:
        while splitters:
            now = time.monotonic()
            # Wake at least twice a second: a background child that inherited the output pipe
            # keeps it open after the job itself has exited, and that must not hang the run.
            wait = 0.5
            if deadline is not None and reason is None:
                wait = min(wait, max(deadline - now, 0))
            if stopped_at is not None and not killed:
                wait = min(wait, max(stopped_at + GRACE - now, 0))
            for key, _ in sel.select(wait):
                fd = key.fd
                if cancel is not None and fd == cancel.fileno():
                    sel.unregister(fd)
                    if reason is None:
                        reason = cancel.reason or "interrupted"
                        stopped_at = time.monotonic()
                        stop()
                    continue
                data = os.read(fd, 65536)
                if data:
                    splitters[fd].feed(data)
                else:
                    sel.unregister(fd)
                    splitters.pop(fd).close()
            now = time.monotonic()
            if reason is None and deadline is not None and now >= deadline:
                reason, stopped_at = "timeout", now
                stop()
            if stopped_at is not None and not killed and now >= stopped_at + GRACE:
                killed = True
                kill()
            if proc.poll() is not None:
                exited_at = exited_at or now
                if now - exited_at > 0.5:
                    break
    finally:
        for splitter in splitters.values():
            splitter.close()
        sel.close()
    proc.wait()
    return reason


def interrupted(reason: str | None) -> Result:
    """The result of a run stopped by `reason`: a signal's name (exit 128 + its number, like a
    shell: SIGHUP 129, SIGINT 130, SIGTERM 143) or a plain "interrupted" (130)."""
    if reason in _STOP_SIGNALS:
        return Result(128 + signal.Signals[reason], "interrupted", f"interrupted by {reason}")
    return Result(130, "interrupted", reason or "interrupted")


def interpret(returncode: int, reason: str | None, timeout: float | None) -> Result:
    """Map how a process ended to a Result."""
    from sitegen.runbook.model import format_seconds

    if reason == "timeout":
        return Result(124, "timeout", f"timed out after {format_seconds(timeout or 0)}")
    if reason is not None:
        return interrupted(reason)
    if returncode < 0:
        return Result(128 - returncode, "failed", f"killed by signal {signal.Signals(-returncode).name}")
    if returncode:
        return Result(returncode, "failed", f"exit code {returncode}")
    return Result(0)


class LocalRunner:
    """Runs jobs on this machine, each in its own session and process group.

    The script goes to a private temporary file and the job's stdin is /dev/null: a script
    fed on stdin would be read by any command in it that reads stdin (ssh, read, cat) and
    silently cut short.
    """

    def __init__(self, environ: Mapping[str, str] | None = None, base_dir: str | Path | None = None,
                 hold_fds: Sequence[int] = ()) -> None:
        self.environ = dict(os.environ if environ is None else environ)
        self.base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        self.hold_fds = tuple(hold_fds)
        """Descriptors (the run's lock) each job's reaper keeps open while the job lives."""
        self._tmp: Path | None = None
        self._count = 0

    def describe(self) -> str:
        return "this machine"

    def probe(self, tools: Sequence[str]) -> Probe:
        path = self.environ.get("PATH", os.defpath)
        missing = tuple(t for t in dict.fromkeys(tools) if shutil.which(t, path=path) is None)
        return Probe(arch=normalise_arch(platform.machine()), missing=missing)

    def _workdir(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="sitegen-run-"))
        return self._tmp

    def run(self, job: Job, on_line: LineSink, cancel: Cancel | None = None,
            timeout: float | None = None) -> Result:
        self._count += 1
        work = self._workdir()
        script = work / f"job-{self._count}"
        _write_private(script, job.script.encode("utf-8"))
        env = {**self.environ, **job.env}
        data = None
        if job.data is not None:
            data = work / f"data-{self._count}"
            _write_private(data, job.data)
            env["SITEGEN_DATA"] = str(data)
        cwd = self.base_dir
        if job.cwd:
            cwd = self.base_dir / Path(job.cwd).expanduser()
        try:
            if not cwd.is_dir():
                return Result(1, "failed", f"working directory {cwd} does not exist")
            argv = [*job.interpreter, str(script)]
            pass_fds: tuple[int, ...] = ()
            reaper = _reaper_tools()
            if reaper is not None:
                # The reaper leads the job's group and takes it down if sitegen dies.
                setpriv, bash = reaper
                fd = str(self.hold_fds[0]) if self.hold_fds else ""
                argv = [setpriv, "--pdeathsig", "TERM", "--", bash, "-c", REAPER, "sitegen-reaper",
                        str(os.getpid()), str(GRACE), fd, *argv]
                pass_fds = self.hold_fds[:1]
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=cwd,
                    start_new_session=True,
                    pass_fds=pass_fds,
                )
            except FileNotFoundError:
                return Result(127, "failed", f"{job.interpreter[0]}: command not found")
            assert proc.stdout is not None

            def signal_group(sig: int) -> Callable[[], None]:
                def send() -> None:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(proc.pid, sig)
                return send

            reason = pump(proc, {proc.stdout: on_line}, cancel, timeout,
                          signal_group(signal.SIGTERM), signal_group(signal.SIGKILL))
            proc.stdout.close()
            return interpret(proc.returncode, reason, timeout)
        finally:
            script.unlink(missing_ok=True)
            if data is not None:
                data.unlink(missing_ok=True)

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


@functools.cache
def _reaper_tools() -> tuple[str, str] | None:
    """setpriv (util-linux) and bash, for the reaper (see reaper.py); None where either is
    missing or there is no parent-death signal (not Linux): jobs then run without it."""
    if not sys.platform.startswith("linux"):
        return None
    setpriv, bash = shutil.which("setpriv"), shutil.which("bash")
    return (setpriv, bash) if setpriv and bash else None


def _write_private(path: Path, content: bytes) -> None:
    """Create a file only its owner can read before any content is in it (write= payloads
    may be secrets)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


FakeResponse = int | Result | tuple[int, Sequence[str]] | Callable[[Job], Result]
"""What a FakeRunner answers for a job: an exit code, a Result, (exit code, output lines), or
a function of the job."""


class FakeRunner:
    """Maps jobs to canned results, like invoke's MockContext; records every job it was given.

    Responses are keyed by step name for the step's own job, and by "step:creates" or
    "step:unless" for its skip checks (which fail, i.e. "not satisfied", unless told).
    """

    def __init__(self, arch: str | None = "x86_64", responses: Mapping[str, FakeResponse] | None = None,
                 missing: Sequence[str] = (), error: str | None = None, name: str = "fake") -> None:
        self.arch = arch
        self.responses = dict(responses or {})
        self.missing = tuple(missing)
        self.error = error
        self.name = name
        self.jobs: list[Job] = []
        """Every job run, in order."""
        self.probed: list[tuple[str, ...]] = []
        """Every probe's tool list."""
        self.closed = False

    def describe(self) -> str:
        return self.name

    def probe(self, tools: Sequence[str]) -> Probe:
        self.probed.append(tuple(tools))
        if self.error:
            return Probe(None, error=self.error)
        return Probe(self.arch, tuple(t for t in tools if t in self.missing))

    def run(self, job: Job, on_line: LineSink, cancel: Cancel | None = None,
            timeout: float | None = None) -> Result:
        self.jobs.append(job)
        key = job.step if job.kind in ("run", "write") else f"{job.step}:{job.kind}"
        # Skip checks fail ("not satisfied") unless told; the sudo check passes unless told.
        default: FakeResponse = 0 if job.kind in ("run", "write", "sudo-check") else 1
        response = self.responses.get(key, default)
        if callable(response):
            return response(job)
        if isinstance(response, Result):
            return response
        lines: Sequence[str] = ()
        if isinstance(response, tuple):
            response, lines = response
        for line in lines:
            on_line(line)
        return interpret(response, None, timeout)

    def close(self) -> None:
        self.closed = True

    def ran(self, kind: str = "run") -> list[str]:
        """Names of the steps whose jobs of `kind` ran, in order."""
        return [j.step for j in self.jobs if j.kind == kind]
