"""Real local runs: environment, cwd, exit codes, write=, timeouts, signals, lock, resume."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from runbook_support import MACHINE, base_environ, spawn_cli, wait_for_line, wait_gone

from sitegen.runbook.records import read_events, records_path

BOOK = """
---
runbook:
  vars: {OUT: /nonexistent, GREETING: "hello 'quoted' world"}
  secrets: [API_KEY]
---
```sh {#env}
echo "greeting=$GREETING host=$SITEGEN_HOST arch=$SITEGEN_HOST_ARCH step=$SITEGEN_STEP"
echo "key=$API_KEY"
```

```sh {#cwd cwd=$OUT}
pwd
```

```sh {#stdin}
cat
echo "stdin is empty, the script was not eaten"
```

```conf {#conf write=$OUT/etc/app.conf mode=0640}
listen 8080
```
"""


def make_env(tmp_path: Path) -> dict[str, str]:
    env = base_environ(tmp_path)
    env["API_KEY"] = "k3y-very-secret"
    return env


def test_local_steps_see_values_cwd_and_an_empty_stdin(write_runbook, run_cli, tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = write_runbook(BOOK)
    result = run_cli(str(path), "--var", f"OUT={out}", environ=make_env(tmp_path))
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert f"[env@local] greeting=hello 'quoted' world host=local arch={MACHINE} step=env" in lines
    assert "[env@local] key=***" in lines
    assert f"[cwd@local] {out}" in lines
    assert "[stdin@local] stdin is empty, the script was not eaten" in lines
    conf = out / "etc" / "app.conf"
    assert conf.read_text() == "listen 8080\n" and conf.stat().st_mode & 0o777 == 0o640
    assert f"[conf@local] wrote {conf}" in lines
    assert "k3y-very-secret" not in records_path(tmp_path / "state", path).read_text()


def test_write_is_skipped_when_unchanged_and_leaves_no_temp_files(write_runbook, run_cli, tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = write_runbook(BOOK)
    run_cli(str(path), "--var", f"OUT={out}", "--step", "conf", environ=make_env(tmp_path))
    before = (out / "etc" / "app.conf").stat().st_mtime_ns
    again = run_cli(str(path), "--var", f"OUT={out}", "--step", "conf", environ=make_env(tmp_path))
    assert f"[conf@local] unchanged {out}/etc/app.conf" in again.out
    assert (out / "etc" / "app.conf").stat().st_mtime_ns == before
    assert sorted(p.name for p in (out / "etc").iterdir()) == ["app.conf"]


def test_exit_code_and_pipefail(write_runbook, run_cli, tmp_path) -> None:
    path = write_runbook("```sh {#pipe}\nfalse | cat\necho unreachable\n```\n\n```sh {#after}\necho no\n```\n")
    result = run_cli(str(path), environ=base_environ(tmp_path))
    assert result.code == 1
    assert "unreachable" not in result.out and "[after@local]" not in result.out
    path = write_runbook("```python {#py}\nimport sys\nprint('from python')\nsys.exit(7)\n```\n")
    result = run_cli(str(path), environ=base_environ(tmp_path))
    assert result.code == 7 and "[py@local] from python" in result.out


def test_timeout_stops_the_step(write_runbook, run_cli, tmp_path) -> None:
    path = write_runbook("```sh {#slow timeout=1s}\necho begin\nsleep 60\n```\n")
    result = run_cli(str(path), environ=base_environ(tmp_path))
    assert result.code == 124
    assert "slow@local: timeout: timed out after 1s" in result.out


def test_missing_cwd_fails_the_step_clearly(write_runbook, run_cli, tmp_path) -> None:
    path = write_runbook(f"```sh {{#a cwd={tmp_path}/nope}}\ntrue\n```\n")
    result = run_cli(str(path), environ=base_environ(tmp_path))
    assert result.code == 1 and f"working directory {tmp_path}/nope does not exist" in result.out


def test_secrets_file_must_be_private(write_runbook, run_cli, tmp_path) -> None:
    path = write_runbook("---\nrunbook: {secrets: [TOKEN]}\n---\n```sh {#a}\necho \"t=$TOKEN\"\n```\n")
    secrets = tmp_path / "secrets.env"
    secrets.write_text("# deploy secrets\nexport TOKEN='from-file-secret'\n")
    secrets.chmod(0o644)
    refused = run_cli(str(path), "--secrets-file", str(secrets), environ=base_environ(tmp_path))
    assert refused.code == 1 and "chmod 600" in (refused.error or "")
    secrets.chmod(0o600)
    result = run_cli(str(path), "--secrets-file", str(secrets), environ=base_environ(tmp_path))
    assert result.code == 0 and "[a@local] t=***" in result.out


def test_missing_value_without_a_terminal_is_an_error(write_runbook, run_cli, tmp_path) -> None:
    path = write_runbook("---\nrunbook: {vars: {TARGET: null}}\n---\n```sh {#a}\necho\n```\n")
    result = run_cli(str(path), environ=base_environ(tmp_path))
    assert result.code == 1 and "variable TARGET has no value" in (result.error or "")


SLOW = """```sh {#first}
echo first
```

