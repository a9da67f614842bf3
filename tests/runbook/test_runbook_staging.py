"""Staging on another architecture on purpose (--accept-arch), and privilege through sudo -n
(the sudo attribute), against a real sshd on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from runbook_support import MACHINE, OTHER_ARCH, base_environ

from sitegen.runbook.testing import LoopbackSSHD


@pytest.fixture
def env(tmp_path: Path, sshd: LoopbackSSHD) -> dict[str, str]:
    env = base_environ(tmp_path)
    env["SITEGEN_SSH_CONFIG"] = str(sshd.ssh_config)
    return env


def arch_book(body: str) -> str:
    return ("---\nrunbook:\n  hosts:\n    web: {ssh: \"deploy@other-arch.invalid\", arch: " + OTHER_ARCH + "}\n---\n"
            + body)


SERVE = "```sh {#serve on=web}\necho \"serving on $SITEGEN_HOST_ARCH\"\n```\n"


def test_a_staging_host_of_another_arch_is_refused_then_accepted_on_purpose(sshd, write_runbook, run_cli,
                                                                           env) -> None:
    path = write_runbook(arch_book(SERVE))
    refused = run_cli(str(path), "--host", f"web={sshd.destination}", environ=env)
    assert refused.code == 1
    assert (f"host web (used by serve) is declared arch {OTHER_ARCH} but uname -m says {MACHINE} "
            "(to use it anyway, e.g. for staging: --accept-arch web)") in refused.error
    accepted = run_cli(str(path), "--host", f"web={sshd.destination}", "--accept-arch", "web", environ=env)
    assert accepted.code == 0, accepted
    assert f"[serve@web] serving on {MACHINE}" in accepted.out


def test_a_step_that_requires_the_declared_arch_still_refuses_it(sshd, write_runbook, run_cli, env) -> None:
    path = write_runbook(arch_book(SERVE + f"```sh {{#native on=web arch={OTHER_ARCH}}}\nuname -m\n```\n"))
    result = run_cli(str(path), "--host", f"web={sshd.destination}", "--accept-arch", "web", environ=env)
    assert result.code == 1
    assert f"step 'native': needs arch {OTHER_ARCH} but host 'web' is {MACHINE}" in result.error
    assert "serving" not in result.out


def test_accept_arch_names_a_declared_host(write_runbook, run_cli, env) -> None:
    result = run_cli(str(write_runbook(arch_book(SERVE))), "--accept-arch", "wbe", environ=env)
    assert result.code == 1 and "--accept-arch wbe: no such host (declared: web)" in result.error


SUDO_BOOK = """---
runbook:
  hosts:
    web: {ssh: "%s"}
  vars: {GREETING: "it's $(not) run"}
  secrets: [TOKEN]
---
```sh {#as-root on=%s sudo}
echo "uid=$(id -u) greeting=$GREETING token=${#TOKEN} step=$SITEGEN_STEP"
```

```text {#conf on=%s write=%s mode=0640 sudo}
listen 80
```
"""


@pytest.mark.parametrize("where", ["local", "web"])
def test_sudo_runs_as_root_with_the_steps_values(where, sshd, write_runbook, run_cli, env, tmp_path) -> None:
    conf = tmp_path / "etc" / "site.conf"
    path = write_runbook(SUDO_BOOK % (sshd.destination, where, where, conf))
    env["TOKEN"] = "s3cret"
    result = run_cli(str(path), environ=env)
    assert result.code == 0, result
    assert f"[as-root@{where}] uid=0 greeting=it's $(not) run token=6 step=as-root" in result.out
    assert conf.read_text() == "listen 80\n" and conf.stat().st_mode & 0o777 == 0o640
    assert conf.stat().st_uid == 0


def test_a_sudo_that_wants_a_password_fails_preflight_and_never_hangs(deploy_sshd, write_runbook, run_cli,
                                                                      tmp_path) -> None:
    env = base_environ(tmp_path)
    env["SITEGEN_SSH_CONFIG"] = str(deploy_sshd.ssh_config)
    env["TOKEN"] = "x-token"
    path = write_runbook(SUDO_BOOK % (deploy_sshd.destination, "web", "web", "/etc/sitegen-never-written.conf"))
    result = run_cli(str(path), environ=env)
    assert result.code == 1
    assert ("step 'as-root': host web (used by as-root, conf): `sudo -n` would need a password there "
            "(sudo: a password is required); allow these commands without one (NOPASSWD in sudoers) "
            "or drop the sudo attribute") in result.error
    assert "nothing was run" in result.error
    assert not Path("/etc/sitegen-never-written.conf").exists()
