"""Fixtures for runbook tests: a real loopback sshd, runbook files, and a CLI runner."""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from runbook_support import CliResult, base_environ
from s3_support import Moto

from sitegen.errors import SitegenError
from sitegen.runbook import cli
from sitegen.runbook.testing import LoopbackSSHD, SSHDUnavailable


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSSHD]:
    """A real OpenSSH server on 127.0.0.1 for the whole session.

    A missing sshd is a failure, never a skip: these tests are the only proof that the SSH
    runner works (.ci/run installs openssh-server).
    """
    try:
        server = LoopbackSSHD(tmp_path_factory.mktemp("sshd")).start()
    except SSHDUnavailable as exc:
        pytest.fail(f"cannot start the loopback sshd: {exc}")
    yield server
    server.stop()


@pytest.fixture
def write_runbook(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented runbook into tmp_path and return its path."""

    def write(text: str, name: str = "book.md") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return write


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., CliResult]:
    """Call configure()+execute() the way the main CLI will, with a private state dir."""

    def run(*argv: str, environ: Mapping[str, str] | None = None, interactive: bool = False,
            runner_factory: cli.RunnerFactory | None = None, state: bool = True) -> CliResult:
        parser = argparse.ArgumentParser(prog="sitegen run")
        cli.configure(parser)
        extra = ["--state-dir", str(tmp_path / "state")] if state else []
        args = parser.parse_args([*argv, *extra])
        out = io.StringIO()
        env = base_environ(tmp_path) if environ is None else dict(environ)
        # Runs of the checkout's own runbooks (with fake runners too) must not rewrite the
        # example site's verification records; tests of the records say SITEGEN_VERIFIED=on.
        env.setdefault("SITEGEN_VERIFIED", "off")
        try:
            code = cli.execute(args, environ=env, out=out, interactive=interactive,
                               runner_factory=runner_factory)
        except SitegenError as exc:
            return CliResult(1, out.getvalue(), str(exc))
        return CliResult(code, out.getvalue())

    return run




DEPLOY_USER = "sitegen-deploy"
"""An unprivileged account that deployments log in as (created here when missing)."""


@pytest.fixture(scope="session")
def deploy_user() -> str:
    """A real unprivileged user with bash, no password and no sudo rights."""
    import pwd

    try:
        pwd.getpwnam(DEPLOY_USER)
    except KeyError:
        if os.geteuid() != 0:
            pytest.fail(f"the deployment tests need a user {DEPLOY_USER!r}: run them as root once, or "
                        f"useradd -m -s /bin/bash -p '*' {DEPLOY_USER}")
        # `-p '*'`: no password, yet not locked ('!'), which sshd without PAM would refuse.
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--password", "*", DEPLOY_USER],
                       check=True, capture_output=True)
    return DEPLOY_USER


@pytest.fixture(scope="session")
def deploy_sshd(tmp_path_factory: pytest.TempPathFactory, deploy_user: str) -> Iterator[LoopbackSSHD]:
    """A real sshd on 127.0.0.1 that logs clients in as the unprivileged deploy user."""
    try:
        server = LoopbackSSHD(tmp_path_factory.mktemp("deploy-sshd"), user=deploy_user,
                              user_environment=True).start()
    except SSHDUnavailable as exc:
        pytest.fail(f"cannot start the loopback sshd: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moto]:
    """moto's S3 server on loopback, for the object-storage runbooks (infra/deploy-s3.md, infra/publish.md)."""
    assert shutil.which("rclone"), "rclone syncs the bucket (.ci/run installs Debian's rclone)"
    server = Moto(tmp_path_factory.mktemp("moto"))
    yield server
    server.close()
