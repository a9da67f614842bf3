"""The run as a whole, against fake runners: order, failures, retries, skips, confirm,
preflight, records, resume, lock, and what --list/--dry-run/--json print."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from sitegen.runbook.executor import Executor, RunOptions
from sitegen.runbook.model import LOCAL, Host
from sitegen.runbook.parse import load_runbook
from sitegen.runbook.plan import Values, bind, select_steps
from sitegen.runbook.records import RunLock, last_verified, read_events, records_path
from sitegen.runbook.runners import FakeRunner, Result

BOOK = """
---
title: Deploy
runbook:
  hosts:
    builder: {ssh: builder.lan}
    web: {ssh: deploy@web.example, arch: aarch64}
  vars: {SITE_DIR: /srv/www}
  secrets: [DEPLOY_TOKEN]
---
# Deploy

```sh {#fetch}
echo fetch
```

```sh {#build arch=aarch64 needs=fetch requires=cc}
make
```

```sh {#upload on=web needs=build cwd=$SITE_DIR}
echo "$DEPLOY_TOKEN" | login
```

```sh {#switch on=web needs=upload confirm}
systemctl reload nginx
```
"""


def factory(runners: Mapping[str, FakeRunner]) -> Callable[[Host], FakeRunner]:
    return lambda host: runners[host.name]


@pytest.fixture
def fakes() -> dict[str, FakeRunner]:
    return {LOCAL: FakeRunner("x86_64", name="laptop"), "web": FakeRunner("aarch64", name="web"),
            "builder": FakeRunner("aarch64", name="builder")}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DEPLOY_TOKEN": "tok-123-secret", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}


def all_jobs(fakes: Mapping[str, FakeRunner]) -> list[tuple[str, str]]:
    return [(name, job.step) for name, fake in fakes.items() for job in fake.jobs]


def test_runs_every_step_on_its_host_in_order(write_runbook, run_cli, fakes, env) -> None:
    path = write_runbook(BOOK)
    result = run_cli(str(path), "--yes", environ=env, runner_factory=factory(fakes))
    assert result.code == 0, result
    assert fakes[LOCAL].ran() == ["fetch"]
    assert fakes["builder"].ran() == ["build"]  # first declared host with aarch64
    assert fakes["web"].ran() == ["upload", "switch"]
    upload = fakes["web"].jobs[0]
    assert upload.cwd == "/srv/www"
    assert upload.env["SITEGEN_HOST"] == "web" and upload.env["SITEGEN_HOST_ARCH"] == "aarch64"
    # Values reach the step as environment, never inside the script text.
    assert upload.env["DEPLOY_TOKEN"] == "tok-123-secret"
    assert "tok-123-secret" not in upload.script
    assert upload.script.startswith("set -euo pipefail; ") and upload.script.count("\n") == 3
    lines = result.out.splitlines()
    assert "==> fetch@local (x86_64)" in lines
    # The duration is whatever the clock said: check its form, not its value.
    duration = r"(\d+ms|[\d.]+s|(\d+h)?(\d+m)?(\d+s)?)"
    assert any(re.fullmatch(rf"==> switch@web: ok in (?=\S){duration}", line) for line in lines), lines


def test_failure_stops_the_run_with_the_steps_exit_code(write_runbook, run_cli, fakes, env) -> None:
    fakes["builder"].responses["build"] = (3, ["cc: error: no input files"])
    result = run_cli(str(write_runbook(BOOK)), "--yes", environ=env, runner_factory=factory(fakes))
    assert result.code == 3
    assert fakes["web"].ran() == []
    assert "[build@builder] cc: error: no input files" in result.out
    assert "stopped: step 'build' failed with exit code 3" in result.out


def test_preflight_lists_every_problem_and_runs_nothing(write_runbook, run_cli, fakes, env) -> None:
    fakes["builder"] = FakeRunner("aarch64", missing=["cc"])
    fakes["web"] = FakeRunner(error="cannot reach deploy@web.example: Connection refused")
    text = BOOK.replace("make\n", "if then\n")
    result = run_cli(str(write_runbook(text)), environ={"PATH": env["PATH"]}, runner_factory=factory(fakes))
    assert result.code == 1
    message = result.error or ""
    assert message.startswith("preflight found 5 problems; nothing was run:")
    for expected in ["secret DEPLOY_TOKEN has no value",
                     "step 'build': bash -n: syntax error",
                     "step 'switch': asks for confirmation and there is no terminal",
                     "host web (used by upload, switch): cannot reach",
                     "step 'build': needs cc, which is not installed on host builder"]:
        assert expected in message
    assert all_jobs(fakes) == []


def test_bash_syntax_error_points_at_the_markdown_line(write_runbook, run_cli, fakes, env) -> None:
    path = write_runbook(BOOK.replace("make\n", "make\nif then\n"))
    result = run_cli(str(path), "--check", "--yes", environ=env, runner_factory=factory(fakes))
    bad_line = path.read_text().splitlines().index("if then") + 1
    assert f"{path}:{bad_line}: step 'build': bash -n" in (result.error or "")


def test_arch_mismatch_with_declared_arch_is_caught(write_runbook, run_cli, fakes, env) -> None:
    fakes["web"] = FakeRunner("x86_64")
    result = run_cli(str(write_runbook(BOOK)), "--yes", environ=env, runner_factory=factory(fakes))
    assert "host web (used by upload, switch) is declared arch aarch64 but uname -m says x86_64" in (result.error or "")
    assert all_jobs(fakes) == []


def test_check_runs_only_preflight(write_runbook, run_cli, fakes, env) -> None:
    result = run_cli(str(write_runbook(BOOK)), "--check", "--yes", environ=env, runner_factory=factory(fakes))
    assert result.code == 0 and "preflight ok: 4 steps on builder, local, web" in result.out
    assert all_jobs(fakes) == []
    assert fakes["web"].probed and "bash" in fakes["web"].probed[0]


def test_creates_and_unless_skip_steps(write_runbook, run_cli, fakes, env) -> None:
    text = BOOK.replace("{#fetch}", "{#fetch creates=$SITE_DIR/src}")
    text = text.replace("{#build ", '{#build unless="test -x app" ')
    fakes[LOCAL].responses["fetch:creates"] = 0
    fakes["builder"].responses["build:unless"] = 0
    result = run_cli(str(write_runbook(text)), "--yes", environ=env, runner_factory=factory(fakes))
    assert result.code == 0
    assert fakes[LOCAL].ran() == [] and fakes["builder"].ran() == []
    assert fakes[LOCAL].jobs[0].env["SITEGEN_PATH"] == "/srv/www/src"
    assert "==> fetch@local: skipped, /srv/www/src exists" in result.out


def test_confirm_asks_on_a_terminal_and_stops_when_declined(write_runbook, run_cli, fakes, env, monkeypatch) -> None:
    from sitegen.runbook import cli

    questions: list[str] = []

    def ask(question: str) -> bool:
        questions.append(question)
        return False

    monkeypatch.setattr(cli, "_terminal_ask", ask)
    result = run_cli(str(write_runbook(BOOK)), environ=env, interactive=True, runner_factory=factory(fakes))
    assert result.code == 1
    assert questions == ["Run step 'switch' on web (web)?"]
    assert fakes["web"].ran() == ["upload"]
    assert "switch@web: declined" in result.out


def test_secrets_are_masked_in_output_records_and_json(write_runbook, run_cli, fakes, env, tmp_path) -> None:
    fakes["web"].responses["upload"] = (0, ["logging in with tok-123-secret"])
    path = write_runbook(BOOK)
    result = run_cli(str(path), "--yes", "--json", environ=env, runner_factory=factory(fakes))
    assert result.code == 0
    events = [json.loads(line) for line in result.out.splitlines()]
    assert {"event": "output", "step": "upload", "host": "web", "line": "logging in with ***"} in events
    record_text = records_path(tmp_path / "state", path).read_text()
    assert "tok-123-secret" not in result.out and "tok-123-secret" not in record_text
    assert "logging in with ***" in record_text


def test_record_has_everything_the_site_needs(write_runbook, run_cli, fakes, env, tmp_path) -> None:
    path = write_runbook(BOOK)
    assert run_cli(str(path), "--yes", environ=env, runner_factory=factory(fakes)).code == 0
    events = read_events(records_path(tmp_path / "state", path))
    start, *steps, end = events
    assert start["event"] == "run-start" and start["runbook"] == str(path.resolve())
    assert len(start["runbook_hash"]) == 64
    assert [s["step"] for s in steps] == ["fetch", "build", "upload", "switch"]
    for key in ("run_id", "step", "host", "arch", "hash", "started", "ended", "exit_code", "duration",
                "output_tail", "status"):
        assert key in steps[0]
    assert end["status"] == "ok" and end["complete"] is True
    verified = last_verified(path, tmp_path / "state")
    assert verified is not None and verified["run_id"] == start["run_id"] and verified["current"] is True
    path.write_text(path.read_text() + "\nMore prose.\n")
    assert last_verified(path, tmp_path / "state")["current"] is False  # type: ignore[index]


def test_partial_runs_do_not_count_as_verified(write_runbook, run_cli, fakes, env, tmp_path) -> None:
    path = write_runbook(BOOK)
    assert run_cli(str(path), "--step", "fetch", environ=env, runner_factory=factory(fakes)).code == 0
    assert last_verified(path, tmp_path / "state") is None


def test_resume_continues_after_the_last_successful_step(write_runbook, run_cli, fakes, env) -> None:
    path = write_runbook(BOOK)
    fakes["web"].responses["upload"] = 4
    assert run_cli(str(path), "--yes", environ=env, runner_factory=factory(fakes)).code == 4
    fakes["web"].responses["upload"] = 0
    for fake in fakes.values():
        fake.jobs.clear()
    result = run_cli(str(path), "--yes", "--resume", environ=env, runner_factory=factory(fakes))
    assert result.code == 0, result
    assert all_jobs(fakes) == [("web", "upload"), ("web", "switch")]
    assert "resuming run" in result.out
    # The resumed run finished the runbook, so it counts as verified.
    again = run_cli(str(path), "--resume", environ=env, runner_factory=factory(fakes))
    assert again.code == 1 and "succeeded; nothing to resume" in (again.error or "")


def test_resume_is_refused_when_done_steps_changed(write_runbook, run_cli, fakes, env) -> None:
    path = write_runbook(BOOK)
    fakes["web"].responses["upload"] = 4
    run_cli(str(path), "--yes", environ=env, runner_factory=factory(fakes))
    path.write_text(path.read_text().replace("make\n", "make -j4\n"))
    result = run_cli(str(path), "--yes", "--resume", environ=env, runner_factory=factory(fakes))
    assert result.code == 1
    assert "ran with other inputs: finished steps build (changed)" in (result.error or "")


def test_resume_without_history_is_refused(write_runbook, run_cli, fakes, env) -> None:
    result = run_cli(str(write_runbook(BOOK)), "--resume", environ=env, runner_factory=factory(fakes))
    assert "no previous run" in (result.error or "")


def test_lock_refuses_a_second_run_naming_the_holder(write_runbook, run_cli, fakes, env, tmp_path) -> None:
    path = write_runbook(BOOK)
    with RunLock(tmp_path / "state", path):
        result = run_cli(str(path), "--yes", environ=env, runner_factory=factory(fakes))
    import os

    assert result.code == 1 and f"in progress (pid {os.getpid()})" in (result.error or "")
    assert all_jobs(fakes) == []


def test_step_selection_pulls_in_needs(write_runbook, run_cli, fakes, env) -> None:
    result = run_cli(str(write_runbook(BOOK)), "--step", "upload", environ=env, runner_factory=factory(fakes))
    assert result.code == 0
    assert (fakes[LOCAL].ran(), fakes["builder"].ran(), fakes["web"].ran()) == (["fetch"], ["build"], ["upload"])


def test_list(write_runbook, run_cli) -> None:
    result = run_cli(str(write_runbook(BOOK)), "--list")
    rows = [line.split() for line in result.out.splitlines()]
    assert rows[0] == ["STEP", "HOST", "ARCH", "NEEDS", "FLAGS"]
    assert rows[2][:4] == ["build", "builder|web", "aarch64", "fetch"]  # builder's arch is known by probing
    assert rows[4] == ["switch", "web", "aarch64", "upload", "confirm"]


def test_dry_run_shows_the_plan_masks_secrets_and_runs_nothing(write_runbook, run_cli, env) -> None:
    result = run_cli(str(write_runbook(BOOK)), "--dry-run", environ=env)
    assert result.code == 0
    assert "DEPLOY_TOKEN=*** (secret, environment)" in result.out
    assert "tok-123-secret" not in result.out
    assert "3. upload @ web  [cwd=/srv/www needs=build]" in result.out
    assert "Nothing was executed (dry run)." in result.out


def test_unknown_step_in_options_is_one_clear_error(write_runbook, run_cli) -> None:
    result = run_cli(str(write_runbook(BOOK)), "--step", "deploy", "--list")
    assert result.code == 1 and result.error.startswith(f"{result.error.split(':')[0]}: --step deploy: no such step")


def test_retries_then_succeeds(write_runbook, fakes) -> None:
    path = write_runbook("```sh {#flaky retries=2}\ncurl x\n```\n")
    rb = load_runbook(path)
    outcomes = iter([Result(1, "failed", "exit code 1"), Result(0)])
    fakes[LOCAL].responses["flaky"] = lambda job: next(outcomes)
    plan, _ = bind(rb, select_steps(rb), {LOCAL: "x86_64"}, Values())
    events: list[dict] = []
    code = Executor(rb, plan, {LOCAL: fakes[LOCAL]}, Values(), {LOCAL: "x86_64"}, emit=events.append,
                    options=RunOptions(retry_delay=0)).run()
    assert code == 0 and fakes[LOCAL].ran() == ["flaky", "flaky"]
    assert [e["attempt"] for e in events if e["event"] == "retry"] == [2]
    assert [e["attempts"] for e in events if e["event"] == "step"] == [1 + 1]


def test_timeout_and_lost_connection_exit_codes(write_runbook, fakes) -> None:
    path = write_runbook("```sh {#a}\nsleep 9\n```\n\n```sh {#b}\necho\n```\n")
    rb = load_runbook(path)
    plan, _ = bind(rb, select_steps(rb), {LOCAL: "x86_64"}, Values())
    fakes[LOCAL].responses["a"] = Result(255, "lost", "connection to web lost during the step")
    events: list[dict] = []
    code = Executor(rb, plan, {LOCAL: fakes[LOCAL]}, Values(), {}, emit=events.append).run()
    assert code == 255 and fakes[LOCAL].ran() == ["a"]
    assert events[-2]["status"] == "lost" and "lost during the step" in events[-2]["message"]


def test_missing_values_are_asked_for_on_a_terminal(write_runbook, run_cli, fakes, env, monkeypatch) -> None:
    from sitegen.runbook import cli

    asked: list[tuple[str, bool]] = []

    def prompt(name: str, secret: bool) -> str:
        asked.append((name, secret))
        return "typed-secret" if secret else "typed"

    monkeypatch.setattr(cli, "_terminal_prompt", prompt)
    env.pop("DEPLOY_TOKEN")
    text = BOOK.replace("vars: {SITE_DIR: /srv/www}", "vars: {SITE_DIR: null}")
    result = run_cli(str(write_runbook(text)), "--yes", environ=env, interactive=True,
                     runner_factory=factory(fakes))
    assert result.code == 0, result
    assert asked == [("SITE_DIR", False), ("DEPLOY_TOKEN", True)]
    assert fakes["web"].jobs[0].cwd == "typed" and fakes["web"].jobs[0].env["DEPLOY_TOKEN"] == "typed-secret"


@pytest.mark.parametrize("mode", [(), ("--list",), ("--dry-run",), ("--check",), ("--resume",)])
def test_a_post_without_steps_says_so(write_runbook, run_cli, fakes, env, mode) -> None:
    path = write_runbook("---\ntitle: Notes\n---\n# Notes\n\n```sh\necho only an example\n```\n")
    result = run_cli(str(path), *mode, environ=env, runner_factory=factory(fakes))
    assert result.code == 1
    assert result.error == f"{path}: no runbook steps (a step is a fenced block with {{…}} attributes)"
    assert all_jobs(fakes) == [] and not any(fake.probed for fake in fakes.values())


def test_resuming_twice_keeps_the_steps_the_first_run_finished(write_runbook, run_cli, fakes, env) -> None:
    path = write_runbook(BOOK)
    fakes["web"].responses["upload"] = 4
    assert run_cli(str(path), "--yes", environ=env, runner_factory=factory(fakes)).code == 4
    # The first resume gets one step further, then fails again.
    fakes["web"].responses["upload"] = 0
    fakes["web"].responses["switch"] = 5
    for fake in fakes.values():
        fake.jobs.clear()
    assert run_cli(str(path), "--yes", "--resume", environ=env, runner_factory=factory(fakes)).code == 5
    assert all_jobs(fakes) == [("web", "upload"), ("web", "switch")]
    # The second resume runs only what neither earlier run finished: fetch and build (done by
    # the first run, carried by the second) must not run again.
    fakes["web"].responses["switch"] = 0
    for fake in fakes.values():
        fake.jobs.clear()
    result = run_cli(str(path), "--yes", "--resume", environ=env, runner_factory=factory(fakes))
    assert result.code == 0, result
    assert all_jobs(fakes) == [("web", "switch")]


def test_the_shells_variables_do_not_override_defaults_and_dry_run_says_where_values_come_from(
        write_runbook, run_cli, fakes, env) -> None:
    text = BOOK.replace("vars: {SITE_DIR: /srv/www}", "vars: {SITE_DIR: /srv/www, RELEASE: null, MODE: blue}")
    path = write_runbook(text)
    env.update({"SITE_DIR": "/", "MODE": "green", "SITEGEN_VAR_MODE": "red"})
    dry = run_cli(str(path), "--dry-run", "--var", "RELEASE=r1", environ=env)
    assert "  SITE_DIR=/srv/www (default; $SITE_DIR in the environment is not used: set SITEGEN_VAR_SITE_DIR)" \
        in dry.out.splitlines()
    assert "  RELEASE=r1 (--var)" in dry.out.splitlines()
    assert "  MODE=red (environment: SITEGEN_VAR_MODE)" in dry.out.splitlines()
    assert "  DEPLOY_TOKEN=*** (secret, environment)" in dry.out.splitlines()

    result = run_cli(str(path), "--yes", "--var", "RELEASE=r1", environ=env, runner_factory=factory(fakes))
    assert result.code == 0, result
    upload = fakes["web"].jobs[0]
    assert upload.cwd == "/srv/www"
    assert upload.env["SITE_DIR"] == "/srv/www" and upload.env["MODE"] == "red"


def test_a_variable_without_default_names_both_ways_to_set_it(write_runbook, run_cli, fakes, env) -> None:
    path = write_runbook(BOOK.replace("vars: {SITE_DIR: /srv/www}", "vars: {SITE_DIR: /srv/www, RELEASE: null}"))
    env["RELEASE"] = "from-the-shell"
    result = run_cli(str(path), "--yes", environ=env, runner_factory=factory(fakes))
    assert result.code == 1
    assert "variable RELEASE has no value: pass --var RELEASE=... or set SITEGEN_VAR_RELEASE" in (result.error or "")
    assert all_jobs(fakes) == []


DEPLOY = """
---
runbook:
  hosts:
    web: {ssh: deploy@web.example, arch: aarch64}
  vars: {RELEASE: null, RELEASES: /srv/releases}
  secrets: [DEPLOY_TOKEN]
