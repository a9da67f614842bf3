"""A Jekyll blog written from Jekyll's documentation: `sitegen init --from jekyll` converts
_config.yml; with _posts/ moved (unchanged) to content/posts/, every URL Jekyll makes is there."""

from __future__ import annotations

import contextlib
import io
import shutil
import tomllib
from pathlib import Path

import pytest
from url_rules import jekyll, parity

from sitegen.build.builder import Builder
from sitegen.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "jekyll"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, str]:
    root = tmp_path_factory.mktemp("jekyll")
    site = root / "site"
    shutil.copytree(FIXTURE, site)
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        assert main(["init", "--from", "jekyll", str(site)]) == 0
    (site / "content").mkdir()
    shutil.move(site / "_posts", site / "content/posts")  # what init tells the user to do
    for page in ("index.md", "about.md", "contact.md"):
        shutil.move(site / page, site / "content" / page)
    Builder(site, root / "out", cache_dir=root / "cache").build()
    return site, root / "out", tomllib.loads((site / "sitegen.toml").read_text()), said.getvalue()


def test_every_url_jekyll_would_make_is_there(built: tuple[Path, Path, dict, str]) -> None:
    site, out, _, _ = built
    expected = jekyll(site, "date", posts="content/posts")
    assert "jekyll/update/2014/01/05/welcome-to-jekyll.html" in expected["pages"]
    assert "custom/2015/Custom-Place/index.html" in expected["pages"]
    for kind, (present, total, missing) in parity(expected, out).items():
        assert present == total, f"{kind}: missing {missing}"


def test_pages_keep_their_urls_and_index_is_the_home_page(built: tuple[Path, Path, dict, str]) -> None:
    _, out, _, _ = built
    assert (out / "about/index.html").is_file()  # its own permalink
    assert (out / "contact.html").is_file()  # the `date` style gives pages /:path:output_ext
    assert "Welcome to the home page." in (out / "index.html").read_text()


def test_unpublished_posts_stay_out(built: tuple[Path, Path, dict, str]) -> None:
    _, out, _, _ = built
    assert not list(out.rglob("*unpublished*"))


def test_init_maps_the_config_and_says_what_to_move(built: tuple[Path, Path, dict, str]) -> None:
    _, out, config, said = built
    assert config["base_url"] == "https://jekyll.example.org"
    assert config["collections"]["posts"]["permalink"] == "/{categories}/{year}/{month}/{day}/{slug}.html"
    assert config["content"]["conventions"] == "jekyll"
    assert "git mv _posts content/posts" in said
    assert (out / "feed.xml").is_file() and (out / "tags/intro/index.html").is_file()
