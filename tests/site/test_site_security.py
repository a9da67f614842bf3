"""Values from front matter are escaped wherever templates put them, and no output leaves the output dir."""

from __future__ import annotations

import os
from pathlib import Path

import feedparser
import pytest
from site_helpers import BASE_CONFIG, SiteDir

from sitegen.errors import SitegenError
from sitegen.linkcheck import check_links

SCRIPT = "<script>alert(1)</script>"
HOSTILE = f"""---
title: "{SCRIPT}"
description: "<img src=x onerror=alert(2)> & more"
tags: ["<b>bold</b>", "a&b", "quote\\"d"]
published: 2024-01-01
mood: "<i>extra</i>"
---
The body is the author's own Markdown, which may hold HTML on purpose.
"""
NAME_PERMALINK = '[taxonomies.tags]\npermalink = "/tags/{name}/"\n'


@pytest.fixture(params=["default theme", "name permalinks"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> SiteDir:
    config = BASE_CONFIG + (NAME_PERMALINK if request.param == "name permalinks" else "")
    site = SiteDir(tmp_path).write({"sitegen.toml": config, "content/blog/x.md": HOSTILE})
    site.build()
    return site


def _all_text(site: SiteDir) -> dict[str, str]:
    return {rel: data.decode("utf-8") for rel, data in site.snapshot().items() if not rel.endswith(".css")}


def test_front_matter_values_are_escaped_in_every_page_and_feed(site):
    pages = _all_text(site)
    for rel, text in pages.items():
        assert SCRIPT not in text, rel
        assert "<img src=x" not in text, rel
        assert "<b>bold</b>" not in text, rel
        assert "<i>extra</i>" not in text, rel
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["blog/x/index.html"]
    assert "&lt;script&gt;" in pages["index.html"]


def test_feed_readers_get_the_title_back_as_plain_text(site):
    feed = feedparser.parse((site.out / "atom.xml").read_bytes())
    assert feed.bozo == 0
    assert feed.entries[0].title == SCRIPT
    assert [t.term for t in feed.entries[0].tags] == ["<b>bold</b>", "a&b", 'quote"d']


def test_tag_pages_for_hostile_names_are_reachable(site):
    """Each tag's page exists where its links point, however odd its name."""
    assert check_links(site.out, "https://example.org") == []


def _yaml_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _files_outside(root: Path, allowed: tuple[Path, ...]) -> list[str]:
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath, name)
            if not any(path.is_relative_to(a) for a in allowed):
                found.append(str(path.relative_to(root)))
    return found


@pytest.mark.parametrize("tag", ["..", "../../escaped", "a/../../b", "%2e%2e", "/abs", "..\\..\\win", ".", "a/b"])
@pytest.mark.parametrize("permalink", ["/tags/{name}/", "/tags/{slug}/", "/{name}/"])
def test_no_tag_writes_outside_the_output_dir(tmp_path, tag, permalink):
    site = SiteDir(tmp_path / "w").write({
        "sitegen.toml": BASE_CONFIG + f'[taxonomies.tags]\npermalink = "{permalink}"\n',
        "content/blog/x.md": f"---\ntitle: X\npublished: 2024-01-01\ntags: [{_yaml_str(tag)}]\n---\n",
    })
    try:
        site.build()
    except SitegenError as exc:
        assert "outside the output directory" in exc.message or "backslash" in exc.message
    assert _files_outside(tmp_path, (site.root, site.out, site.cache)) == []


@pytest.mark.parametrize("slug", ["..", "../x", "a/b", ".", "\\x"])
def test_no_slug_writes_outside_the_output_dir(tmp_path, slug):
    site = SiteDir(tmp_path / "w").write({
        "sitegen.toml": BASE_CONFIG,
        "content/blog/x.md": f"---\ntitle: X\npublished: 2024-01-01\nslug: {_yaml_str(slug)}\n---\n",
    })
    with pytest.raises(SitegenError, match="`slug`"):
        site.build()
    assert _files_outside(tmp_path, (site.root, site.out, site.cache)) == []


@pytest.mark.parametrize("permalink", ["/../{slug}/", "/blog/../../{slug}/", "/{slug}/../../../x/"])
def test_no_permalink_pattern_writes_outside_the_output_dir(tmp_path, permalink):
    site = SiteDir(tmp_path / "w").write({
        "sitegen.toml": BASE_CONFIG + f'[collections.blog]\npermalink = "{permalink}"\n',
        "content/blog/x.md": "---\ntitle: X\npublished: 2024-01-01\n---\n",
    })
    with pytest.raises(SitegenError, match="outside the output directory"):
        site.build()
    assert not site.out.exists()
    assert _files_outside(tmp_path, (site.root, site.cache)) == []


def test_a_tag_with_a_percent_escape_in_its_name_is_reachable(tmp_path):
    site = SiteDir(tmp_path).write({
        "sitegen.toml": BASE_CONFIG + NAME_PERMALINK,
        "content/blog/x.md": '---\ntitle: X\npublished: 2024-01-01\ntags: ["%41"]\n---\n',
    })
    site.build()
    assert check_links(site.out, "https://example.org") == []
