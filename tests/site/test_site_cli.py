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
    env.pop("PYTHONUNBUFFERED", None)  # output to a pipe is block-buffered, as a user's is
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


def test_build_command_ends_without_teardown_yet_loses_no_output(site: Path, tmp_path: Path) -> None:
    """`sitegen build` ends with os._exit (cli.run): buffered output to a pipe must still arrive,
    warnings on stderr included, and the cache database must have been closed (in WAL mode an
    open connection leaves its -wal file behind)."""
    with (site / "sitegen.toml").open("a") as f:
        f.write('[links]\nmissing = "warn"\n')
    for n in range(60):
        (site / "content" / "blog" / f"p{n}.md").write_text(
            f"---\ntitle: Post {n}\ndate: 2024-02-01\n---\nSee [gone](./missing-{n}.md).\n")
    done = sitegen(tmp_path, "build", str(site), "--verbose")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert sum(bool(re.match(r"  rendered /blog/p\d+/ ", line)) for line in lines) == 60
    assert lines[-1].startswith("built ") and _rendered(lines[-1]) > 60
    assert sum("missing-" in line for line in done.stderr.splitlines()) == 60
    cache = tmp_path / "xdg"
    assert list(cache.rglob("*.sqlite*")) or list(cache.rglob("*.db*")), "no cache database found"
    assert not [p for p in cache.rglob("*-wal")], "cache database left open"


def test_failed_build_command_reports_and_exits_1(site: Path, tmp_path: Path) -> None:
    (site / "content" / "blog" / "bad.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    done = sitegen(tmp_path, "build", str(site))
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and "bad.md" in done.stderr
