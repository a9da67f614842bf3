"""A Jekyll blog written from Jekyll's documentation builds in place, unchanged: `sitegen init
--from jekyll` reads _config.yml and writes a sitegen.toml that reads `_posts/`, `_drafts/`,
collections, pages and static files where Jekyll keeps them; every URL Jekyll makes is there."""

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
    Builder(site, root / "out", cache_dir=root / "cache").build()
    return site, root / "out", tomllib.loads((site / "sitegen.toml").read_text()), said.getvalue()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_every_url_jekyll_would_make_is_there(built: tuple[Path, Path, dict, str]) -> None:
    site, out, _, _ = built
    expected = jekyll(site)
    assert "jekyll/update/2014/01/05/welcome-to-jekyll.html" in expected["pages"]
    assert "custom/2015/Custom-Place/index.html" in expected["pages"]
    assert "recipes/pancakes/index.html" in expected["pages"] and "docs/guide.html" in expected["pages"]
    assert "2018/02/03/redated.html" in expected["pages"]  # the front matter date wins over the name
    assert "2019/03/04/no-front-matter.html" in expected["pages"]  # a post needs no front matter
    assert "notes/plain-permalink.html" in expected["pages"]  # no extension: Jekyll adds .html
    assert "travel/2019/lisbon/index.html" in expected["pages"]  # the permalink of `defaults:`
    assert "porto.html" in expected["pages"]  # its own permalink wins over the defaults
    assert {"assets/site.css", "assets/logo.svg", "CNAME"} <= expected["assets"]
    for kind, (present, total, missing) in parity(expected, out).items():
        assert present == total, f"{kind}: missing {missing}"


def test_the_site_is_read_in_place_and_left_as_it_was(built: tuple[Path, Path, dict, str]) -> None:
    site, _, config, _ = built
    assert config["content"]["dir"] == "."
    assert config["collections"]["posts"]["folder"] == "_posts"
    before = _files(FIXTURE)
    after = {k: v for k, v in _files(site).items() if k != "sitegen.toml"}
    assert after == before


def test_what_jekyll_does_not_publish_stays_out(built: tuple[Path, Path, dict, str]) -> None:
    _, out, _, _ = built
    published = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    for gone in ("notes.txt", "scripts/deploy.sh", "Gemfile", "Gemfile.lock", "README.md", "assets/css/style.scss",
                 "_site/index.html", "_config.yml", "sitegen.toml"):
        assert gone not in published
    for prefix in ("vendor/", "node_modules/", "_layouts/", "_includes/", "_sass/", "_data/", ".jekyll-cache/",
                   "_staff/", "staff/"):
        assert not [p for p in published if p.startswith(prefix)], prefix
    assert not [p for p in published if "unpublished" in p or "work-in-progress" in p]


def test_drafts_build_with_drafts(built: tuple[Path, Path, dict, str], tmp_path: Path) -> None:
    site, _, _, _ = built
    Builder(site, tmp_path / "out", cache_dir=tmp_path / "cache", drafts=True).build()
    assert (tmp_path / "out/a-work-in-progress.html").is_file()


def test_pages_keep_their_urls_and_index_is_the_home_page(built: tuple[Path, Path, dict, str]) -> None:
    _, out, _, _ = built
    assert (out / "about/index.html").is_file()  # its own permalink
    assert (out / "contact.html").is_file()  # the `date` style gives pages /:path:output_ext
    assert "Welcome to the home page." in (out / "index.html").read_text()
    assert "<rect" in (out / "assets/logo.svg").read_text()  # static files as they are


def test_init_maps_the_config_and_lists_what_it_leaves_out(built: tuple[Path, Path, dict, str]) -> None:
    _, out, config, said = built
    assert config["base_url"] == "https://jekyll.example.org"
    assert config["collections"]["posts"]["permalink"] == "/{categories}/{year}/{month}/{day}/{slug}.html"
    assert config["collections"]["recipes"]["permalink"] == "/recipes/{stem}/"
    assert "staff" not in config["collections"]
    assert config["content"]["conventions"] == "jekyll"
    assert {"notes.txt", "scripts", "feed.xml", "README.md"} <= set(config["content"]["exclude"])
    assert "git mv" not in said and "feed.xml" in said and "README.md" in said and "staff" in said
    assert (out / "feed.xml").is_file() and (out / "tags/intro/index.html").is_file()


def test_a_change_to_a_static_file_or_a_post_rebuilds_in_place(built: tuple[Path, Path, dict, str],
                                                                 tmp_path: Path) -> None:
    site, _, _, _ = built
    work = tmp_path / "site"
    shutil.copytree(site, work)
    builder = Builder(work, tmp_path / "out", cache_dir=tmp_path / "cache")
    builder.build()
    (work / "assets/site.css").write_text("body { color: #000; }\n")
    post = work / "_posts/2017-05-06-with-slug.md"
    post.write_text(post.read_text() + "\nOne more line.\n")
    report = builder.build()
    assert (tmp_path / "out/assets/site.css").read_text() == "body { color: #000; }\n"
    assert report.parsed == ["_posts/2017-05-06-with-slug.md"]


