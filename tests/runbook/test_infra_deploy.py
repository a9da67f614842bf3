"""infra/deploy.md against a real host: a real sshd on 127.0.0.1 that logs in as an unprivileged
deploy user, and a real web server serving DEPLOY_ROOT/current on a loopback port.

The web server is Python's http.server (`--directory DEPLOY_ROOT/current`): like nginx it opens
every request's file through the `current` symlink, so an atomic switch shows at the next
request, and it needs no root, no config and no install. nginx itself is what production runs;
its snippet from infra/nginx/ is checked with `nginx -t` where nginx is installed, and the steps
that need it are left out by the runbook's own NGINX_SNIPPET variable.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from runbook_support import REPO

from sitegen.runbook.testing import LoopbackSSHD, free_port

DEPLOY = REPO / "infra" / "deploy.md"


class Site:
    """A deploy root in the deploy user's home, served over HTTP on loopback."""

    def __init__(self, user: str, sshd: LoopbackSSHD, work: Path) -> None:
        entry = pwd.getpwnam(user)
        self.root = Path(entry.pw_dir) / f"www-{uuid.uuid4().hex[:8]}"
        self.root.mkdir()
        os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.sshd = sshd
        self.work = work
        self.port = free_port()
        self.server = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(self.root / "current"),
             str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", "SITEGEN_VERIFIED": "off",
                "SITEGEN_SSH_CONFIG": str(self.sshd.ssh_config), "XDG_STATE_HOME": str(self.work / "state"),
                "XDG_CACHE_HOME": str(self.work / "cache")}

    def argv(self, release: str, *extra: str, health: str | None = None, host: str | None = None) -> list[str]:
        return [sys.executable, "-m", "sitegen", "run", str(DEPLOY), "--yes",
                "--host", f"web={host or self.sshd.destination}", "--var", f"DEPLOY_ROOT={self.root}",
                "--var", f"HEALTH_URL={health or self.url}", "--var", f"RELEASE={release}", *extra]

    def deploy(self, release: str, *extra: str, **kw: str | None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(release, *extra, **kw), env=self.env(), capture_output=True, text=True,
                              timeout=600)

    def served(self) -> str | None:
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/release.txt", timeout=5) as response:
                    return response.read().decode()
            except urllib.error.HTTPError:
                return None
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)  # the server is still starting

    def releases(self) -> list[str]:
        return sorted(p.name for p in (self.root / "releases").iterdir())

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture
def site(deploy_user: str, deploy_sshd: LoopbackSSHD, tmp_path: Path) -> Iterator[Site]:
    site = Site(deploy_user, deploy_sshd, tmp_path)
    yield site
    site.close()


