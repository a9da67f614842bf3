"""Large builds fork worker processes; their output must be byte-identical to a serial build.

Small test sites stay below the threshold where the engine forks, so this builds the wolfgirl
corpus (288 files) both ways, then edits one post and rebuilds both ways again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.engine import PARALLEL_THRESHOLD

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpora" / "wolfgirl"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def corpus_site(tmp_path: Path) -> Path:
    if not (CORPUS / "content").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the wolfgirl corpus is missing at {CORPUS}; CI must have it")
        pytest.skip("wolfgirl corpus not present")
    site = tmp_path / "site"
    shutil.copytree(CORPUS / "content", site / "content")
    shutil.copy(REPO / "tests" / "ports" / "wolfgirl" / "sitegen.toml", site)
    for path in site.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return site


def _build(site: Path, out: Path, cache: Path, jobs: int) -> str:
    """`sitegen build -v` in a fresh process: forking is only allowed without other threads,
    and a test process may have some (servers of other tests), so the real CLI runs here."""
    env = {**os.environ, "SITEGEN_JOBS": str(jobs)}
    proc = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", str(site), "--out", str(out), "--cache-dir", str(cache), "-v"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_forked_build_matches_serial_build(corpus_site: Path, tmp_path: Path) -> None:
    assert len(list((corpus_site / "content").rglob("*.md"))) >= PARALLEL_THRESHOLD
    serial = _build(corpus_site, tmp_path / "serial", tmp_path / "c1", jobs=1)
    forked = _build(corpus_site, tmp_path / "forked", tmp_path / "c2", jobs=2)
    assert "rendered in 2 processes" in forked
    assert "processes" not in serial
    assert _tree(tmp_path / "serial") == _tree(tmp_path / "forked")

    post = sorted((corpus_site / "content" / "blog").glob("*.md"))[5]
    post.write_text(post.read_text("utf-8") + "\nA sentence added by the test.\n", "utf-8")
    again_serial = _build(corpus_site, tmp_path / "serial", tmp_path / "c1", jobs=1)
    again_forked = _build(corpus_site, tmp_path / "forked", tmp_path / "c2", jobs=2)
    def rendered(out: str) -> list[str]:
        return [line for line in out.splitlines() if line.strip().startswith("rendered /")]

    assert rendered(again_forked) and rendered(again_forked) == rendered(again_serial)
    served = _tree(tmp_path / "forked")
    assert served == _tree(tmp_path / "serial")
    assert any(b"A sentence added by the test." in data for data in served.values())


@pytest.mark.parametrize("items, workers", [(100, 2), (7, 2), (13, 4), (1, 2), (0, 2), (1000, 3)])
def test_work_is_split_into_several_even_chunks_per_worker_in_order(items: int, workers: int) -> None:
    from sitegen.build.render import CHUNKS_PER_WORKER, split

    chunks = split(list(range(items)), workers)
    assert [x for chunk in chunks for x in chunk] == list(range(items))
    assert len(chunks) == max(1, min(items, workers * CHUNKS_PER_WORKER))
    sizes = [len(c) for c in chunks]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("weights", [[5] * 100, list(range(1, 300)), [1000] + [1] * 50, [3], [], [7, 1, 7, 1]])
def test_weighted_chunks_cover_every_item_once_heaviest_first_and_shrink(weights: list[int]) -> None:
    from sitegen.build.render import split_weighted

    items = [f"page{i}" for i in range(len(weights))]
    chunks = split_weighted(items, weights, 2)
    flat = [x for chunk in chunks for x in chunk]
    assert sorted(flat) == sorted(items) and len(flat) == len(items)
    weight = dict(zip(items, weights, strict=True))
    order = [weight[x] for x in flat]
    assert order == sorted(order, reverse=True)
    totals = [sum(weight[x] for x in chunk) for chunk in chunks]
    if len(set(weights)) == 1 and len(weights) > 16:
        # Even pages: the chunks shrink, and none is more than a quarter of the work.
        assert totals == sorted(totals, reverse=True) and totals[0] <= sum(weights) / 4 + weights[0]
        assert 4 <= len(chunks) <= 40


def test_forked_build_reports_the_first_bad_page_in_file_order(tmp_path: Path) -> None:
    """Workers take the longest pages first; the error must still be the one a serial build gives."""
    site = tmp_path / "site"
    posts = site / "content" / "blog"
    posts.mkdir(parents=True)
    (site / "sitegen.toml").write_text('title = "t"\nbase_url = "https://example.org"\n', "utf-8")
    for i in range(PARALLEL_THRESHOLD + 20):
        body = "Words. " * (10 if i != 60 else 5000)
        (posts / f"p{i:03d}.md").write_text(f"---\ntitle: P{i}\npublished: {1700000000 + i}\n---\n{body}\n", "utf-8")
    # Two pages with broken front matter: a short one early in file order, a long one later (taken first).
    (posts / "p010.md").write_text("---\ntitle: [Ten\npublished: 1700000010\n---\nShort.\n", "utf-8")
    (posts / "p060.md").write_text("---\ntitle: [Sixty\npublished: 1700000060\n---\n" + "Long. " * 5000, "utf-8")
    errors = []
    for jobs in (1, 2):
        env = {**os.environ, "SITEGEN_JOBS": str(jobs)}
        proc = subprocess.run(
            [sys.executable, "-m", "sitegen", "build", str(site), "--out", str(tmp_path / f"o{jobs}"),
             "--cache-dir", str(tmp_path / f"c{jobs}")],
            capture_output=True, text=True, env=env, check=False,
        )
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        errors.append(proc.stderr.strip())
    assert "p010.md" in errors[0] and errors[1] == errors[0]


def _wait_for_flag(chunk: list[str]) -> list[tuple[int, bool]]:
    """A worker that waits (30 s at most) for the parent to raise a flag."""
    import time

    flag = Path(chunk[0])
    deadline = time.monotonic() + 30
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return [(os.getpid(), flag.exists())]


def test_meanwhile_runs_in_the_parent_while_the_workers_work(tmp_path: Path) -> None:
    from sitegen.build.render import in_workers

    flag = tmp_path / "flag"
    ran_in: list[int] = []

    def meanwhile() -> None:
        ran_in.append(os.getpid())
        flag.touch()

    results = in_workers(_wait_for_flag, [[str(flag)], [str(flag)]], 2, meanwhile=meanwhile)
    assert ran_in == [os.getpid()]
    # Both workers were still running when the parent raised the flag, and they ran elsewhere.
    assert [saw for part in results for _, saw in part] == [True, True]
    assert os.getpid() not in {pid for part in results for pid, _ in part}


def test_a_forked_build_opens_the_body_store_before_forking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Processes creating one SQLite file at once race on its WAL set-up: one of them fails with
    "database is locked" (6 runs in 40 of four forked writers here, none once it existed). The
    parent creates the body store before it forks, so workers only open it."""
    import threading

    from sitegen.build import pages, render
    from sitegen.build.builder import Builder

    site = tmp_path / "site"
    (site / "content" / "blog").mkdir(parents=True)
    (site / "sitegen.toml").write_text('title = "t"\nbase_url = "https://example.org"\n', "utf-8")
    for i in range(PARALLEL_THRESHOLD + 2):
        (site / "content" / "blog" / f"p{i}.md").write_text(f"---\ntitle: P{i}\npublished: {1700000000 + i}\n---\nx\n")
    cache = tmp_path / "cache"
    seen: list[bool] = []

    def in_workers(task, chunks, processes=None, meanwhile=None):  # runs the chunks here, in place of a fork
        seen.append((cache / "bodies.sqlite").is_file())
        if meanwhile is not None:
            meanwhile()
        return [task(chunk) for chunk in chunks]

    # The build forks only when the process has no other thread; servers of other tests may be running.
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(pages, "in_workers", in_workers)
    monkeypatch.setattr(render, "in_workers", in_workers)
    Builder(site, tmp_path / "out", cache_dir=cache, jobs=2).build()
    assert seen and all(seen)


