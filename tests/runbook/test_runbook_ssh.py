"""Against a real OpenSSH server on 127.0.0.1: remote steps, write=, values, exit codes,
redaction, connection reuse, a dropped connection, arch mismatch, resume and Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest
from runbook_support import MACHINE, OTHER_ARCH, base_environ, spawn_cli, wait_for_line, wait_gone

from sitegen.runbook.model import Host
from sitegen.runbook.records import read_events, records_path
from sitegen.runbook.ssh import SSHRunner, control_dir, split_destination
from sitegen.runbook.testing import LoopbackSSHD


def remote_book(sshd: LoopbackSSHD, body: str, arch: str = "") -> str:
    arch_line = f", arch: {arch}" if arch else ""
    return (
        "---\n"
        "runbook:\n"
        "  hosts:\n"
        f'    web: {{ssh: "{sshd.destination}"{arch_line}}}\n'
        "  vars: {DIR: /nonexistent}\n"
        "  secrets: [TOKEN]\n"
        "---\n"
        "# A remote runbook\n\n" + body
    )


@pytest.fixture
def env(tmp_path: Path, sshd: LoopbackSSHD) -> dict[str, str]:
    env = base_environ(tmp_path)
    env["TOKEN"] = "t0ken-$(rm -rf /)-'quoted'"
    env["SITEGEN_VAR_DIR"] = str(tmp_path / "remote")
    env["SITEGEN_SSH_CONFIG"] = str(sshd.ssh_config)
    (tmp_path / "remote").mkdir()
    return env


def accepted(sshd: LoopbackSSHD) -> int:
    return sshd.log.read_text(errors="replace").count("Accepted publickey")


STEPS = """
```sh {#hello on=web cwd=$DIR}
echo "host=$SITEGEN_HOST arch=$SITEGEN_HOST_ARCH cwd=$(pwd)"
echo "token=$TOKEN"
echo to-stderr >&2
```

```nginx {#conf on=web write=$DIR/site.conf mode=0600}
server { listen 80; }
```