@pytest.fixture(scope="module")
def live(deploy_user: str, deploy_sshd: LoopbackSSHD, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A site with release `base` live, for the faults: each must leave it served."""
    site = Site(deploy_user, deploy_sshd, tmp_path_factory.mktemp("live"))
    ok(site.deploy("base"))
    yield site
    site.close()


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_deploy_redeploy_and_a_failed_health_check_rolls_back(site: Site) -> None:
    out = ok(site.deploy("r1"))
    assert site.served() == "r1"
    assert "[switch@web] web now serves release r1 (was: )" in out
    assert f"[health@local] web is healthy: {site.url}/release.txt answers r1" in out
    assert os.readlink(site.root / "current") == "releases/r1"
    assert (site.root / "releases" / "r1" / "index.html").is_file()
    assert pwd.getpwuid((site.root / "releases" / "r1").stat().st_uid).pw_name == "sitegen-deploy"

    out = ok(site.deploy("r2"))
    assert site.served() == "r2"
    assert "[switch@web] web now serves release r2 (was: releases/r1)" in out
    # Unchanged files are hard links to the previous release's (rsync --link-dest).
    assert (site.root / "releases/r2/index.html").stat().st_nlink == 2

    failed = site.deploy("r3", "--var", "HEALTH_TIMEOUT=1", health=closed_port_url())
    assert failed.returncode == 1, failed.stdout
    lines = failed.stdout.splitlines()
    assert "==> rolling back with 'restore' because 'health' failed (exit code 1)" in lines
    assert "[restore@web] rolled back web to releases/r2 after health failed (exit code 1)" in lines
    assert lines[-1].startswith("==> stopped: step 'health' failed with exit code 1; rolled back with restore")
    assert site.served() == "r2"
    assert os.readlink(site.root / "current") == "releases/r2"

    out = ok(site.deploy("r4", "--var", "KEEP=2"))
    assert site.served() == "r4"
    # The newest two (r4, r3) stay, and so does the previous release (r2); r1 goes.
    assert site.releases() == ["r2", "r3", "r4"]
    assert "[prune@web] kept 3 releases, removed 1" in out


def test_check_reaches_the_host_and_writes_nothing(site: Site) -> None:
    proc = site.deploy("r1", "--check")
    assert "==> preflight ok:" in ok(proc)
    assert list(site.root.iterdir()) == []
    bad = site.deploy("r1", "--check", host="sitegen-deploy@127.0.0.1:1")
    assert bad.returncode == 1


def test_redeploying_the_live_release_is_refused(live: Site) -> None:
    proc = live.deploy("base")
    assert proc.returncode == 1
    assert "[remote-check@web] release base is already live; deploy a new id" in proc.stdout
    assert live.served() == "base"


def test_unreachable_host(live: Site) -> None:
    proc = live.deploy("x1", host="sitegen-deploy@127.0.0.1:1")
    assert proc.returncode == 1
    assert "host web (used by remote-check, upload, release, switch, prune, restore): cannot reach " \
           "sitegen-deploy@127.0.0.1:1" in proc.stderr
    assert "nothing was run" in proc.stderr
    assert live.served() == "base"


def test_wrong_host_key(live: Site, tmp_path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "impostor")], check=True)
    key = (tmp_path / "impostor.pub").read_text().split()
    (tmp_path / "known_hosts").write_text(f"[127.0.0.1]:{live.sshd.port} {key[0]} {key[1]}\n")
    config = tmp_path / "ssh_config"
    config.write_text(live.sshd.ssh_config.read_text().replace(
        str(live.sshd.dir / "known_hosts"), str(tmp_path / "known_hosts")))
    env = {**live.env(), "SITEGEN_SSH_CONFIG": str(config)}
    proc = subprocess.run(live.argv("x2"), env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "host web (used by remote-check" in proc.stderr and "Host key verification failed" in proc.stderr
    assert live.served() == "base"


def test_rsync_missing_on_the_host(live: Site, deploy_user: str) -> None:
    home = Path(pwd.getpwnam(deploy_user).pw_dir)
    bin_dir = home / "bin-without-rsync"
    bin_dir.mkdir(exist_ok=True)
    for tool in Path("/usr/bin").iterdir():
        if tool.name != "rsync" and not (bin_dir / tool.name).exists():
            (bin_dir / tool.name).symlink_to(tool)
    environment = home / ".ssh" / "environment"
    environment.write_text(f"PATH={bin_dir}\n")
    try:
        proc = live.deploy("x3")
    finally:
        environment.unlink()
        shutil.rmtree(bin_dir)
    assert proc.returncode == 1
    assert "step 'remote-check': needs rsync, which is not installed on host web" in proc.stderr
    assert live.served() == "base"


def test_deploy_root_not_writable(live: Site) -> None:
    releases = live.root / "releases"
    releases.chmod(0o555)
    try:
        proc = live.deploy("x4")
    finally:
        releases.chmod(0o755)
    assert proc.returncode == 1
    assert f"[remote-check@web] cannot write to {releases} as sitegen-deploy on" in proc.stdout
    assert "==> remote-check@web: failed: exit code 1" in proc.stdout
    assert live.served() == "base"


def test_health_url_refusing_connections(live: Site) -> None:
    url = closed_port_url()
    proc = live.deploy("x5", "--var", "HEALTH_TIMEOUT=1", health=url)
    assert proc.returncode == 1
    assert f"[health@local] web is not healthy after 1s: {url}/release.txt: [Errno 111] Connection refused" \
        in proc.stdout
    assert "rolled back with restore" in proc.stdout
    assert live.served() == "base"


def test_interrupted_between_upload_and_switch_leaves_current_and_resumes(live: Site) -> None:
    proc = subprocess.Popen(live.argv("x6"), env=live.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("==> release@web"):
            proc.send_signal(signal.SIGINT)
            break
    rest, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, "".join(seen) + rest
    assert "switch@web" not in rest
    assert os.readlink(live.root / "current") == "releases/base"
    assert live.served() == "base"
    resumed = subprocess.run(live.argv("x6", "--resume"), env=live.env(), capture_output=True, text=True,
                             timeout=300)
    out = ok(resumed)
    assert "resuming run" in out and "==> upload@local" not in out
    assert live.served() == "x6"


def test_production_nginx_snippet_passes_nginx_t(tmp_path: Path) -> None:
    assert shutil.which("nginx"), "nginx checks the production snippet (.ci/run installs it)"
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  server {{\n    listen 127.0.0.1:{free_port()};\n"
        f"    include {REPO / 'infra/nginx/sitegen.conf'};\n  }}\n}}\n")
    proc = subprocess.run(["nginx", "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
