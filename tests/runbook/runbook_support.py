"""Helpers shared by the runbook tests: a CLI result, a clean environment, a real `sitegen run`
process and bounded waits for it.

Test modules import this as `from runbook_support import ...` (like tests/serve/serve_support.py):
a module named `conftest` is ambiguous once several suites with their own conftest.py are
collected together.
"""

from __future__ import annotations

import os
import platform
import select
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sitegen.runbook.model import normalise_arch


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


REPO = Path(__file__).resolve().parents[2]

MACHINE = normalise_arch(platform.machine())
"""This machine's architecture as sitegen names it (`uname -m`, normalised): what the local
runner and the loopback sshd report. Tests never assume x86_64."""
OTHER_ARCH = "x86_64" if MACHINE == "aarch64" else "aarch64"
"""An architecture this machine is not, for mismatch tests."""


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
