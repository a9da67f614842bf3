"""Sorting watcher events by kind, dropping editor droppings, and what a build tells browsers."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.engine import Report
from sitegen.serve.changes import changes_watch_set, is_dropping, needs_build, reload_event, sort_changes


@pytest.mark.parametrize(
    "name",
    [".hello.md.swp", ".hello.md.swx", "hello.md~", "#hello.md#", ".#hello.md", "4913", ".DS_Store",
     "hello.md.tmp", "x.md___jb_tmp___", ".goutputstream-AB12", "hello.md.kate-swp"],
)
def test_editor_droppings_are_ignored(name: str) -> None:
    assert is_dropping(f"/site/content/blog/{name}")


@pytest.mark.parametrize("name", ["hello.md", "style.css", "post.html", "sitegen.toml", "a-b_c.md"])
def test_real_files_are_not_droppings(name: str) -> None:
    assert not is_dropping(f"/site/content/{name}")


def test_changes_sorted_by_kind(tmp_path: Path) -> None:
    site = tmp_path / "site"
    theme = tmp_path / "themes" / "default"
    out = tmp_path / "cache" / "preview"
    kinds = sort_changes(
        [
            site / "content" / "blog" / "a.md",
            site / "content" / "blog" / ".a.md.swp",
            site / "templates" / "post.html",
            site / "static" / "style.css",
            site / "sitegen.toml",
            site / "README.md",
            theme / "templates" / "base.html",
            theme / "static" / "style.css",
            out / "index.html",
            site / ".git" / "index",
        ],
        site,
        theme,
        out,
    )
    assert kinds == {
        "content": [site / "content" / "blog" / "a.md"],
        "templates": [site / "templates" / "post.html", theme / "templates" / "base.html"],
        "static": [site / "static" / "style.css", theme / "static" / "style.css"],
        "config": [site / "sitegen.toml"],
        "other": [site / "README.md"],
    }
    assert needs_build(kinds)


def test_symlinked_content_folder_is_still_content(tmp_path: Path) -> None:
    (tmp_path / "elsewhere" / "blog").mkdir(parents=True)
    site = tmp_path / "site"
    site.mkdir()
    (site / "content").symlink_to(tmp_path / "elsewhere")
    post = site / "content" / "blog" / "a.md"
    assert sort_changes([post], site, None) == {"content": [post]}


def test_dot_files_in_static_are_inputs(tmp_path: Path) -> None:
    site, theme = tmp_path / "site", tmp_path / "theme"
    kept = [site / "static" / ".well-known" / "security.txt", site / "static" / ".htaccess",
            theme / "static" / ".nojekyll"]
    dropped = [site / "static" / ".style.css.swp", site / "static" / ".#style.css", site / "static" / "4913",
               site / "static" / ".git" / "config", site / "content" / ".hidden.md", site / "content" / ".x" / "a.md"]
    assert sort_changes(kept + dropped, site, theme) == {"static": kept}


def test_output_inside_the_site_is_not_an_input(tmp_path: Path) -> None:
    site = tmp_path
    kinds = sort_changes([site / "static" / "out" / "index.html"], site, None, site / "static" / "out")
    assert kinds == {}


def test_only_other_files_need_no_build(tmp_path: Path) -> None:
    kinds = sort_changes([tmp_path / "notes.txt", tmp_path / "content" / "x.md~"], tmp_path, None)
    assert not needs_build(kinds)


def test_top_folders_and_config_move_the_watch_set(tmp_path: Path) -> None:
    assert changes_watch_set([tmp_path / "static"], tmp_path)
    assert changes_watch_set([tmp_path / "sitegen.toml"], tmp_path)
    assert not changes_watch_set([tmp_path / "static" / "x.css"], tmp_path)
    assert not changes_watch_set([tmp_path / "notes"], tmp_path)


def test_reload_event_sorts_outputs() -> None:
    report = Report(
        written=["blog/a/index.html", "index.html", "rss.xml", "sitemap.xml", "tags/x/rss.xml"],
        copied=["style.css", "img/cat.webp"],
        removed=["blog/old/index.html"],
    )
    assert reload_event(report) == {
        "all": False,
        "pages": ["/", "/blog/a/", "/blog/old/"],
        "css": ["/style.css"],
        "assets": ["/img/cat.webp"],
    }


def test_feeds_alone_reload_nothing() -> None:
    assert reload_event(Report(written=["rss.xml", "robots.txt"])) is None
    assert reload_event(Report()) is None


def test_big_changes_collapse_to_all() -> None:
    report = Report(written=[f"blog/{i}/index.html" for i in range(300)])
    assert reload_event(report, limit=200) == {"all": True, "pages": [], "css": [], "assets": []}
