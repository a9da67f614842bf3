"""A Hugo site written from Hugo's documentation builds unchanged after `sitegen init --from hugo`."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from url_rules import hugo, parity

from sitegen.build.builder import Builder
from sitegen.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "hugo"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("hugo")
    site = root / "site"
    shutil.copytree(FIXTURE, site)
    assert main(["init", "--from", "hugo", str(site)]) == 0
    Builder(site, root / "out", cache_dir=root / "cache").build()
    return site, root / "out", tomllib.loads((site / "sitegen.toml").read_text())


def test_every_url_hugo_would_make_is_there(built: tuple[Path, Path, dict]) -> None:
    site, out, _ = built
    hugo_config = tomllib.loads((site / "hugo.toml").read_text())
    expected = hugo(site, hugo_config["permalinks"])
    assert "2021/07/the-second-one/index.html" in expected["pages"]
    for kind, (present, total, missing) in parity(expected, out).items():
        assert present == total, f"{kind}: missing {missing}"


def test_expired_and_draft_pages_stay_out(built: tuple[Path, Path, dict]) -> None:
    _, out, _ = built
    assert not list(out.rglob("*expired*")) and not list(out.rglob("*draft*"))


def test_summary_params_and_terms(built: tuple[Path, Path, dict]) -> None:
    _, out, _ = built
    listing = (out / "posts/index.html").read_text()
    assert "What this post is about." in (out / "posts/page/2/index.html").read_text()  # 3 a page, newest first
    assert (out / "tags/getting-started/index.html").is_file()
    assert "The posts section." in listing  # _index.md is the section's intro


def test_init_maps_pagination_permalinks_menu_and_feeds(built: tuple[Path, Path, dict]) -> None:
    _, out, config = built
    assert config["collections"]["posts"]["permalink"] == "/{year}/{month}/{slug}/"
    assert config["collections"]["posts"]["paginate"] == 3
    assert config["menu"] == [{"name": "Posts", "url": "/posts/"}, {"name": "About", "url": "/about/"}]
    assert config["feeds"]["filename"] == "index.xml"
    assert (out / "posts/index.xml").is_file() and (out / "page/2/index.html").is_file()
