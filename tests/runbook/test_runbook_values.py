"""Values that cannot travel as text (not UTF-8, or holding a NUL) stop the run with one clean
error before anything runs, for local and SSH steps alike; every other --var value reaches an
SSH step byte for byte (fuzzed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runbook_support import base_environ, spawn_cli

from sitegen.runbook.records import records_path
from sitegen.runbook.testing import LoopbackSSHD


def book(sshd: LoopbackSSHD, on: str, out: Path, default: str = "/tmp") -> str:
    return ("---\nrunbook:\n  hosts:\n"
            f'    web: {{ssh: "{sshd.destination}"}}\n'
            f"  vars: {{DIR: {default}}}\n"
            "  secrets: [TOKEN]\n---\n"
            f"```sh {{#a {on}}}\nprintf '%s' \"$DIR\" > {out}\n```\n")


@pytest.fixture
def env(tmp_path: Path, sshd: LoopbackSSHD) -> dict[str, str]:
    env = base_environ(tmp_path)
    env["SITEGEN_SSH_CONFIG"] = str(sshd.ssh_config)
    env["TOKEN"] = "a-long-enough-token"
    return env


@pytest.mark.parametrize("on", ["on=web", ""])
def test_a_non_utf8_var_from_the_command_line_is_a_clean_error(sshd, write_runbook, env, tmp_path, on) -> None:
    out = tmp_path / "out"
    path = write_runbook(book(sshd, on, out))
    state = tmp_path / "state"
    # A real process, so the value arrives the way a shell passes it: the byte 0xff in argv.
    proc = spawn_cli(str(path), "--state-dir", str(state), "--var", os.fsdecode(b"DIR=/srv/\xff"), env=env)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, (stdout, stderr)
    assert "Traceback" not in stderr
    assert f"error: {path}: --var DIR: the value is not valid UTF-8" in stderr
    assert not out.exists()
    assert not records_path(state, path).exists()  # no run started, so no record with a start and no end


@pytest.mark.parametrize("on", ["on=web", ""])
def test_a_non_utf8_environment_value_is_a_clean_error(sshd, write_runbook, run_cli, env, tmp_path, on) -> None:
    out = tmp_path / "out"
    path = write_runbook(book(sshd, on, out))
    env["SITEGEN_VAR_DIR"] = os.fsdecode(b"/srv/\xfe")
    result = run_cli(str(path), environ=env)
    assert result.code == 1
    assert "environment variable SITEGEN_VAR_DIR: the value is not valid UTF-8" in (result.error or "")
    env.pop("SITEGEN_VAR_DIR")
    env["TOKEN"] = os.fsdecode(b"secret-\xff-value")
    result = run_cli(str(path), environ=env)
    assert result.code == 1 and "secret TOKEN: the value is not valid UTF-8" in (result.error or "")
    assert "secret-" not in (result.error or "")  # a secret is never shown, not even in part
    assert not out.exists()


def test_a_nul_in_a_value_is_a_clean_error(sshd, write_runbook, run_cli, env, tmp_path) -> None:
    out = tmp_path / "out"
    path = write_runbook(book(sshd, "", out, default='"a\\0b"'))
    result = run_cli(str(path), environ=env)
    assert result.code == 1 and "variable DIR: the value contains a NUL character" in (result.error or "")
    assert not out.exists()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(alphabet=st.characters(blacklist_categories=()), max_size=40))
def test_any_var_value_reaches_an_ssh_step_exactly_or_is_refused_cleanly(sshd, write_runbook, run_cli, env,
                                                                         tmp_path, value) -> None:
    out = tmp_path / "out"
    out.unlink(missing_ok=True)
    path = write_runbook(book(sshd, "on=web", out))
    result = run_cli(str(path), "--var", f"DIR={value}", environ=env)
    try:
        value.encode("utf-8")
        clean = "\0" not in value
    except UnicodeEncodeError:
        clean = False
    if clean:
        assert result.code == 0, result
        assert out.read_bytes() == value.encode("utf-8")
    else:
        assert result.code == 1 and result.error and "--var DIR: the value" in result.error
        assert not out.exists()


def test_a_secrets_file_that_is_not_utf8_is_a_clean_error(sshd, write_runbook, run_cli, env, tmp_path) -> None:
    out = tmp_path / "out"
    path = write_runbook(book(sshd, "on=web", out))
    secrets = tmp_path / "secrets.env"
    secrets.write_bytes(b"TOKEN=caf\xe9-latin1-secret\n")
    secrets.chmod(0o600)
    env.pop("TOKEN")
    result = run_cli(str(path), "--secrets-file", str(secrets), environ=env)
    assert result.code == 1 and "--secrets-file: not UTF-8 text" in (result.error or "")
    assert "latin1" not in (result.error or "")
    assert not out.exists()
