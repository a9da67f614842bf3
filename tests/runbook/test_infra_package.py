"""infra/package.md, run for real: a reproducible wheel and sdist, the site tarball with
SHA256SUMS, and the aarch64 bundle — checked here by its wheel tags and ELF headers, and built
under qemu-aarch64-static with Debian's arm64 Python (.ci/run installs both)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from runbook_support import REPO

PACKAGE = REPO / "infra" / "package.md"
AARCH64_ROOT = Path(os.environ.get("SITEGEN_AARCH64_ROOT", "/var/cache/sitegen/aarch64-root"))


def run_package(dist: Path, *extra: str, xdg: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SITEGEN_VERIFIED": "off", "XDG_STATE_HOME": str(xdg / "state"),
           "XDG_CACHE_HOME": str(xdg / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "sitegen", "run", str(PACKAGE), "--yes", "--var", f"DIST={dist}",
         "--var", f"AARCH64_ROOT={AARCH64_ROOT}", *extra],
        env=env, capture_output=True, text=True, timeout=1800,
    )


def elf_machine(path: Path) -> int:
    head = path.read_bytes()[:20]
    assert head[:4] == b"\x7fELF", path
    return struct.unpack("<H" if head[5] == 1 else ">H", head[18:20])[0]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if shutil.which("qemu-aarch64-static") is None or not (AARCH64_ROOT / "usr/bin/python3.11").exists():
        pytest.fail(f"the emulated build needs qemu-user-static and an arm64 userland in {AARCH64_ROOT}: "
                    "run .ci/aarch64-userland (.ci/run does)")
    base = tmp_path_factory.mktemp("package")
    dist = base / "dist"
    proc = run_package(dist, xdg=base)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return dist, proc.stdout


def test_artifacts_and_checksums(packaged) -> None:
    dist, _ = packaged
    names = sorted(p.name for p in dist.iterdir() if not p.name.startswith("."))
    assert names == ["SHA256SUMS", "aarch64", "sitegen-0.1.0-py3-none-any.whl", "sitegen-0.1.0.tar.gz",
                     "sitegen-site-0.1.0.tar.gz"]
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=dist, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 3
    listing = subprocess.run(["tar", "-tzf", str(dist / "sitegen-site-0.1.0.tar.gz")],
                             capture_output=True, text=True, check=True).stdout.split()
    assert "./index.html" in listing and "./atom.xml" in listing


def test_wheel_and_sdist_are_reproducible(packaged, tmp_path: Path) -> None:
    dist, out = packaged
    assert "[dists@local] two builds, identical:" in out
    # A second, independent run of the step gives the same bytes as the first run.
    again = tmp_path / "again"
    proc = run_package(again, "--step", "dists", xdg=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    for name in ("sitegen-0.1.0-py3-none-any.whl", "sitegen-0.1.0.tar.gz"):
        assert (again / name).read_bytes() == (dist / name).read_bytes(), name


def test_aarch64_bundle_is_aarch64(packaged) -> None:
    dist, out = packaged
    bundle = dist / "aarch64"
    tags = [line.split(":", 1)[1].strip() for wheel in bundle.glob("*.dist-info/WHEEL")
            for line in wheel.read_text().splitlines() if line.startswith("Tag:")]
    assert any("aarch64" in t for t in tags) and all(t.endswith("-any") or "aarch64" in t for t in tags)
    objects = [p for p in bundle.rglob("*.so*") if p.is_file()]  # Pillow.libs has libwebp….so.7
    assert {p.parent.name for p in objects} >= {"yaml", "markupsafe", "watchfiles"}
    assert {elf_machine(p) for p in objects} == {183}
    assert (bundle / "sitegen" / "__init__.py").is_file()
    wheels = len(list(bundle.glob("*.dist-info")))
    assert (f"[verify-aarch64@local] {wheels} wheels tagged aarch64 or any; {len(objects)} shared objects, "
            "all AArch64") in out.splitlines()


def test_emulated_build_matches_native(packaged) -> None:
    _, out = packaged
    assert "[emulated-build@local] emulated aarch64 python 3.11" in out
    assert "libyaml: True | loaded: _speedups.cpython-311-aarch64-linux-gnu.so _rust_notify.abi3.so" in out
    assert "[emulated-build@local] aarch64 build identical to the x86_64 build:" in out
    assert "==> emulated-build@local: ok" in out


def test_verify_step_refuses_an_x86_64_extension(tmp_path: Path) -> None:
    """The runbook's own check catches what the classic mistake ships: a native .so."""
    bundle = tmp_path / "dist" / "aarch64"
    (bundle / "pkg-1.0.dist-info").mkdir(parents=True)
    (bundle / "pkg-1.0.dist-info" / "WHEEL").write_text("Wheel-Version: 1.0\nTag: cp311-cp311-linux_x86_64\n")
    shutil.copy("/bin/true", bundle / "pkg_native.so")  # any x86_64 ELF file will do
    proc = run_package(tmp_path / "dist", "--step", "verify-aarch64", "--no-deps", xdg=tmp_path)
    assert proc.returncode == 1, proc.stdout
    assert "pkg-1.0.dist-info: tags cp311-cp311-linux_x86_64" in proc.stdout
    assert "pkg_native.so: ELF machine 62, not 183 (AArch64)" in proc.stdout
