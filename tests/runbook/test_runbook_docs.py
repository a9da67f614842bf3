"""The documented examples work: the blog post about runbooks runs its local steps, and the
project's own infra/deploy.md lists, dry-runs and passes preflight against fake hosts."""

from __future__ import annotations

from pathlib import Path

import yaml
from runbook_support import MACHINE, REPO, base_environ

from sitegen.runbook.model import LOCAL
from sitegen.runbook.parse import load_runbook
from sitegen.runbook.plan import Selection, Values, bind, select_steps
from sitegen.runbook.runners import FakeRunner

POST = REPO / "content" / "blog" / "runbooks.md"
DEPLOY = REPO / "infra" / "deploy.md"


def local_only_steps() -> list[str]:
    """Steps of the post that run on this machine without help from any other host."""
    rb = load_runbook(POST)
    arches = {LOCAL: "x86_64", **{name: host.arch for name, host in rb.hosts.items()}}
    plan, _ = bind(rb, select_steps(rb), arches, Values(vars={"WORK_DIR": "/w", "SITE_DIR": "/s"}))
    local = {p.name for p in plan if p.host == LOCAL}
    return [p.name for p in plan if p.name in local and set(p.step.needs) <= local]


def test_post_front_matter() -> None:
    front = yaml.safe_load(POST.read_text().split("---\n")[1])
    assert front["title"] and front["description"]
    assert front["tags"] == ["runbooks", "docs"]
    assert str(front["published"]) == "2026-11-20"


def test_post_has_both_local_and_remote_examples() -> None:
    rb = load_runbook(POST)
    assert {s.name for s in rb.steps if s.on or s.arch} == {"disk", "native-build"}
    assert local_only_steps() == ["workspace", "token", "greeting", "count-words", "archive", "summary"]


def test_post_local_examples_run(run_cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    env = base_environ(tmp_path)
    env["DEMO_TOKEN"] = "demo-secret-value"
    steps = [arg for name in local_only_steps() for arg in ("--step", name)]
    result = run_cli(str(POST), "--var", f"WORK_DIR={work}", *steps, environ=env)
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert f"[workspace@local] working in {work} on local ({MACHINE})" in lines
    assert "[token@local] calling the API with ***" in lines
    assert "demo-secret-value" not in result.out
    assert (work / "greeting.txt").read_text() == "Hello from a runbook that is also a blog post.\n"
    assert "[count-words@local] greeting.txt has 10 words" in lines
    assert "[archive@local] archived" in lines
    assert "[summary@local] archive holds greeting.txt" in lines
    again = run_cli(str(POST), "--var", f"WORK_DIR={work}", *steps, environ=env)
    assert f"==> archive@local: skipped, {work}/greeting.tar.gz exists" in again.out
    assert f"[greeting@local] unchanged {work}/greeting.txt" in again.out
    (work / "summary-done").touch()
    third = run_cli(str(POST), "--var", f"WORK_DIR={work}", *steps, environ=env)
    assert "==> summary@local: skipped, unless= command succeeded" in third.out


DEPLOY_ENV = {"PATH": "/usr/bin:/bin", "SITEGEN_VAR_RELEASE": "abc1234"}
PRODUCTION = ("--var", "NGINX_SNIPPET=/etc/nginx/snippets/sitegen.conf")


def test_deploy_list(run_cli) -> None:
    result = run_cli(str(DEPLOY), "--list")
    rows = {line.split()[0]: line.split()[1:] for line in result.out.splitlines()[1:]}
    assert list(rows) == ["tools", "site", "remote-check", "upload", "release", "switch", "nginx",
                          "nginx-reload", "health", "prune", "restore"]
    assert rows["switch"] == ["web", "-", "release", "confirm", "rollback=restore"]
    assert rows["nginx"][3:6] == ["if=NGINX_SNIPPET", "sudo", "write=$NGINX_SNIPPET"]


def test_deploy_dry_run(run_cli) -> None:
    result = run_cli(str(DEPLOY), "--dry-run", *PRODUCTION, environ=DEPLOY_ENV)
    assert result.code == 0
    assert "RELEASE=abc1234 (environment: SITEGEN_VAR_RELEASE)" in result.out
    nginx = (REPO / "infra" / "nginx" / "sitegen.conf").read_bytes()
    assert f"write /etc/nginx/snippets/sitegen.conf ({len(nginx)} bytes) mode 0644" in result.out
    assert "Preflight would report" not in result.out
    staging = run_cli(str(DEPLOY), "--dry-run", environ=DEPLOY_ENV).out
    assert "7. nginx @ web" in staging and "     left out: if=NGINX_SNIPPET does not hold" in staging


def test_deploy_production_path_on_fake_hosts(run_cli) -> None:
    """With NGINX_SNIPPET set, the snippet is written and nginx reloaded, both through sudo."""
    fakes = {LOCAL: FakeRunner("x86_64"), "web": FakeRunner("aarch64")}
    result = run_cli(str(DEPLOY), "--yes", *PRODUCTION, environ=DEPLOY_ENV, runner_factory=lambda h: fakes[h.name])
    assert result.code == 0, result
    assert fakes["web"].ran() == ["remote-check", "release", "switch", "nginx-reload", "prune"]
    assert fakes["web"].ran("write") == ["nginx"]
    assert fakes[LOCAL].ran() == ["tools", "site", "upload", "health"]
    nginx = next(j for j in fakes["web"].jobs if j.step == "nginx" and j.kind == "write")
    assert nginx.interpreter == ("bash",) and "sudo -n" in nginx.script
    assert nginx.data == (REPO / "infra/nginx/sitegen.conf").read_bytes()
    assert [j.kind for j in fakes["web"].jobs].count("sudo-check") == 1


def test_deploy_without_nginx_leaves_the_production_steps_out(run_cli) -> None:
    fakes = {LOCAL: FakeRunner("x86_64"), "web": FakeRunner("x86_64", missing=["nginx", "sudo"])}
    result = run_cli(str(DEPLOY), "--yes", environ=DEPLOY_ENV, runner_factory=lambda h: fakes[h.name])
    assert result.code == 0, result
    assert "==> nginx: skipped, if=NGINX_SNIPPET does not hold" in result.out
    assert "nginx" not in fakes["web"].ran() + fakes["web"].ran("write")


def test_deploy_preflight_catches_missing_tools_and_a_missing_confirmation(run_cli) -> None:
    fakes = {LOCAL: FakeRunner("x86_64", missing=["rsync"]), "web": FakeRunner("x86_64", missing=["rsync"])}
    result = run_cli(str(DEPLOY), environ=DEPLOY_ENV, runner_factory=lambda h: fakes[h.name])
    message = result.error or ""
    assert "step 'switch': asks for confirmation and there is no terminal" in message
    assert "step 'tools': needs rsync, which is not installed on host local" in message
    assert "step 'remote-check': needs rsync, which is not installed on host web" in message
    assert all(not fake.ran() for fake in fakes.values())


def test_deploy_parses_with_every_step_checked() -> None:
    rb = load_runbook(DEPLOY)
    assert [s.name for s in select_steps(rb, Selection(steps=("switch",)))] == [
        "tools", "site", "remote-check", "upload", "release", "switch"]
    assert rb.step("switch").confirm and rb.step("nginx").include_error is None
    assert rb.rollback_steps == {"restore"} and rb.vars["RELEASE"] is None
