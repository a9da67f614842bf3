"""Atom feeds as a real client reads them: feedparser on the default theme's site, collection and tag feeds."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import feedparser
import pytest
from site_helpers import BASE_CONFIG, SiteDir, copy_fixture

BASE = "https://example.org"
LINKING = f"{BASE}/blog/linking/"
FOOTNOTES = f"{BASE}/blog/footnotes-and-code/"
FIRST = f"{BASE}/blog/first-post/"
WINTER = f"{BASE}/blog/winter/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteDir:
    site = copy_fixture(tmp_path_factory.mktemp("feeds"), own_templates=False)
    site.build()
    return site


def parse(site: SiteDir, rel: str) -> feedparser.FeedParserDict:
    feed = feedparser.parse((site.out / rel).read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def utc(text: str) -> time.struct_time:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).utctimetuple()


@pytest.mark.parametrize(("rel", "ids"), [
    # [feeds] limit = 3 in the fixture: the site feed keeps the three newest.
    ("atom.xml", [LINKING, FOOTNOTES, FIRST]),
    ("blog/atom.xml", [LINKING, FOOTNOTES, FIRST]),
    ("tags/python/atom.xml", [FOOTNOTES, FIRST]),
    ("tags/web/atom.xml", [LINKING, FIRST]),
    ("tags/life/atom.xml", [WINTER]),
])
def test_feeds_list_the_right_entries_newest_first(site, rel, ids):
    feed = parse(site, rel)
    assert [e.id for e in feed.entries] == ids
    assert [e.link for e in feed.entries] == ids  # the id is the permalink


def test_feed_metadata_names_itself_and_its_page(site):
    feed = parse(site, "tags/python/atom.xml")
    assert feed.feed.title == "Golden & Co: #Python"
    assert feed.feed.id == f"{BASE}/tags/python/atom.xml"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": f"{BASE}/tags/python/atom.xml", "alternate": f"{BASE}/tags/python/"}
    assert feed.feed.author == "Ada Example"


def test_entry_dates_are_the_posts_dates(site):
    feed = parse(site, "atom.xml")
    linking, footnotes, first = feed.entries
    assert linking.published_parsed == utc("2024-02-20T00:00:00+01:00")
    assert linking.updated_parsed == utc("2024-03-01T12:00:00+00:00")
    # The date comes from the file name, at midnight in the site's time zone (Europe/Berlin).
    assert footnotes.published_parsed == utc("2024-02-05T00:00:00+01:00")
    assert footnotes.updated_parsed == footnotes.published_parsed
    assert first.published_parsed == utc("2024-01-10T09:30:00+01:00")
    # The feed was last updated when its newest entry was.
    assert feed.feed.updated_parsed == linking.updated_parsed


def test_full_html_content_with_footnotes_and_code(site):
    entry = parse(site, "tags/python/atom.xml").entries[0]
    assert entry.id == FOOTNOTES
    content = entry.content[0]
    assert content.type == "text/html"
    html = content.value
    assert 'class="footnote-ref"' in html
    assert "The footnote's text, with <em>emphasis</em>." in html
    assert '<code class="language-python">' in html
    assert "<table>" in html
    # Relative fragment links are resolved against the entry (xml:base), so they work in a reader.
    assert f'href="{FOOTNOTES}#fn-blog-footnotes-and-code-1"' in html


def test_md_links_are_resolved_in_feed_content(site):
    entry = next(e for e in parse(site, "atom.xml").entries if e.id == LINKING)
    html = entry.content[0].value
    assert f'href="{BASE}/blog/first-post/#why"' in html
    assert f'href="{BASE}/about/"' in html
    assert "sitegen-md:" not in html


def test_titles_survive_escaping_round_trip(site):
    entry = parse(site, "tags/life/atom.xml").entries[0]
    assert entry.title == 'Ampersands & <angle> "brackets"'


def test_drafts_are_not_in_any_feed(site):
    for path in site.out.rglob("*.xml"):
        assert b"unfinished" not in path.read_bytes().lower()
    assert not (site.out / "tags" / "secret").exists()


def _ids(out: Path) -> dict[str, list[str]]:
    return {
        p.relative_to(out).as_posix(): [e.id for e in feedparser.parse(p.read_bytes()).entries]
        for p in sorted(out.rglob("atom.xml"))
    }


def test_entry_ids_are_stable_across_rebuilds_and_edits(site, tmp_path):
    before = _ids(site.out)
    again = copy_fixture(tmp_path / "again", own_templates=False)
    again.build()
    assert _ids(again.out) == before
    # Editing a post's title and body changes neither its id nor any other entry's.
    path = again.root / "content/blog/2024-02-20-linking.md"
    path.write_text(path.read_text().replace("title: Linking around", "title: Linking, renamed") + "\nMore.\n")
    again.build()
    assert _ids(again.out) == before
    entry = next(e for e in parse(again, "atom.xml").entries if e.id == LINKING)
    assert entry.title == "Linking, renamed"
    assert "More." in entry.content[0].value


def test_a_site_without_posts_has_valid_empty_feeds(tmp_path):
    site = SiteDir(tmp_path).write({"sitegen.toml": BASE_CONFIG})
    site.build()
    for rel in ("atom.xml", "blog/atom.xml"):
        feed = parse(site, rel)
        assert feed.entries == []
        assert feed.feed.title


def test_a_base_url_override_reaches_feed_ids_and_back(tmp_path):
    site = copy_fixture(tmp_path, own_templates=False)
    site.build(base_url="https://staging.example.net/")
    staging = parse(site, "atom.xml")
    assert staging.entries[0].id == "https://staging.example.net/blog/linking/"
    assert 'href="https://staging.example.net/blog/linking/"' in site.read("blog/linking/index.html")
    report = site.build()
    assert report.full
    assert parse(site, "atom.xml").entries[0].id == LINKING
    assert not [rel for rel, data in site.snapshot().items() if b"staging.example.net" in data]
