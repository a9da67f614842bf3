"""Large builds fork worker processes; their output must be byte-identical to a serial build.

Small test sites stay below the threshold where the engine forks, so this builds the wolfgirl
corpus (288 files) both ways, then edits one post and rebuilds both ways again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sitegen import engine
from sitegen.engine import PARALLEL_THRESHOLD, Builder

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


def test_forked_build_matches_serial_build(
    corpus_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(list((corpus_site / "content").rglob("*.md"))) >= PARALLEL_THRESHOLD
    forks: list[int] = []
    real = engine._in_workers

    def counting(task, chunks):
        forks.append(len(chunks))
        return real(task, chunks)

    monkeypatch.setattr(engine, "_in_workers", counting)
    serial = Builder(corpus_site, tmp_path / "serial", cache_dir=tmp_path / "c1", jobs=1)
    forked = Builder(corpus_site, tmp_path / "forked", cache_dir=tmp_path / "c2", jobs=2)
    first_serial, first_forked = serial.build(), forked.build()
    assert len(first_serial.rendered) == len(first_forked.rendered) > PARALLEL_THRESHOLD
    assert forks == [2, 2], "the jobs=2 build should fork for pages and for outputs"
    assert _tree(tmp_path / "serial") == _tree(tmp_path / "forked")

    post = sorted((corpus_site / "content" / "blog").glob("*.md"))[5]
    post.write_text(post.read_text("utf-8") + "\nA sentence added by the test.\n", "utf-8")
    # Fresh builders: the state comes from each cache dir, as in a new process.
    again_serial = Builder(corpus_site, tmp_path / "serial", cache_dir=tmp_path / "c1", jobs=1).build()
    again_forked = Builder(corpus_site, tmp_path / "forked", cache_dir=tmp_path / "c2", jobs=2).build()
    assert again_serial.parsed == again_forked.parsed == [f"blog/{post.name}"]
    assert sorted(again_serial.written) == sorted(again_forked.written)
    served = _tree(tmp_path / "forked")
    assert served == _tree(tmp_path / "serial")
    assert any(b"A sentence added by the test." in data for data in served.values())
