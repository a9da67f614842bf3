"""A Zola site written from Zola's documentation builds unchanged after `sitegen init --from zola`:
same URLs, redirects for its aliases, bundle files beside their pages, sections as lists."""

from __future__ import annotations

import shutil
from pathlib import Path

import feedparser
import pytest
from url_rules import parity, zola

from sitegen.build.builder import Builder
from sitegen.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "zola"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("zola")
    site = root / "site"
    shutil.copytree(FIXTURE, site)
    before = {p: p.read_bytes() for p in (site / "content").rglob("*") if p.is_file()}
    assert main(["init", "--from", "zola", str(site)]) == 0
    Builder(site, root / "out", cache_dir=root / "cache").build()
    after = {p: p.read_bytes() for p in (site / "content").rglob("*") if p.is_file()}
    assert after == before  # the posts are left as they are
    return site, root / "out", (site / "sitegen.toml").read_text()


def test_every_url_zola_would_make_is_there(built: tuple[Path, Path, str]) -> None:
    site, out, _ = built
    expected = zola(site, strategy="safe")
    assert "blog/Rust-1.17/index.html" in expected["pages"]  # the rule keeps case and dots
    assert {"images/logo.svg", "CNAME"} <= expected["assets"]  # static/, copied to the root
    for kind, (present, total, missing) in parity(expected, out).items():
        assert present == total, f"{kind}: missing {missing}"


def test_aliases_are_small_redirect_pages_outside_lists_feeds_and_sitemap(built: tuple[Path, Path, str]) -> None:
    _, out, _ = built
    html = (out / "2016/09/29/Rust-1.12.html").read_text()
    target = "https://zola.example.org/2016/09/29/Rust-1.12/"
    assert f'<meta http-equiv="refresh" content="0; url={target}">' in html
    assert f'<link rel="canonical" href="{target}">' in html
    assert f'<a href="{target}">' in html
    assert "/posts/hello/" not in (out / "sitemap.xml").read_text()
    assert "Rust-1.12.html" not in (out / "sitemap.xml").read_text()
    feed = feedparser.parse((out / "atom.xml").read_text())
    links = {e.link for e in feed.entries}
    assert target in links and not any(link.endswith(".html") for link in links)


def test_a_page_without_date_takes_it_from_its_path_and_shows_its_authors(built: tuple[Path, Path, str]) -> None:
    _, out, _ = built
    html = (out / "2016/09/29/Rust-1.12/index.html").read_text()
    assert 'datetime="2016-09-29' in html
    assert "The Rust Core Team" in html


def test_bundle_takes_its_folder_name_and_publishes_its_files(built: tuple[Path, Path, str]) -> None:
    site, out, toml = built
    assert (out / "blog/rust-1-bundle/diagram.png").read_bytes() == (
        site / "content/blog/rust-1-bundle/diagram.png").read_bytes()
    assert 'src="diagram.png"' in (out / "blog/rust-1-bundle/index.html").read_text()
    assert not (out / "blog/rust-1-bundle/atom.xml").exists()  # a bundle is not a collection
    assert "collections.rust-1-bundle" not in toml


def test_section_page_gives_the_list_its_title_intro_and_pagination(built: tuple[Path, Path, str]) -> None:
    _, out, _ = built
    first = (out / "blog/index.html").read_text()
    assert "The blog" in first and "Notes on Rust, written every now and then." in first
    assert (out / "blog/page/2/index.html").is_file()  # paginate_by = 2, four posts
    assert not (out / "blog/page/3/index.html").exists()
    assert not (out / "blog/_index/index.html").exists()


def test_drafts_and_their_aliases_stay_out(built: tuple[Path, Path, str]) -> None:
    _, out, _ = built
    assert not (out / "blog/not-yet").exists()


def test_init_maps_taxonomies_feeds_and_slugs(built: tuple[Path, Path, str]) -> None:
    import tomllib

    _, out, toml = built
    config = tomllib.loads(toml)
    assert config["content"] == {"conventions": "zola", "slugs": "safe"}
    assert config["markdown"] == {"heading_ids": "zola"}  # #fragment links into old posts keep working
    assert config["taxonomies"]["categories"] == {"feed": False, "paginate": 5}
    assert (out / "tags/rust/atom.xml").is_file() and not (out / "categories/news/atom.xml").exists()


def test_init_lists_what_it_could_not_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)
    (site / "templates/shortcodes").mkdir(parents=True)
    (site / "templates/shortcodes/youtube.html").write_text("<iframe></iframe>")
    (site / "templates/page.html").write_text("{{ page.date | date(format='%Y') }}")  # Tera, not Jinja
    assert main(["init", "--from", "zola", str(site)]) == 0
    said = capsys.readouterr().out
    # Zola's templates are left alone: sitegen's own would live in sitegen-templates/.
    Builder(site, tmp_path / "out", cache_dir=tmp_path / "cache").build()
    assert (tmp_path / "out/about-me/index.html").is_file()
    assert "shortcodes in templates/shortcodes/ (youtube)" in said
    assert "1 Tera templates in templates/" in said
    assert "content/about.md: template = 'about.html'" in said
    assert main(["init", "--from", "zola", str(site)]) == 1  # never overwrites
    assert "already exists" in capsys.readouterr().err
