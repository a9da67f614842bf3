"""Whole-site golden test: build fixtures/basic and compare every output file with golden/basic.

The fixture site overrides every template the engine renders, so a change here is a change in
what the engine hands templates (URLs, lists, pagination, dates, feeds, escaping), never in
the theme's looks. `highlight.css` is left out: it is Pygments' stylesheet, which changes with
the Pygments version and says nothing about the engine; nor are the theme's `replies.js` and
`copy-code.js`, the theme's own scripts copied as they are. `style.css` and `img/note.txt` are the
fixture's own static files (the site's static/ overrides the theme's), so they are compared.

Regenerate after an intended change with `SITEGEN_UPDATE_GOLDEN=1 pytest tests/site`, then
review the diff of tests/site/golden/ before committing it.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from sitegen.engine import Builder

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "basic"
GOLDEN = HERE / "golden" / "basic"
NOT_COMPARED = {"highlight.css", "replies.js", "copy-code.js"}


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).as_posix() not in NOT_COMPARED
    }


def _diff(name: str, expected: bytes, actual: bytes) -> str:
    lines = difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(),
        actual.decode("utf-8", "replace").splitlines(),
        f"golden/{name}", f"built/{name}", lineterm="",
    )
    return "\n".join(list(lines)[:60])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("golden")
    Builder(FIXTURE, tmp / "out", cache_dir=tmp / "cache").build()
    return tmp / "out"


def test_the_fixture_overrides_every_template_the_engine_renders(built):
    from sitegen.theme import bundled_themes_dir

    engine_uses = {
        "base.html", "post.html", "page.html", "list.html", "home.html", "terms.html", "term.html",
        "archives.html", "archive.html", "404.html", "atom.xml", "sitemap.xml", "robots.txt", "redirect.html",
    }
    theme = bundled_themes_dir() / "default" / "templates"
    top_level_theme = {p.name for p in theme.iterdir() if p.is_file()}
    ours = {p.name for p in (FIXTURE / "templates").iterdir()}
    assert engine_uses <= ours
    # A template the theme gains later would leak theme markup into the golden files.
    assert top_level_theme <= ours


def test_built_site_matches_golden(built):
    actual = _files(built)
    if os.environ.get("SITEGEN_UPDATE_GOLDEN") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in actual.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    expected = _files(GOLDEN)
    assert sorted(actual) == sorted(expected), "the set of output files differs from golden/basic"
    mismatched = [rel for rel in expected if expected[rel] != actual[rel]]
    assert not mismatched, "\n\n".join(_diff(rel, expected[rel], actual[rel]) for rel in mismatched)


def test_golden_build_is_reproducible(built, tmp_path):
    """A second clean build elsewhere gives the same bytes: no build time, no dict-order leaks."""
    Builder(FIXTURE, tmp_path / "out", cache_dir=tmp_path / "cache").build()
    assert _files(tmp_path / "out") == _files(built)


def test_drafts_stay_out_unless_asked(built, tmp_path):
    everything = b"".join(_files(built).values())
    assert b"Unfinished" not in everything and b"secret" not in everything
    Builder(FIXTURE, tmp_path / "out", drafts=True, cache_dir=tmp_path / "cache").build()
    assert (tmp_path / "out" / "blog" / "unfinished" / "index.html").is_file()
    assert (tmp_path / "out" / "tags" / "secret" / "index.html").is_file()