```python {#py on=web}
import os, sys
print("python sees", os.environ["DIR"])
sys.exit(int(os.environ.get("CODE", "0")))
```
"""


def test_remote_steps_share_one_connection(sshd, write_runbook, run_cli, env, tmp_path) -> None:
    path = write_runbook(remote_book(sshd, STEPS))
    before = accepted(sshd)
    result = run_cli(str(path), environ=env)
    assert result.code == 0, result
    lines = result.out.splitlines()
    remote = tmp_path / "remote"
    assert f"[hello@web] host=web arch={MACHINE} cwd={remote}" in lines
    assert "[hello@web] token=***" in lines
    assert "[hello@web] to-stderr" in lines
    assert f"[conf@web] wrote {remote}/site.conf" in lines
    assert f"[py@web] python sees {remote}" in lines
    conf = remote / "site.conf"
    assert conf.read_text() == "server { listen 80; }\n" and conf.stat().st_mode & 0o777 == 0o600
    # Preflight's probe and all three steps went over a single authenticated connection.
    assert accepted(sshd) - before == 1
    record = records_path(tmp_path / "state", path).read_text()
    assert "t0ken" not in record and "token=***" in record
    again = run_cli(str(path), "--step", "conf", environ=env)
    assert f"[conf@web] unchanged {remote}/site.conf" in again.out


def test_remote_exit_code_propagates(sshd, write_runbook, run_cli, env) -> None:
    path = write_runbook(remote_book(sshd, "```sh {#fail on=web}\necho failing\nexit 42\n```\n"))
    result = run_cli(str(path), environ=env)
    assert result.code == 42
    assert "[fail@web] failing" in result.out and "fail@web: failed: exit code 42" in result.out


def test_arch_mismatch_is_caught_in_preflight_and_nothing_runs(sshd, write_runbook, run_cli, env, tmp_path) -> None:
    marker = tmp_path / "remote" / "marker"
    body = f"```sh {{#local_first}}\ntouch {marker}\n```\n\n```sh {{#remote on=web}}\ntouch {marker}\n```\n"
    path = write_runbook(remote_book(sshd, body, arch=OTHER_ARCH))
    result = run_cli(str(path), environ=env)
    assert result.code == 1
    message = f"host web (used by remote) is declared arch {OTHER_ARCH} but uname -m says {MACHINE}"
    assert message in (result.error or "")
    assert "nothing was run" in (result.error or "")
    assert not marker.exists()


def test_arch_step_runs_on_the_host_that_has_it(sshd, write_runbook, run_cli, env) -> None:
    body = f"```sh {{#native arch={MACHINE}}}\necho on $SITEGEN_HOST\n```\n"
    # This machine and web (the loopback sshd) have the same architecture: this machine comes first.
    result = run_cli(str(write_runbook(remote_book(sshd, body))), environ=env)
    assert "[native@local] on local" in result.out


def test_unreachable_host_and_missing_tools_are_listed_together(sshd, write_runbook, run_cli, env) -> None:
    body = ("```sh {#a on=web requires=rsync,no-such-tool-xyz}\ntrue\n```\n\n"
            "```sh {#b on=dead}\ntrue\n```\n")
    text = remote_book(sshd, body).replace("  vars:", "    dead: {ssh: \"127.0.0.1:1\"}\n  vars:")
    result = run_cli(str(write_runbook(text)), environ=env)
    message = result.error or ""
    assert "host dead (used by b): cannot reach 127.0.0.1:1" in message
    assert "step 'a': needs no-such-tool-xyz, which is not installed on host web" in message
    assert "rsync" not in message.split("no-such-tool-xyz")[0].rsplit("\n", 1)[-1]


def test_host_override_from_the_command_line(sshd, write_runbook, run_cli, env) -> None:
    text = remote_book(sshd, "```sh {#a on=web}\necho overridden\n```\n").replace(sshd.destination, "nowhere.invalid")
    env.pop("SITEGEN_SSH_CONFIG")
    result = run_cli(str(write_runbook(text)), "--host", f"web={sshd.destination}",
                     "--ssh-config", str(sshd.ssh_config), environ=env)
    assert result.code == 0 and "[a@web] overridden" in result.out


def test_resume_after_a_failed_remote_step(sshd, write_runbook, run_cli, env, tmp_path) -> None:
    flag = tmp_path / "remote" / "fixed"
    count = tmp_path / "remote" / "count"
    body = (f"```sh {{#prepare on=web}}\necho x >> {count}\n```\n\n"
            f"```sh {{#check on=web needs=prepare}}\ntest -e {flag}\necho fixed\n```\n")
    path = write_runbook(remote_book(sshd, body))
    assert run_cli(str(path), environ=env).code == 1
    flag.touch()
    result = run_cli(str(path), "--resume", environ=env)
    assert result.code == 0, result
    assert "[check@web] fixed" in result.out
    assert count.read_text() == "x\n"  # prepare did not run again


def test_dropped_connection_fails_the_step_clearly(sshd, write_runbook, env, tmp_path) -> None:
    body = "```sh {#long on=web}\necho started\nsleep 60\n```\n\n```sh {#next on=web}\necho next\n```\n"
    path = write_runbook(remote_book(sshd, body))
    proc = spawn_cli(str(path), "--state-dir", str(tmp_path / "state"), env=env)
    wait_for_line(proc, "[long@web] started")
    connections = sshd.connection_pids()
    assert connections, "the step's connection should be open"
    for pid in connections:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 255
    assert "long@web: lost: connection to" in out and "lost during the step" in out
    assert "[next@web]" not in out


def test_ctrl_c_stops_the_remote_process_group(sshd, write_runbook, env, tmp_path) -> None:
    pids = tmp_path / "remote" / "pids"
    body = f'```sh {{#serve on=web}}\nsleep 120 &\necho "$$ $!" > {pids}\necho serving\nwait\n```\n'
    path = write_runbook(remote_book(sshd, body))
    state = tmp_path / "state"
    proc = spawn_cli(str(path), "--state-dir", str(state), env=env)
    wait_for_line(proc, "[serve@web] serving")
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    shell, child = (int(p) for p in pids.read_text().split())
    assert wait_gone(shell) and wait_gone(child), "the remote step outlived the interrupt"
    events = read_events(records_path(state, path))
    assert [e["status"] for e in events if e["event"] == "step"] == ["interrupted"]


def test_runner_reports_a_failed_connection(sshd) -> None:
    runner = SSHRunner(Host("x", "127.0.0.1:1"), control_dir(), str(sshd.ssh_config))
    try:
        probe = runner.probe(["bash"])
    finally:
        runner.close()
    assert probe.arch is None and probe.error is not None and "cannot reach 127.0.0.1:1" in probe.error


@pytest.mark.parametrize(("dest", "expected"), [
    ("deploy@example.org", ("deploy@example.org", None)),
    ("builder.lan:2222", ("builder.lan", "2222")),
    ("root@[::1]:22", ("root@::1", "22")),
    ("alias", ("alias", None)),
    ("ssh://u@h:2", ("ssh://u@h:2", None)),
])
def test_split_destination(dest: str, expected: tuple[str, str | None]) -> None:
    assert split_destination(dest) == expected


def test_remote_timeout_stops_the_step(sshd, write_runbook, run_cli, env, tmp_path) -> None:
    pid_file = tmp_path / "remote" / "pid"
    # Long enough for the step to start on a loaded machine (a timeout that fires before the
    # start is test_runbook_ssh_cleanup's case).
    body = f"```sh {{#slow on=web timeout=5s}}\necho $$ > {pid_file}\nsleep 60\n```\n"
    result = run_cli(str(write_runbook(remote_book(sshd, body))), environ=env)
    assert result.code == 124
    assert "slow@web: timeout: timed out after 5s" in result.out
    assert wait_gone(int(pid_file.read_text()))