def test_included_underscore_folders_are_read(built: tuple[Path, Path, dict, str]) -> None:
    _, out, _, _ = built
    assert (out / "cv/index.html").is_file() and (out / "resume/index.html").is_file()


def test_a_page_at_the_root_url_is_the_home_page(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "_pages").mkdir(parents=True)
    (site / "_posts").mkdir()
    (site / "_config.yml").write_text("title: Home test\nurl: https://example.org\ninclude:\n  - _pages\n")
    (site / "_pages/about.md").write_text(
        "---\ntitle: About\npermalink: /\nredirect_from:\n  - /about/\n---\nHello from the about page.\n")
    (site / "_posts/2020-01-02-first.md").write_text("---\ntitle: First\n---\nA post.\n")
    assert main(["init", "--from", "jekyll", str(site)]) == 0
    Builder(site, tmp_path / "out", cache_dir=tmp_path / "cache").build()
    assert "Hello from the about page." in (tmp_path / "out/index.html").read_text()
    assert 'href="https://example.org/"' in (tmp_path / "out/about/index.html").read_text()  # the redirect


def test_the_sites_own_404_page_replaces_the_generated_one(built: tuple[Path, Path, dict, str]) -> None:
    _, out, _, _ = built
    assert "This page of the site is its 404 page" in (out / "404.html").read_text()


def test_a_watchers_hint_about_a_post_or_a_static_file_rebuilds_it(built: tuple[Path, Path, dict, str],
                                                                   tmp_path: Path) -> None:
    """What `sitegen serve` does: the watcher names the changed paths, the build looks at those."""
    site, _, _, _ = built
    work = tmp_path / "site"
    shutil.copytree(site, work)
    builder = Builder(work, tmp_path / "out", cache_dir=tmp_path / "cache")
    builder.build()
    css, post = work / "assets/site.css", work / "_posts/2017-05-06-with-slug.md"
    css.write_text("body { color: #111; }\n")
    post.write_text(post.read_text() + "\nA hinted line.\n")
    report = builder.build(changed=[str(css), str(post)])
    assert report.parsed == ["_posts/2017-05-06-with-slug.md"]
    assert (tmp_path / "out/assets/site.css").read_text() == "body { color: #111; }\n"
    assert "A hinted line." in (tmp_path / "out/news/2017/05/06/other-name.html").read_text()


def test_an_alias_without_a_trailing_slash_is_the_file_jekyll_writes_and_answers_anywhere(
        built: tuple[Path, Path, dict, str]) -> None:
    """jekyll-redirect-from makes the alias a page's permalink; Jekyll writes `/2014/01/welcome` as
    2014/01/welcome.html (GitHub Pages serves it at the bare URL). A plain static server does not
    add `.html`, so the folder's index.html is written too: the old URL answers on both."""
    import functools
    import http.server
    import threading
    import urllib.request

    _, out, _, _ = built
    assert (out / "2014/01/welcome.html").is_file()
    assert (out / "blog/welcome.htm.html").is_file()  # Jekyll adds .html to any other ending
    assert (out / "2014/welcome.html").is_file() and not (out / "2014/welcome.html.html").exists()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/2014/01/welcome") as answer:
            body = answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status == 200
    assert 'http-equiv="refresh"' in body and "jekyll/update/2014/01/05/welcome-to-jekyll.html" in body


def test_front_matter_defaults_apply_as_jekyll_applies_them(built: tuple[Path, Path, dict, str]) -> None:
    """`defaults:` of _config.yml: scope path (a prefix, or a glob) and type (posts, pages, a
    collection), the most specific scope winning over the order of the list, front matter over all."""
    from sitegen.config import load_config
    from sitegen.content import parse_page

    site, out, config, said = built
    assert (out / "travel/2019/lisbon/index.html").is_file() and (out / "porto.html").is_file()
    assert "Jane Roe" in (out / "travel/2019/lisbon/index.html").read_text()  # the folder's scope wins
    assert "Ann Other" in (out / "porto.html").read_text()  # front matter wins
    assert "Jane Doe" in (out / "custom/2015/Custom-Place/index.html").read_text()  # every post's scope
    loaded = load_config(site)

    def record(key: str, collection: str):
        coll = loaded.collection(collection)
        assert coll is not None
        return parse_page((site / key).read_bytes(), key, coll, loaded)[1]

    # Jekyll's layouts are Liquid: the one a page would get is page.extra.jekyll_layout.
    assert record("_posts/travel/2019-08-01-lisbon.md", "posts").extra["jekyll_layout"] == "post"
    assert record("docs/guide.md", "pages").extra["jekyll_layout"] == "doc"
    assert record("contact.md", "pages").extra["jekyll_layout"] == "default"
    assert record("_recipes/pancakes.md", "recipes").extra["jekyll_layout"] == "recipe"
    assert len(config["content"]["defaults"]) == 5
    assert "defaults" in said
