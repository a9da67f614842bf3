"""Fixtures for runbook tests: a real loopback sshd, runbook files, and a CLI runner."""

from __future__ import annotations

import argparse
import io
import os
import select
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitegen.errors import SitegenError
from sitegen.runbook import cli
from sitegen.runbook.testing import LoopbackSSHD, SSHDUnavailable


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSSHD]:
    """A real OpenSSH server on 127.0.0.1 for the whole session.

    A missing sshd is a failure, never a skip: these tests are the only proof that the SSH
    runner works (.ci/run installs openssh-server).
    """
    try:
        server = LoopbackSSHD(tmp_path_factory.mktemp("sshd")).start()
    except SSHDUnavailable as exc:
        pytest.fail(f"cannot start the loopback sshd: {exc}")
    yield server
    server.stop()


@pytest.fixture
def write_runbook(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented runbook into tmp_path and return its path."""

    def write(text: str, name: str = "book.md") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return write


@dataclass
class CliResult:
    code: int
    """Exit code (1 when a SitegenError was raised)."""
    out: str
    """What the command printed on stdout."""
    error: str | None = None
    """The SitegenError's text, if one was raised."""


def base_environ(tmp_path: Path) -> dict[str, str]:
    """The real environment minus anything that would leak into or out of the test."""
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_STATE_HOME", "SITEGEN_SSH_CONFIG")}
    env["XDG_STATE_HOME"] = str(tmp_path / "xdg-state")
    return env


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., CliResult]:
    """Call configure()+execute() the way the main CLI will, with a private state dir."""

    def run(*argv: str, environ: Mapping[str, str] | None = None, interactive: bool = False,
            runner_factory: cli.RunnerFactory | None = None, state: bool = True) -> CliResult:
        parser = argparse.ArgumentParser(prog="sitegen run")
        cli.configure(parser)
        extra = ["--state-dir", str(tmp_path / "state")] if state else []
        args = parser.parse_args([*argv, *extra])
        out = io.StringIO()
        env = base_environ(tmp_path) if environ is None else dict(environ)
        try:
            code = cli.execute(args, environ=env, out=out, interactive=interactive,
                               runner_factory=runner_factory)
        except SitegenError as exc:
            return CliResult(1, out.getvalue(), str(exc))
        return CliResult(code, out.getvalue())

    return run


REPO = Path(__file__).resolve().parents[2]


def spawn_cli(*argv: str, env: Mapping[str, str]) -> subprocess.Popen[str]:
    """`python -m sitegen.runbook ...` as a real process, for signal and lock tests."""
    full_env = {**env, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "sitegen.runbook", *argv], env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float = 30) -> list[str]:
    """Read the process's stdout until a line contains `needle`; fail (not hang) otherwise."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if not ready:
            continue
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if needle in line:
            return lines
    proc.kill()
    raise AssertionError(f"never saw {needle!r}; got {lines!r}; stderr {proc.communicate()[1]!r}")


def wait_gone(pid: int, timeout: float = 15) -> bool:
    """True once no process has this pid (polls; a bounded wait, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A zombie still answers kill(0); it has stopped running all the same.
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except (OSError, IndexError):
            return True
        time.sleep(0.05)
    return False
