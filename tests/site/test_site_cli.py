"""`sitegen build`'s flags, end to end through the real command (`python -m sitegen build`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content" / "blog").mkdir(parents=True)
    (root / "sitegen.toml").write_text('title = "CLI test"\nbase_url = "https://example.org"\n')
    (root / "content" / "blog" / "hello.md").write_text("---\ntitle: Hello\ndate: 2024-01-02\n---\nPublished.\n")
    (root / "content" / "blog" / "wip.md").write_text(
        "---\ntitle: Work in progress\ndate: 2024-01-03\ndraft: true\n---\nA draft.\n"
    )
    return root


def sitegen(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "sitegen", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_build_leaves_drafts_out_unless_asked(site: Path, tmp_path: Path) -> None:
    done = sitegen(tmp_path, "build", str(site))
    assert done.returncode == 0, done.stderr
    public = site / "public"
    assert (public / "blog" / "hello" / "index.html").is_file()
    assert not (public / "blog" / "wip").exists()
    assert "Work in progress" not in (public / "index.html").read_text()
    assert "/blog/wip/" not in (public / "sitemap.xml").read_text()

    done = sitegen(tmp_path, "build", str(site), "--drafts", "--out", str(tmp_path / "with-drafts"))
    assert done.returncode == 0, done.stderr
    assert "A draft." in (tmp_path / "with-drafts" / "blog" / "wip" / "index.html").read_text()
    # ...and the drafts build did not touch the real output
    assert not (public / "blog" / "wip").exists()


def test_base_url_overrides_the_configured_one(site: Path, tmp_path: Path) -> None:
    assert sitegen(tmp_path, "build", str(site)).returncode == 0
    assert "https://example.org/blog/hello/" in (site / "public" / "sitemap.xml").read_text()
    done = sitegen(tmp_path, "build", str(site), "--base-url", "https://staging.example.net/preview/")
    assert done.returncode == 0, done.stderr
    sitemap = (site / "public" / "sitemap.xml").read_text()
    assert "https://staging.example.net/preview/blog/hello/" in sitemap
    assert "example.org" not in sitemap
    assert "https://staging.example.net/preview/" in (site / "public" / "atom.xml").read_text()


def _rendered(stdout: str) -> int:
    match = re.search(r"(\d+) rendered", stdout)
    return int(match.group(1)) if match else 0


def test_clean_renders_everything_again(site: Path, tmp_path: Path) -> None:
    first = sitegen(tmp_path, "build", str(site))
    assert first.returncode == 0 and _rendered(first.stdout) > 0
    again = sitegen(tmp_path, "build", str(site))
    assert again.returncode == 0 and again.stdout.startswith("nothing changed")
    clean = sitegen(tmp_path, "build", str(site), "--clean", "--verbose")
    assert clean.returncode == 0, clean.stderr
    assert _rendered(clean.stdout) == _rendered(first.stdout)
    assert "rendered /blog/hello/  (full build" in clean.stdout
    # --clean is for one build: the next one trusts the cache again
    assert sitegen(tmp_path, "build", str(site)).stdout.startswith("nothing changed")