---
```sh {#package}
tar -czf "site-$RELEASE.tar.gz" public
```

```sh {#upload on=web needs=package}
mkdir -p "$RELEASES/$RELEASE"
```

```sh {#switch on=web needs=upload}
ln -sfn "$RELEASES/$RELEASE" /srv/www/current
```

```sh {#health needs=switch}
curl -fsS "https://example.org/release" | grep -qx "$RELEASE"
```
"""


def _failed_at_health(write_runbook, run_cli, fakes, env) -> Path:
    path = write_runbook(DEPLOY)
    fakes[LOCAL].responses["health"] = (1, ["release is r1? no"])
    result = run_cli(str(path), "--var", "RELEASE=r1", environ=env, runner_factory=factory(fakes))
    assert result.code == 1 and "step 'health' failed" in result.out
    fakes[LOCAL].responses["health"] = 0
    for fake in fakes.values():
        fake.jobs.clear()
        fake.probed.clear()
    return path


def test_resume_with_another_value_is_refused_and_names_it(write_runbook, run_cli, fakes, env, tmp_path) -> None:
    """The issue's deploy: the health check failed; resuming with another RELEASE must not skip
    the upload and switch of a release that was never uploaded and report it healthy."""
    path = _failed_at_health(write_runbook, run_cli, fakes, env)
    result = run_cli(str(path), "--resume", "--var", "RELEASE=r2", environ=env, runner_factory=factory(fakes))
    assert result.code == 1
    assert "ran with other inputs: values RELEASE (changed)" in (result.error or "")
    assert all_jobs(fakes) == [] and not any(fake.probed for fake in fakes.values())
    assert last_verified(path, tmp_path / "state") is None
    # With the values it failed with, it continues where it stopped.
    again = run_cli(str(path), "--resume", "--var", "RELEASE=r1", environ=env, runner_factory=factory(fakes))
    assert again.code == 0, again
    assert all_jobs(fakes) == [(LOCAL, "health")]


def test_resume_with_another_secret_names_it_and_records_no_value(write_runbook, run_cli, fakes, env,
                                                                   tmp_path) -> None:
    import hashlib

    path = _failed_at_health(write_runbook, run_cli, fakes, env)
    env["DEPLOY_TOKEN"] = "tok-456-other"
    result = run_cli(str(path), "--resume", "--var", "RELEASE=r1", environ=env, runner_factory=factory(fakes))
    assert result.code == 1 and "values DEPLOY_TOKEN (secret, changed)" in (result.error or "")
    assert "tok-" not in (result.error or "")
    record = records_path(tmp_path / "state", path).read_text()
    for value in ("tok-123-secret", "r1"):
        assert hashlib.sha256(value.encode()).hexdigest() not in record
    assert "tok-123-secret" not in record


def test_resume_refuses_a_host_moved_under_a_finished_step(write_runbook, run_cli, fakes, env) -> None:
    path = _failed_at_health(write_runbook, run_cli, fakes, env)
    result = run_cli(str(path), "--resume", "--var", "RELEASE=r1", "--host", "web=deploy@web2.example",
                     environ=env, runner_factory=factory(fakes))
    assert result.code == 1
    assert ("hosts web was deploy@web.example, now deploy@web2.example (ran upload, switch)"
            in (result.error or ""))
    assert all_jobs(fakes) == []


def test_resume_refuses_a_host_whose_architecture_changed(write_runbook, run_cli, fakes, env) -> None:
    path = write_runbook(DEPLOY.replace("{ssh: deploy@web.example, arch: aarch64}", "{ssh: deploy@web.example}"))
    fakes[LOCAL].responses["health"] = 1
    assert run_cli(str(path), "--var", "RELEASE=r1", environ=env, runner_factory=factory(fakes)).code == 1
    fakes[LOCAL].responses["health"] = 0
    fakes["web"] = FakeRunner("x86_64", name="web")  # same name, another machine
    path.write_text(path.read_text().replace("```sh {#health needs=switch}", "```sh {#health needs=switch on=web}"))
    result = run_cli(str(path), "--resume", "--var", "RELEASE=r1", environ=env, runner_factory=factory(fakes))
    assert result.code == 1
    assert "hosts web was aarch64, now x86_64 (ran upload, switch)" in (result.error or "")
    assert fakes["web"].jobs == []


def test_resume_allows_a_host_only_unfinished_steps_use(write_runbook, run_cli, fakes, env) -> None:
    path = write_runbook(DEPLOY)
    fakes["web"].responses["upload"] = 1
    assert run_cli(str(path), "--var", "RELEASE=r1", environ=env, runner_factory=factory(fakes)).code == 1
    fakes["web"].responses["upload"] = 0
    fakes[LOCAL].jobs.clear()
    result = run_cli(str(path), "--resume", "--var", "RELEASE=r1", "--host", "web=deploy@web2.example",
                     environ=env, runner_factory=factory(fakes))
    assert result.code == 0, result
    assert fakes[LOCAL].ran() == ["health"]
