"""Real signals against a real `sitegen run`: SIGHUP (the terminal closed), SIGTERM and SIGINT
stop the local step's whole process group and are recorded with exit 129 / 143 / 130; a
SIGKILLed sitegen takes its local step down with it, and the lock stays held until the step's
processes are gone."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pytest
from runbook_support import base_environ, spawn_cli, wait_for_line, wait_gone

from sitegen.errors import RunbookError
from sitegen.runbook.records import RunLock, read_events, records_path

SLOW = """---
runbook: {vars: {MARK: null}}
---
```sh {#slow}
sleep 120 &
echo "$$ $!" > "$MARK/pids"
echo ready
sleep 120
```

```sh {#never}
touch "$MARK/never"
```
"""


def pids(tmp_path: Path) -> list[int]:
    return [int(p) for p in (tmp_path / "pids").read_text().split()]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGHUP, 129), (signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_step_group_and_is_recorded(write_runbook, tmp_path, sig, code) -> None:
    path = write_runbook(SLOW)
    env = {**base_environ(tmp_path), "SITEGEN_VAR_MARK": str(tmp_path)}
    state = tmp_path / "state"
    proc = spawn_cli(str(path), "--state-dir", str(state), env=env)
    wait_for_line(proc, "[slow@local] ready")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, (out, err)
    assert "Traceback" not in err
    for pid in pids(tmp_path):
        assert wait_gone(pid), f"pid {pid} outlived {sig.name}"
    assert not (tmp_path / "never").exists()
    events = read_events(records_path(state, path))
    step = [e for e in events if e["event"] == "step"][-1]
    assert (step["step"], step["status"], step["exit_code"]) == ("slow", "interrupted", code)
    assert sig.name in step["message"]
    end = events[-1]
    assert (end["event"], end["status"], end["exit_code"]) == ("run-end", "interrupted", code)


STUBBORN = """---
runbook: {vars: {MARK: null}}
---
```sh {#stubborn}
trap 'echo term >> "$MARK/signals"' TERM
sleep 120 &
echo "$$ $!" > "$MARK/pids"
echo ready
exec >/dev/null 2>&1  # sitegen's end of the output pipe goes with it: no SIGPIPE here
while :; do sleep 0.1 || true; done  # set -e: a TERMed sleep must not end the loop
```
"""


def test_sigkill_of_sitegen_takes_the_local_step_down_and_holds_the_lock_until_then(write_runbook,
                                                                                    tmp_path) -> None:
    assert shutil.which("setpriv"), "the reaper needs setpriv (util-linux; .ci/run installs it)"
    path = write_runbook(STUBBORN)
    env = {**base_environ(tmp_path), "SITEGEN_VAR_MARK": str(tmp_path)}
    state = tmp_path / "state"
    proc = spawn_cli(str(path), "--state-dir", str(state), env=env)
    wait_for_line(proc, "[stubborn@local] ready")
    proc.kill()
    proc.communicate(timeout=30)
    # The step is asked to stop as soon as sitegen is gone ...
    deadline = time.monotonic() + 30
    while not (tmp_path / "signals").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (tmp_path / "signals").exists(), "the step never heard that sitegen died"
    shell, child = pids(tmp_path)
    # ... and while it still runs (it ignores the request for the grace period), the runbook
    # stays locked: a new run is refused.
    with pytest.raises(RunbookError, match="another run of this runbook is in progress"):
        RunLock(state, path).acquire()
    # It is forced after the grace period, with everything it started.
    assert wait_gone(shell, timeout=30) and wait_gone(child, timeout=30)
    lock = RunLock(state, path)
    lock.acquire()
    lock.release()


def test_lock_file_is_not_inherited_by_the_step(write_runbook, tmp_path) -> None:
    # The step's own processes never hold the lock: a daemon it leaves behind must not lock
    # the runbook forever.
    body = "```sh {#a}\nls -l /proc/$$/fd | grep -c '\\.lock' || true\n```\n"
    path = write_runbook(body)
    proc = spawn_cli(str(path), "--state-dir", str(tmp_path / "state"), env=base_environ(tmp_path))
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "[a@local] 0" in out
