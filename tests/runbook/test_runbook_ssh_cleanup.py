"""Nothing of a remote job stays on the host: after success, failure, timeout, Ctrl-C and a
dropped connection the remote temporary directory is empty, and write= content is never
readable by anyone the step's mode does not allow (real sshd on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from runbook_support import base_environ, spawn_cli, wait_for_line, wait_gone

from sitegen.runbook.jobs import Job
from sitegen.runbook.model import Host
from sitegen.runbook.runners import LocalRunner
from sitegen.runbook.ssh import SSHRunner, control_dir, encode_payload
from sitegen.runbook.testing import LoopbackSSHD


@pytest.fixture
def remote_tmp(tmp_path: Path) -> Path:
    path = tmp_path / "remote-tmp"
    path.mkdir()
    return path


@pytest.fixture
def ssh_config(sshd: LoopbackSSHD, tmp_path: Path, remote_tmp: Path) -> Path:
    """The loopback client config, plus TMPDIR for the remote session: the jobs' temporary
    files land in a directory only this test uses."""
    config = tmp_path / "ssh_config"
    config.write_text(sshd.ssh_config.read_text() + f"  SetEnv TMPDIR={remote_tmp}\n")
    return config


@pytest.fixture
def env(tmp_path: Path, ssh_config: Path) -> dict[str, str]:
    env = base_environ(tmp_path)
    env["SITEGEN_SSH_CONFIG"] = str(ssh_config)
    env["TOKEN"] = "s3cret-token-value"
    return env


def book(sshd: LoopbackSSHD, body: str) -> str:
    return ("---\nrunbook:\n  hosts:\n"
            f'    web: {{ssh: "{sshd.destination}"}}\n'
            "  secrets: [TOKEN]\n---\n" + body)


def leftovers(remote_tmp: Path, timeout: float = 15) -> list[str]:
    """What stays in the remote temporary directory once the host has had time to clean up
    (a bounded wait: cleanup after a dropped connection happens on the host's own schedule)."""
    deadline = time.monotonic() + timeout
    while True:
        left = sorted(str(p.relative_to(remote_tmp)) for p in remote_tmp.rglob("*"))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def test_success_and_failure_leave_nothing(sshd, write_runbook, run_cli, env, tmp_path, remote_tmp) -> None:
    target = tmp_path / "secret.conf"
    body = ("```sh {#where on=web}\necho \"data in $(dirname \"$SITEGEN_DATA\")\"\n```\n\n"
            f"```text {{#secret on=web write={target} mode=0600}}\ntoken=abc\n```\n")
    path = write_runbook(book(sshd, body))
    result = run_cli(str(path), environ=env)
    assert result.code == 0, result
    # The measurement is taken where the jobs really put their files.
    assert f"[where@web] data in {remote_tmp}/sitegen." in result.out
    assert target.read_text() == "token=abc\n" and target.stat().st_mode & 0o777 == 0o600
    assert leftovers(remote_tmp) == []
    failing = write_runbook(book(sshd, "```sh {#fail on=web}\nexit 3\n```\n"), "fail.md")
    assert run_cli(str(failing), environ=env).code == 3
    assert leftovers(remote_tmp) == []
    missing_cwd = write_runbook(book(sshd, "```sh {#a on=web cwd=/nonexistent/dir}\ntrue\n```\n"), "cwd.md")
    assert run_cli(str(missing_cwd), environ=env).code == 1
    assert leftovers(remote_tmp) == []


def test_timeout_leaves_nothing(sshd, write_runbook, run_cli, env, remote_tmp) -> None:
    path = write_runbook(book(sshd, "```sh {#slow on=web timeout=1s}\nsleep 60\n```\n"))
    assert run_cli(str(path), environ=env).code == 124
    assert leftovers(remote_tmp) == []


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGHUP, 129), (signal.SIGTERM, 143)])
def test_ctrl_c_hangup_and_kill_leave_nothing(sshd, write_runbook, env, tmp_path, remote_tmp, sig, code) -> None:
    pid_file = tmp_path / "pid"
    body = f"```sh {{#serve on=web}}\necho $$ > {pid_file}\necho serving\nsleep 120\n```\n"
    path = write_runbook(book(sshd, body))
    proc = spawn_cli(str(path), "--state-dir", str(tmp_path / "state"), env=env)
    wait_for_line(proc, "[serve@web] serving")
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert f"interrupted by {sig.name}" in out
    assert wait_gone(int(pid_file.read_text()))
    assert leftovers(remote_tmp) == []