```sh {#slow}
sleep 60 &
echo "$!" > "$MARK/child"
echo "$$" > "$MARK/shell"
echo ready
wait
```

```sh {#never}
touch "$MARK/never"
```
"""


def _slow_book(write_runbook, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    path = write_runbook("---\nrunbook: {vars: {MARK: null}}\n---\n" + SLOW)
    env = base_environ(tmp_path)
    env["SITEGEN_VAR_MARK"] = str(tmp_path)
    return path, env


def test_sigint_stops_the_whole_process_group_and_records_interrupted(write_runbook, tmp_path) -> None:
    path, env = _slow_book(write_runbook, tmp_path)
    state = tmp_path / "state"
    proc = spawn_cli(str(path), "--state-dir", str(state), env=env)
    wait_for_line(proc, "[slow@local] ready")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    for marker in ("shell", "child"):
        assert wait_gone(int((tmp_path / marker).read_text())), f"{marker} survived the interrupt"
    assert not (tmp_path / "never").exists()
    events = read_events(records_path(state, path))
    assert [(e["step"], e["status"]) for e in events if e["event"] == "step"] == [("first", "ok"),
                                                                                  ("slow", "interrupted")]
    assert events[-1]["event"] == "run-end" and events[-1]["status"] == "interrupted"


def test_sigterm_behaves_like_ctrl_c(write_runbook, tmp_path) -> None:
    path, env = _slow_book(write_runbook, tmp_path)
    proc = spawn_cli(str(path), "--state-dir", str(tmp_path / "state"), "--json", env=env)
    wait_for_line(proc, '"line": "ready"')
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 143  # 128 + SIGTERM, as a shell reports it
    assert json.loads(out.splitlines()[-1])["status"] == "interrupted"
    assert wait_gone(int((tmp_path / "child").read_text()))


def test_lock_names_the_running_pid_then_resume_finishes(write_runbook, run_cli, tmp_path) -> None:
    path, env = _slow_book(write_runbook, tmp_path)
    state = tmp_path / "state"
    proc = spawn_cli(str(path), "--state-dir", str(state), env=env)
    try:
        wait_for_line(proc, "[slow@local] ready")
        second = run_cli(str(path), environ=env)
        assert second.code == 1
        assert f"another run of this runbook is in progress (pid {proc.pid})" in (second.error or "")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    # The interrupted run can be resumed: `first` is not repeated, `slow` runs again.
    path.write_text(path.read_text().replace("sleep 60 &", "sleep 0 &").replace("wait\n", "wait\necho resumed\n"))
    # `slow` itself changed, but it had not finished, so only finished steps are compared.
    result = run_cli(str(path), "--resume", environ=env)
    assert result.code == 0, result
    assert "[first@local]" not in result.out and "[slow@local] resumed" in result.out
    assert (tmp_path / "never").exists()