def test_parse_workers_skip_code_block_lookups_only_in_a_cache_that_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a fresh cache every highlighted-block lookup misses; forked parse workers do not ask the
    database then. A later build, with blocks stored, finds them there."""
    import threading

    from sitegen.build import pages, render, store
    from sitegen.build.builder import Builder

    site = tmp_path / "site"
    (site / "content" / "blog").mkdir(parents=True)
    (site / "sitegen.toml").write_text('title = "t"\nbase_url = "https://example.org"\n', "utf-8")
    for i in range(PARALLEL_THRESHOLD + 2):
        (site / "content" / "blog" / f"p{i}.md").write_text(
            f"---\ntitle: P{i}\npublished: {1700000000 + i}\n---\n```python\nx = {i}\n```\n")
    cache, out = tmp_path / "cache", tmp_path / "out"
    asked: list[str] = []
    stored_block = store.BodyStore.stored_block

    def counting(self: store.BodyStore, key: str) -> str | None:
        asked.append(key)
        return stored_block(self, key)

    def in_workers(task, chunks, processes=None, meanwhile=None):  # the chunks run here, in place of a fork
        if meanwhile is not None:
            meanwhile()
        return [task(chunk) for chunk in chunks]

    monkeypatch.setattr(store.BodyStore, "stored_block", counting)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(pages, "in_workers", in_workers)
    monkeypatch.setattr(render, "in_workers", in_workers)
    Builder(site, out, cache_dir=cache, jobs=2).build()
    assert asked == []
    assert '<span class="mi">7</span>' in (out / "blog" / "p7" / "index.html").read_text()
    # Every page again (the cache now has the blocks): a parallel parse, asking the database.
    Builder(site, out, cache_dir=cache, jobs=2, clean=True).build()
    assert len(asked) == PARALLEL_THRESHOLD + 2
    # An edit, parsed in this process: asked too.
    (site / "content" / "blog" / "p3.md").write_text(
        f"---\ntitle: P3\npublished: {1700000003}\n---\n```python\nx = 3\n```\n\nMore.\n")
    asked.clear()
    Builder(site, out, cache_dir=cache, jobs=2).build()
    assert asked and '<span class="mi">3</span>' in (out / "blog" / "p3" / "index.html").read_text()
