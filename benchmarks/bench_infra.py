"""Wall time of this project's own infra runbooks, run for real.

    python3 benchmarks/bench_infra.py [--repeats 3] [--skip-package] [--skip-deploy]

Package: `sitegen run infra/package.md` (wheel and sdist built twice and compared, site tarball,
native and aarch64 bundles, the emulated build); the first run warms pip's cache and is not
counted. Then the example site is built natively and under qemu-aarch64-static from the same
bundles, `--clean` each time (the emulated figure needs .ci/aarch64-userland).

Deploy: `sitegen run infra/deploy.md` to a loopback sshd (as the unprivileged deploy user the
tests use, when run as root) and an http.server on DIR/current: a deploy, and a deploy whose
health check fails at once (HEALTH_TIMEOUT=0, a refused port) and rolls back, with the
rollback step's own time from the run's JSON events. Prints medians in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sitegen.runbook.testing import LoopbackSSHD, free_port  # noqa: E402 (after the sys.path line)

AARCH64_ROOT = Path(os.environ.get("SITEGEN_AARCH64_ROOT", "/var/cache/sitegen/aarch64-root"))
DEPLOY_USER = "sitegen-deploy"


def timed(argv: list[str], env: dict[str, str], expect: int = 0) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != expect:
        sys.exit(f"{' '.join(argv[:6])}… exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return took, proc.stdout


def step_durations(out: str) -> dict[str, float]:
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {e["step"]: e["duration"] for e in events if e.get("event") == "step"}


def line(label: str, values: list[float]) -> None:
    spread = f"  (min {min(values):.2f}, max {max(values):.2f}, n={len(values)})" if len(values) > 1 else ""
    print(f"  {label:<44} {statistics.median(values):7.2f} s{spread}")


def bench_package(repeats: int, tmp: Path, env: dict[str, str]) -> None:
    argv = [sys.executable, "-m", "sitegen", "run", str(REPO / "infra/package.md"), "--yes", "--json",
            "--var", f"AARCH64_ROOT={AARCH64_ROOT}"]
    timed([*argv, "--var", f"DIST={tmp / 'warm'}"], env)
    totals: list[float] = []
    steps: dict[str, list[float]] = {}
    for n in range(repeats):
        took, out = timed([*argv, "--var", f"DIST={tmp / f'dist{n}'}"], env)
        totals.append(took)
        for name, seconds in step_durations(out).items():
            steps.setdefault(name, []).append(seconds)
    print("package (warm pip cache):")
    line("sitegen run infra/package.md, whole run", totals)
    for name, values in steps.items():
        line(f"  step {name}", values)
    work = tmp / "dist0" / ".work"
    native, emulated = [], []
    for n in range(repeats):
        took, _ = timed([sys.executable, "-m", "sitegen", "build", str(work / "src"), "--out", str(tmp / f"n{n}"),
                         "--cache-dir", str(tmp / f"nc{n}"), "--clean"], {**env, "PYTHONPATH": str(work / "native")})
        native.append(took)
        if (AARCH64_ROOT / "usr/bin/python3.11").exists() and shutil.which("qemu-aarch64-static"):
            took, _ = timed(["qemu-aarch64-static", "-L", str(AARCH64_ROOT), str(AARCH64_ROOT / "usr/bin/python3.11"),
                             "-m", "sitegen", "build", str(work / "src"), "--out", str(tmp / f"a{n}"),
                             "--cache-dir", str(tmp / f"ac{n}"), "--clean"],
                            {**env, "PYTHONPATH": str(tmp / "dist0" / "aarch64")})
            emulated.append(took)
    print("example site build, --clean, process wall time:")
    line("x86_64, native bundle", native)
    if emulated:
        line("aarch64 bundle under qemu-aarch64-static", emulated)
        print(f"  {'emulation slowdown':<44} {statistics.median(emulated) / statistics.median(native):7.1f} x")


def bench_deploy(repeats: int, tmp: Path, env: dict[str, str]) -> None:
    as_deploy_user = os.geteuid() == 0
    if as_deploy_user:
        try:
            pwd.getpwnam(DEPLOY_USER)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--password", "*", DEPLOY_USER],
                           check=True)
    user = DEPLOY_USER if as_deploy_user else None
    (tmp / "sshd").mkdir()
    with LoopbackSSHD(tmp / "sshd", user=user) as sshd:
        home = Path(pwd.getpwnam(sshd.user).pw_dir)
        root = Path(tempfile.mkdtemp(prefix="bench-www-", dir=home))
        entry = pwd.getpwnam(sshd.user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory",
                                   str(root / "current"), str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = {**env, "SITEGEN_SSH_CONFIG": str(sshd.ssh_config)}

        def deploy(release: str, *extra: str, expect: int = 0) -> tuple[float, str]:
            return timed([sys.executable, "-m", "sitegen", "run", str(REPO / "infra/deploy.md"), "--yes", "--json",
                          "--host", f"web={sshd.destination}", "--var", f"DEPLOY_ROOT={root}",
                          "--var", f"HEALTH_URL=http://127.0.0.1:{port}", "--var", f"RELEASE={release}", *extra],
                         env, expect)

        try:
            deploy("warm")
            deploys, rollbacks, restores, builds = [], [], [], []
            for n in range(repeats):
                took, out = deploy(f"d{n}")
                deploys.append(took)
                builds.append(step_durations(out)["site"])
                took, out = deploy(f"f{n}", "--var", "HEALTH_TIMEOUT=0", "--var",
                                   f"HEALTH_URL=http://127.0.0.1:{free_port()}", expect=1)
                rollbacks.append(took)
                restores.append(step_durations(out)["restore"])
            print(f"deploy of the example site to loopback (ssh as {sshd.user}):")
            line("a deploy, whole run", deploys)
            line("  of which building the site", builds)
            line("a deploy whose health check fails, whole run", rollbacks)
            line("  of which the rollback step", restores)
        finally:
            server.terminate()
            server.wait()
            shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-package", action="store_true")
    parser.add_argument("--skip-deploy", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-infra-"))
    env = {**os.environ, "PYTHONPATH": str(REPO), "SITEGEN_VERIFIED": "off",
           "XDG_STATE_HOME": str(tmp / "state"), "XDG_CACHE_HOME": str(tmp / "cache")}
    try:
        if not args.skip_deploy:
            bench_deploy(args.repeats, tmp, env)
        if not args.skip_package:
            bench_package(args.repeats, tmp, env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
