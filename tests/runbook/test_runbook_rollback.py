"""rollback=: a step names a step that runs when it, or any step after it, fails — told which
step failed and how — and the run still fails, says it rolled back, and records both."""

from __future__ import annotations

from pathlib import Path

import pytest
from runbook_support import base_environ

from sitegen.runbook.parse import parse_runbook
from sitegen.runbook.records import read_events, records_path

BOOK = """
---
runbook:
  vars: {OUT: null, FAIL_AT: none}
---
```sh {#prepare}
echo prepared >> "$OUT/log"
[ "$FAIL_AT" != prepare ] || exit 4
```

```sh {#switch needs=prepare rollback=restore}
echo switched >> "$OUT/log"
[ "$FAIL_AT" != switch ] || exit 5
```

```sh {#health needs=switch}
echo checked >> "$OUT/log"
[ "$FAIL_AT" != health ] || exit 3
```

Runs only when `switch` or a later step fails:

```sh {#restore}
echo "restored after $SITEGEN_FAILED_STEP failed with $SITEGEN_FAILED_EXIT" >> "$OUT/log"
echo "restoring ($SITEGEN_FAILED_STEP, $SITEGEN_FAILED_EXIT)"
```
"""


@pytest.fixture
def book(write_runbook) -> Path:
    return write_runbook(BOOK)


def log(tmp_path: Path) -> list[str]:
    return (tmp_path / "log").read_text().splitlines()


def run(run_cli, book: Path, tmp_path: Path, *extra: str):
    return run_cli(str(book), "--var", f"OUT={tmp_path}", *extra, environ=base_environ(tmp_path))


def test_a_clean_run_never_runs_the_rollback_step(run_cli, book, tmp_path) -> None:
    result = run(run_cli, book, tmp_path)
    assert result.code == 0, result
    assert log(tmp_path) == ["prepared", "switched", "checked"]
    listing = run_cli(str(book), "--list").out
    assert "rollback=restore" in listing


def test_a_later_failure_rolls_back_and_still_fails(run_cli, book, tmp_path) -> None:
    result = run(run_cli, book, tmp_path, "--var", "FAIL_AT=health")
    assert result.code == 3
    assert log(tmp_path) == ["prepared", "switched", "checked", "restored after health failed with 3"]
    lines = result.out.splitlines()
    assert "==> rolling back with 'restore' because 'health' failed (exit code 3)" in lines
    assert "[restore@local] restoring (health, 3)" in lines
    assert lines[-1] == ("==> stopped: step 'health' failed with exit code 3; rolled back with restore; "
                         "fix it and run again (--resume starts at the rolled-back steps)")
    events = read_events(records_path(tmp_path / "state", book))
    restore = [e for e in events if e.get("event") == "step" and e["step"] == "restore"]
    assert restore[0]["status"] == "ok" and restore[0]["rollback_for"] == {"step": "health", "exit_code": 3}
    end = events[-1]
    assert end["status"] == "failed" and end["failed_step"] == "health" and end["exit_code"] == 3
    assert end["rolled_back"] == ["restore"] and end["rollback_ok"] is True
    assert end["undone"] == ["switch", "health"]


def test_the_arming_step_failing_rolls_back_too(run_cli, book, tmp_path) -> None:
    result = run(run_cli, book, tmp_path, "--var", "FAIL_AT=switch")
    assert result.code == 5
    assert log(tmp_path)[-1] == "restored after switch failed with 5"


def test_a_failure_before_the_arming_step_does_not_roll_back(run_cli, book, tmp_path) -> None:
    result = run(run_cli, book, tmp_path, "--var", "FAIL_AT=prepare")
    assert result.code == 4
    assert log(tmp_path) == ["prepared"]
    assert "rolling back" not in result.out


def test_resume_after_a_rollback_starts_at_the_undone_steps(run_cli, write_runbook, tmp_path) -> None:
    # --resume needs the values the failed run had, so the cause is fixed outside the runbook:
    # here a file that breaks the health check goes away.
    book = write_runbook(BOOK.replace('[ "$FAIL_AT" != health ] || exit 3', '[ ! -e "$OUT/broken" ] || exit 3'))
    (tmp_path / "broken").touch()
    assert run(run_cli, book, tmp_path).code == 3
    (tmp_path / "log").unlink()
    (tmp_path / "broken").unlink()
    result = run(run_cli, book, tmp_path, "--resume")
    assert result.code == 0, result
    assert log(tmp_path) == ["switched", "checked"]


def test_a_failing_rollback_is_reported(run_cli, write_runbook, tmp_path) -> None:
    path = write_runbook(BOOK.replace('echo "restoring', 'exit 9\necho "restoring'))
    result = run(run_cli, path, tmp_path, "--var", "FAIL_AT=health")
    assert result.code == 3
    assert "==> restore@local: failed: exit code 9" in result.out
    assert "ROLLBACK FAILED with restore" in result.out.splitlines()[-1]


def test_the_rollback_step_can_be_run_by_hand(run_cli, book, tmp_path) -> None:
    result = run(run_cli, book, tmp_path, "--step", "restore")
    assert result.code == 0, result
    assert log(tmp_path) == ["restored after  failed with "]


@pytest.mark.parametrize(("text", "message"), [
    ("```sh {#a rollback=nope}\ntrue\n```\n", "step 'a': rollback=nope is not a step"),
    ("```sh {#a rollback=b}\ntrue\n```\n```sh {#b needs=a}\ntrue\n```\n",
     "step 'a': rollback=b must name a step of its own, without needs= or rollback="),
    ("```sh {#a rollback=b}\ntrue\n```\n```sh {#b}\ntrue\n```\n```sh {#c needs=b}\ntrue\n```\n",
     "step 'c': needs 'b', which is a rollback step"),
])
def test_bad_rollback_attributes(text: str, message: str) -> None:
    with pytest.raises(Exception, match=message):
        parse_runbook(text, "book.md")
