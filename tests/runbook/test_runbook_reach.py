"""Local steps reach declared hosts: $SITEGEN_HOST_<NAME>, $SITEGEN_SSH and RSYNC_RSH point
rsync and ssh at exactly the host the run resolved, through sitegen's own ssh configuration
and its shared connection (against a real sshd on loopback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from runbook_support import base_environ

from sitegen.runbook.model import Host
from sitegen.runbook.reach import config_text, destination, host_var, local_env, referenced_hosts
from sitegen.runbook.testing import LoopbackSSHD


def accepted(sshd: LoopbackSSHD) -> int:
    return sshd.log.read_text(errors="replace").count("Accepted publickey")


def book(dest: str) -> str:
    return (
        "---\n"
        "runbook:\n"
        "  hosts:\n"
        f'    web: {{ssh: "{dest}"}}\n'
        '    prod: {ssh: "deploy@production.invalid"}\n'
        "  vars: {DIR: null}\n"
        "---\n"
        "```sh {#upload requires=rsync}\n"
        'echo "to $SITEGEN_HOST_WEB"\n'
        'rsync -a "$DIR/local/" "$SITEGEN_HOST_WEB:$DIR/remote/"\n'
        'rsync -a "$DIR/local/" "$SITEGEN_HOST_WEB:$DIR/remote-rsh/"   # RSYNC_RSH, no -e\n'
        '$SITEGEN_SSH "$SITEGEN_HOST_WEB" "cat $DIR/remote/file.txt"\n'
        "```\n"
        "```sh {#there on=web}\n"
        'echo "on web: $(ls "$DIR/remote")"\n'
        "```\n"
    )


@pytest.fixture
def env(tmp_path: Path, sshd: LoopbackSSHD) -> dict[str, str]:
    env = base_environ(tmp_path)
    env["SITEGEN_SSH_CONFIG"] = str(sshd.ssh_config)
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "file.txt").write_text("uploaded\n")
    return env


def test_rsync_reaches_the_resolved_host_over_the_shared_connection(sshd, write_runbook, run_cli, env,
                                                                     tmp_path) -> None:
    # The book's own destination is a host that does not exist; --host decides where it goes.
    path = write_runbook(book("deploy@staging.invalid"))
    before = accepted(sshd)
    result = run_cli(str(path), "--host", f"web={sshd.destination}", "--var", f"DIR={tmp_path}", environ=env)
    assert result.code == 0, result
    assert "[upload@local] to sitegen.web" in result.out
    assert (tmp_path / "remote" / "file.txt").read_text() == "uploaded\n"
    assert (tmp_path / "remote-rsh" / "file.txt").read_text() == "uploaded\n"
    assert "[upload@local] uploaded" in result.out
    assert "[there@web] on web: file.txt" in result.out
    # Preflight, two rsyncs, one ssh and the remote step: one login, one ControlMaster.
    assert accepted(sshd) - before == 1


def test_aliases_from_the_users_ssh_config_resolve(sshd, write_runbook, run_cli, env, tmp_path) -> None:
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host staging-web\n"
        f"  HostName 127.0.0.1\n  Port {sshd.port}\n  User {sshd.user}\n"
        + sshd.ssh_config.read_text()
    )
    env["SITEGEN_SSH_CONFIG"] = str(config)
    path = write_runbook(book("staging-web"))
    result = run_cli(str(path), "--var", f"DIR={tmp_path}", environ=env)
    assert result.code == 0, result
    assert "[upload@local] to staging-web" in result.out
    assert (tmp_path / "remote" / "file.txt").read_text() == "uploaded\n"


def test_an_unreachable_referenced_host_fails_preflight_naming_step_and_host(write_runbook, run_cli, env,
                                                                             tmp_path) -> None:
    path = write_runbook(book("nobody@127.0.0.1:1"))
    result = run_cli(str(path), "--var", f"DIR={tmp_path}", "--step", "upload", environ=env)
    assert result.code == 1
    assert "host web (used by upload): cannot reach nobody@127.0.0.1:1" in result.error
    assert not (tmp_path / "remote").exists()


def test_a_misspelt_host_variable_is_a_preflight_problem(write_runbook, run_cli, env, tmp_path) -> None:
    text = book("nobody@127.0.0.1:1").replace("$SITEGEN_HOST_WEB:$DIR/remote/", "$SITEGEN_HOST_WBE:$DIR/remote/")
    result = run_cli(str(write_runbook(text)), "--var", f"DIR={tmp_path}", "--check", environ=env)
    assert result.code == 1
    assert "step 'upload': $SITEGEN_HOST_WBE names no declared host (declared: web, prod)" in result.error


def test_destinations_and_config() -> None:
    web = Host("web", ssh="deploy@10.0.0.5:2222")
    prod = Host("prod", ssh="prod-alias")
    v6 = Host("v6", ssh="ssh://root@[::1]:22")
    assert [destination(h) for h in (web, prod, v6)] == ["sitegen.web", "prod-alias", "sitegen.v6"]
    text = config_text([web, prod, v6], Path("/tmp/sg-x"), "/etc/my ssh")
    assert "Host sitegen.web\n  HostName 10.0.0.5\n  Port 2222\n  User deploy\n" in text
    assert "Host sitegen.v6\n  HostName ::1\n  Port 22\n  User root\n" in text
    assert "prod-alias" not in text
    assert "  ControlPath /tmp/sg-x/%C\n" in text and text.endswith("Match all\n  Include '/etc/my ssh'\n")
    env = local_env([web, prod, Host("here")], Path("/tmp/sg-x/ssh_config"))
    assert env == {"SITEGEN_SSH": "ssh -F /tmp/sg-x/ssh_config", "RSYNC_RSH": "ssh -F /tmp/sg-x/ssh_config",
                   "SITEGEN_HOST_WEB": "sitegen.web", "SITEGEN_HOST_PROD": "prod-alias"}
    assert host_var("db-1.eu") == "SITEGEN_HOST_DB_1_EU"
    assert referenced_hosts("$SITEGEN_HOST_ARCH ${SITEGEN_HOST_WEB} $SITEGEN_HOST_NOPE", ["web"]) == (
        ("web",), ("SITEGEN_HOST_NOPE",))
