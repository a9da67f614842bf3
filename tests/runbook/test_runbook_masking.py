"""Secret masking touches what steps print and what messages say, never the record's own
fields; it holds across the cut of an over-long output line; a secret too short to mask is
refused before anything runs."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sitegen.runbook.model import LOCAL, Host
from sitegen.runbook.parse import load_runbook
from sitegen.runbook.records import read_events, records_path, runs
from sitegen.runbook.runners import CutLine, FakeRunner, Result

BOOK = """
---
runbook:
  secrets: [YEAR_TOKEN, HASH_TOKEN, WORD_TOKEN]
---
```sh {#prepare creates=/srv/ready}
echo prepare
```

```sh {#build}
make
```

```sh {#ship}
ship it
```
"""


def factory(runners: Mapping[str, FakeRunner]) -> Callable[[Host], FakeRunner]:
    return lambda host: runners[host.name]


def test_secrets_that_look_like_record_fields_leave_the_fields_alone(write_runbook, run_cli, tmp_path) -> None:
    path = write_runbook(BOOK)
    build_hash = load_runbook(path).step("build").content_hash
    year = str(datetime.now(UTC).year)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "YEAR_TOKEN": year, "HASH_TOKEN": build_hash[10:18], "WORD_TOKEN": "skipped"}
    fake = FakeRunner("x86_64", responses={
        "prepare:creates": 0,  # already there: skipped
        "build": (0, [f"built in {year} with skipped tests"]),
        "ship": 3,
    })
    result = run_cli(str(path), "--json", environ=env, runner_factory=factory({LOCAL: fake}))
    assert result.code == 3

    events = read_events(records_path(tmp_path / "state", path))
    [run] = runs(events)
    assert run.run_id.startswith(year) and run.start["started"].startswith(year)
    steps = {e["step"]: e for e in run.steps}
    assert steps["prepare"]["status"] == "skipped" and steps["prepare"]["host"] == LOCAL
    assert steps["build"]["hash"] == build_hash and steps["build"]["status"] == "ok"
    # What the step printed is masked, in the record and on the --json stream alike.
    assert steps["build"]["output_tail"] == ["built in *** with *** tests"]
    printed = [json.loads(line) for line in result.out.splitlines()]
    assert {"event": "output", "step": "build", "host": LOCAL, "line": "built in *** with *** tests"} in printed
    assert [e["status"] for e in printed if e["event"] == "step"] == ["skipped", "ok", "failed"]

    # --resume trusts the record: the skipped and finished steps do not run again.
    fake.responses["ship"] = 0
    fake.jobs.clear()
    again = run_cli(str(path), "--resume", environ=env, runner_factory=factory({LOCAL: fake}))
    assert again.code == 0, again
    assert fake.ran() == ["ship"]


def test_live_output_is_masked_for_people_too(write_runbook, run_cli, tmp_path) -> None:
    path = write_runbook(BOOK)
    env = {"PATH": "/usr/bin:/bin", "YEAR_TOKEN": "y-secret-1", "HASH_TOKEN": "h-secret-2",
           "WORD_TOKEN": "w-secret-3"}
    fake = FakeRunner("x86_64", responses={"build": (0, ["token y-secret-1", "h-secret-2 and w-secret-3"]),
                                           "ship": (2, ["failed with w-secret-3"])})
    result = run_cli(str(path), environ=env, runner_factory=factory({LOCAL: fake}))
    assert result.code == 2
    lines = result.out.splitlines()
    assert "[build@local] token ***" in lines and "[build@local] *** and ***" in lines
    assert "[ship@local] failed with ***" in lines
    assert "secret" not in result.out


def test_a_secret_cut_by_the_long_line_limit_is_still_masked(write_runbook, run_cli, tmp_path) -> None:
    """The runner cuts a line longer than 64 KiB into pieces; a secret across the cut is masked."""
    secret = "tok-123-secret"
    cut_at = 65536

    path = write_runbook(BOOK)
    env = {"PATH": "/usr/bin:/bin", "YEAR_TOKEN": secret, "HASH_TOKEN": "h-secret-2", "WORD_TOKEN": "w-secret-3"}
    text = "x" * (cut_at - 5) + secret + " end"
    pieces = [CutLine(text[:cut_at]), text[cut_at:]]
    fake = FakeRunner("x86_64", responses={"build": (0, pieces), "prepare:creates": 0})
    result = run_cli(str(path), "--json", environ=env, runner_factory=factory({LOCAL: fake}))
    assert result.code == 0, result
    printed = [json.loads(line)["line"] for line in result.out.splitlines() if '"output"' in line]
    assert "".join(printed) == "x" * (cut_at - 5) + "*** end"
    record = records_path(tmp_path / "state", path).read_text()
    for half in (secret[:5], secret[5:]):
        assert half not in record and not any(half in line for line in printed)


def test_a_secret_across_the_cut_is_masked_in_a_real_run(write_runbook, run_cli, tmp_path) -> None:
    secret = "tok-123-secret"
    path = write_runbook("""
        ---
        runbook:
          secrets: [API_KEY]
        ---
        ```sh {#long}
        head -c 65531 /dev/zero | tr '\\0' x
        printf '%s' "$API_KEY"
        head -c 100000 /dev/zero | tr '\\0' y
        echo
        ```
        """)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "API_KEY": secret}
    result = run_cli(str(path), "--json", environ=env)
    assert result.code == 0, result
    printed = [json.loads(line)["line"] for line in result.out.splitlines() if '"output"' in line]
    # More than 64 KiB before the first newline: the runner always cuts at 64 KiB, mid-secret.
    assert len(printed) >= 2
    assert "".join(printed) == "x" * 65531 + "***" + "y" * 100000
    assert not any("tok-" in line or "-secret" in line for line in printed)


def test_a_secret_too_short_to_mask_is_refused_before_anything_runs(write_runbook, run_cli, tmp_path) -> None:
    path = write_runbook(BOOK)
    env = {"PATH": "/usr/bin:/bin", "YEAR_TOKEN": "ok", "HASH_TOKEN": "h-secret-2", "WORD_TOKEN": ""}
    fake = FakeRunner("x86_64")
    for mode in ((), ("--check",)):
        result = run_cli(str(path), *mode, environ=env, runner_factory=factory({LOCAL: fake}))
        assert result.code == 1
        assert "secret YEAR_TOKEN is shorter than 4 characters" in (result.error or "")
        assert "secret WORD_TOKEN is shorter than 4 characters" in (result.error or "")
        assert fake.jobs == []
    dry = run_cli(str(path), "--dry-run", environ=env)
    assert "secret YEAR_TOKEN is shorter than 4 characters" in dry.out


def test_messages_are_masked(write_runbook, run_cli, tmp_path) -> None:
    path = write_runbook(BOOK)
    env = {"PATH": "/usr/bin:/bin", "YEAR_TOKEN": "y-secret-1", "HASH_TOKEN": "h-secret-2", "WORD_TOKEN": "w-secret-3"}
    fake = FakeRunner("x86_64", responses={"build": Result(1, "failed", "could not reach y-secret-1")})
    result = run_cli(str(path), "--json", environ=env, runner_factory=factory({LOCAL: fake}))
    assert result.code == 1
    [step] = [json.loads(line) for line in result.out.splitlines() if '"step"' in line and "build" in line
              and json.loads(line)["event"] == "step"]
    assert step["message"] == "could not reach ***"
    assert "y-secret-1" not in records_path(tmp_path / "state", path).read_text()