def test_dropped_connection_leaves_nothing(sshd, write_runbook, env, tmp_path, remote_tmp) -> None:
    path = write_runbook(book(sshd, "```sh {#long on=web}\necho started\nsleep 60\n```\n"))
    proc = spawn_cli(str(path), "--state-dir", str(tmp_path / "state"), env=env)
    wait_for_line(proc, "[long@web] started")
    for pid in sshd.connection_pids():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == 255
    assert leftovers(remote_tmp) == []


PEEK = """stat -c '%a' "$(dirname "$SITEGEN_DATA")" "$SITEGEN_DATA"
umask
"""


@pytest.mark.parametrize("where", ["ssh", "local"])
def test_payload_is_private_and_the_step_keeps_the_login_umask(sshd, ssh_config, remote_tmp, where) -> None:
    runner = (SSHRunner(Host("web", sshd.destination), control_dir(), str(ssh_config))
              if where == "ssh" else LocalRunner())
    lines: list[str] = []
    try:
        result = runner.run(Job("peek", "run", ("bash",), PEEK, {}, None, data=b"s3cret"), lines.append)
    finally:
        runner.close()
    assert result, (result, lines)
    assert lines[:2] == ["700", "600"]
    mask = os.umask(0o022)
    os.umask(mask)
    assert lines[2] == f"{mask:04o}"  # the step itself creates files as usual


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def test_a_timeout_racing_the_start_leaves_no_process(sshd, ssh_config, remote_tmp) -> None:
    # The timeout fires around the moment the host starts the step, so stdin may close before
    # the step has its own process group: it must be stopped all the same.
    runner = SSHRunner(Host("web", sshd.destination), control_dir(), str(ssh_config))
    try:
        runner.probe(["bash"])  # connect first, so the timeouts below race the step, not the login
        for delay in (0.0, 0.01, 0.03, 0.05, 0.1, 0.2):
            result = runner.run(Job("slow", "run", ("bash",), "sleep 60\n", {}, None), lambda _: None,
                                timeout=delay)
            assert result.status == "timeout"
    finally:
        runner.close()
    assert leftovers(remote_tmp) == []
    deadline = time.monotonic() + 15
    while processes_mentioning(str(remote_tmp)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_mentioning(str(remote_tmp)) == []


def test_a_payload_cut_short_never_runs(tmp_path) -> None:
    # What the host's bash gets when the connection drops while the job is being sent: the
    # wrapper must notice, run nothing of the half script, and leave nothing behind.
    marker = tmp_path / "ran"
    job = Job("x", "run", ("bash",), f"touch {marker}\necho {'x' * 200}\n", {}, None)
    payload = encode_payload(job)
    cut = payload[: payload.rindex(b"x" * 100)]
    remote_tmp = tmp_path / "tmp"
    remote_tmp.mkdir()
    proc = subprocess.run(["bash", "-s"], input=cut, capture_output=True, timeout=30,
                          env={**os.environ, "TMPDIR": str(remote_tmp)})
    assert proc.returncode == 97, proc
    assert not marker.exists()
    assert list(remote_tmp.iterdir()) == []
    # The whole payload, with the channel kept open as ssh keeps it (its closing means "stop").
    whole = subprocess.Popen(["bash", "-s"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env={**os.environ, "TMPDIR": str(remote_tmp)})
    assert whole.stdin is not None
    whole.stdin.write(payload)
    whole.stdin.flush()
    try:
        assert whole.wait(timeout=30) == 0
    finally:
        whole.stdin.close()
    assert marker.exists() and list(remote_tmp.iterdir()) == []
