"""The real command: `python -m sitegen serve` serves, and exits cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from serve_support import make_site

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_then_interrupt_exits_zero_without_traceback(tmp_path: Path, sig: signal.Signals) -> None:
    site = make_site(tmp_path / "site")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", str(site), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"serving (http://127\.0\.0\.1:\d+)/", line)
        assert match, line + (proc.stderr.read() if proc.stderr else "")
        with urllib.request.urlopen(match.group(1) + "/blog/wip/", timeout=10) as res:
            assert b"A draft." in res.read()
        # the preview is built under the cache, never into the site's public/
        assert not (site / "public").exists()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "stopped" in out


def test_no_drafts_hides_drafts(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", str(site), "--port", "0", "--no-drafts"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"serving (http://127\.0\.0\.1:\d+)/ \(drafts hidden", line)
        assert match, line + (proc.stderr.read() if proc.stderr else "")
        with urllib.request.urlopen(match.group(1) + "/blog/hello/", timeout=10) as res:
            assert res.status == 200
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(match.group(1) + "/blog/wip/", timeout=10)
        assert missing.value.code == 404
        with urllib.request.urlopen(match.group(1) + "/", timeout=10) as res:
            assert b"Work in progress" not in res.read()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err


@pytest.mark.parametrize("flags", [[], ["--no-drafts"]])
def test_missing_site_is_one_error(tmp_path: Path, flags: list[str]) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "sitegen", "serve", str(tmp_path / "nowhere"), "--port", "0", *flags],
                          capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 1
    assert done.stderr.startswith("error:") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
