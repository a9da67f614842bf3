"""write= onto what is already there: a directory is an error naming the step, a symbolic link
is refused unless the step says `follow` (then the link's target is written), on this machine
and over SSH alike (the rule in content/blog/runbooks.md, "Files, once")."""

from __future__ import annotations

from pathlib import Path

import pytest
from runbook_support import base_environ

from sitegen.runbook.testing import LoopbackSSHD


@pytest.fixture(params=["local", "ssh"])
def where(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def env(tmp_path: Path, where: str, request: pytest.FixtureRequest) -> dict[str, str]:
    env = base_environ(tmp_path)
    if where == "ssh":
        sshd: LoopbackSSHD = request.getfixturevalue("sshd")
        env["SITEGEN_SSH_CONFIG"] = str(sshd.ssh_config)
    return env


def book(request: pytest.FixtureRequest, where: str, target: Path, attrs: str = "") -> str:
    on = ""
    front = ""
    if where == "ssh":
        sshd: LoopbackSSHD = request.getfixturevalue("sshd")
        front = f'---\nrunbook:\n  hosts:\n    web: {{ssh: "{sshd.destination}"}}\n---\n'
        on = " on=web"
    return f"{front}```text {{#conf{on} write={target}{attrs}}}\nnew content\n```\n"


def test_write_onto_a_directory_is_an_error_naming_the_step(write_runbook, run_cli, env, where, request,
                                                           tmp_path) -> None:
    target = tmp_path / "site.conf"
    target.mkdir()
    path = write_runbook(book(request, where, target))
    for _ in range(2):
        result = run_cli(str(path), environ=env)
        assert result.code == 1, result
        assert "wrote" not in result.out
        assert f"step conf: write={target} is a directory, not a file" in result.out
    assert list(target.iterdir()) == []  # nothing left inside it, run after run
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("site.conf")) == ["site.conf"]


def test_write_through_a_symlink_is_refused_without_follow(write_runbook, run_cli, env, where, request,
                                                          tmp_path) -> None:
    real = tmp_path / "available.conf"
    real.write_text("old content\n")
    link = tmp_path / "enabled.conf"
    link.symlink_to(real)
    result = run_cli(str(write_runbook(book(request, where, link))), environ=env)
    assert result.code == 1, result
    assert f"step conf: write={link} is a symbolic link to {real}" in result.out
    assert "add the follow attribute" in result.out
    assert link.is_symlink() and real.read_text() == "old content\n"


def test_follow_writes_the_links_target(write_runbook, run_cli, env, where, request, tmp_path) -> None:
    real = tmp_path / "available.conf"
    real.write_text("old content\n")
    real.chmod(0o640)
    link = tmp_path / "enabled.conf"
    link.symlink_to(real.name)  # relative, as `ln -s` in /etc/nginx/sites-enabled makes them
    path = write_runbook(book(request, where, link, " follow"))
    result = run_cli(str(path), environ=env)
    assert result.code == 0, result
    assert f"wrote {real}" in result.out
    assert link.is_symlink() and link.readlink() == Path(real.name)
    assert real.read_text() == "new content\n" and real.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".conf" or ".sitegen-" in p.name) == [
        "available.conf", "enabled.conf"]
    again = run_cli(str(path), environ=env)
    assert again.code == 0 and f"unchanged {real}" in again.out


def test_follow_without_write_is_a_parse_error(write_runbook, run_cli, tmp_path) -> None:
    result = run_cli(str(write_runbook("```sh {#a follow}\ntrue\n```\n")), environ=base_environ(tmp_path))
    assert result.code == 1 and "follow only applies to write= steps" in (result.error or "")
