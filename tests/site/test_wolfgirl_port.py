"""The wolfgirl.dev port: build the real corpus with tests/ports/wolfgirl/sitegen.toml and check
every URL the corpus README says the live site serves, its feeds, dates and discuss links.

The corpus lives outside the repository (shared/corpora/wolfgirl beside it) and its text is
never copied into the repo: expectations are derived from its files at test time. Without the
corpus the module is skipped on a developer machine but fails in CI (env CI set), where it is
always present.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import feedparser
import pytest
import yaml
from site_helpers import SiteDir

from sitegen.linkcheck import check_links
from sitegen.markdown import Renderer

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpora" / "wolfgirl"
PORT_CONFIG = REPO / "tests" / "ports" / "wolfgirl" / "sitegen.toml"
BASE = "https://wolfgirl.dev"
NEW_YORK = ZoneInfo("America/New_York")
EXTERNAL = ("/art/", "/buttonwall/")


def _front_matter(path: Path) -> dict:
    text = path.read_text("utf-8")
    assert text.startswith("---\n"), path.name
    return yaml.safe_load(text[4 : text.index("\n---", 4)]) or {}


class Corpus:
    """What the corpus's files say the site must contain."""

    def __init__(self, root: Path) -> None:
        content = root / "content"
        self.blog = {p.stem: _front_matter(p) for p in sorted((content / "blog").glob("*.md"))}
        self.cybersec = {p.stem: _front_matter(p) for p in sorted((content / "cybersec").glob("*.md"))}
        self.pages = sorted(p.stem for p in (content / "pages").glob("*.md"))
        self.tags = sorted({t.strip() for meta in self.blog.values() for t in meta.get("tags") or [] if t.strip()})

    def published(self, stem: str) -> dt.datetime:
        return dt.datetime.fromtimestamp(int(self.blog[stem]["published"]), NEW_YORK)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    if not (CORPUS / "content" / "blog").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the wolfgirl corpus is missing at {CORPUS}; CI must have it")
        pytest.skip(f"the wolfgirl corpus is not at {CORPUS}")
    return Corpus(CORPUS)


@pytest.fixture(scope="module")
def site(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> SiteDir:
    site = SiteDir(tmp_path_factory.mktemp("wolfgirl"))
    site.root.mkdir()
    # The corpus stays where it is: content/ links to it, which the site must allow by name.
    config = PORT_CONFIG.read_text("utf-8") + f'\n[build]\nallow_outside = ["{CORPUS / "content"}"]\n'
    (site.root / "sitegen.toml").write_text(config, "utf-8")
    (site.root / "content").symlink_to(CORPUS / "content", target_is_directory=True)
    site.build()
    return site


def _page(site: SiteDir, url: str) -> str:
    path = site.out / url.strip("/") / "index.html" if url.endswith("/") else site.out / url.lstrip("/")
    assert path.is_file(), f"{url} was not built"
    return path.read_text("utf-8")


def _feed(site: SiteDir, url: str) -> feedparser.FeedParserDict:
    path = site.out / url.lstrip("/")
    assert path.is_file(), f"{url} was not built"
    feed = feedparser.parse(path.read_bytes())
    assert feed.bozo == 0, (url, feed.get("bozo_exception"))
    assert feed.version == "atom10"  # Atom, despite the .xml name the live site uses
    return feed


class _Attrs(HTMLParser):
    """Collects every (tag, attribute, value) of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend((tag, name, value) for name, value in attrs if value is not None)

    def values(self, tag: str, attr: str) -> set[str]:
        return {v for t, a, v in self.found if t == tag and a == attr}


def test_corpus_is_what_the_readme_describes(corpus):
    assert len(corpus.blog) >= 100 and len(corpus.cybersec) >= 150 and len(corpus.pages) >= 5
    assert {"indoor bouldering", "c++"} <= set(corpus.tags)


def test_every_blog_post_is_at_its_lower_cased_stem(site, corpus):
    # Titles are inline Markdown ("Deriving `Functor` in Rust"): the page shows their words.
    inline = Renderer().render_inline
    for stem, meta in corpus.blog.items():
        words = inline(meta["title"].strip(), links=False)[1]
        text = html.unescape(re.sub(r"<[^>]+>", "", _page(site, f"/blog/{stem.lower()}/")))
        assert words in text, stem


def test_markdown_in_titles_is_rendered_in_the_heading_and_plain_in_the_title(site, corpus):
    stem = next(s for s, m in corpus.blog.items() if "`" in m["title"])
    page = _page(site, f"/blog/{stem.lower()}/")
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert heading and "<code>" in heading.group(1)
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title and "`" not in title.group(1) and "<code>" not in title.group(1)


def test_every_cybersec_post_is_at_its_stem_and_shows_its_repost_link(site, corpus):
    for stem, meta in corpus.cybersec.items():
        links = _Attrs(_page(site, f"/cybersec/{stem.lower()}/")).values("a", "href")
        assert meta["repost_link"] in links, stem


def test_pages_are_at_their_lower_cased_stem(site, corpus):
    assert {"about", "links"} <= {stem.lower() for stem in corpus.pages}
    for stem in corpus.pages:
        _page(site, f"/{stem.lower()}/")


def test_collection_feeds_are_atom_with_the_newest_posts(site, corpus):
    for name, posts in (("blog", corpus.blog), ("cybersec", corpus.cybersec)):
        feed = _feed(site, f"/{name}/rss.xml")
        assert len(feed.entries) == min(20, len(posts))
        for entry in feed.entries:
            assert entry.id.startswith(f"{BASE}/{name}/") and entry.id == entry.link
        published = [e.published_parsed for e in feed.entries]
        assert published == sorted(published, reverse=True)
    newest = max(corpus.blog, key=lambda stem: int(corpus.blog[stem]["published"]))
    assert _feed(site, "/blog/rss.xml").entries[0].id == f"{BASE}/blog/{newest.lower()}/"


def test_tag_index_tag_pages_and_tag_feeds_use_tags_as_written(site, corpus):
    index_links = _Attrs(_page(site, "/tags/")).values("a", "href")
    assert (site.out / "tags" / "indoor bouldering" / "index.html").is_file()
    assert (site.out / "tags" / "c++" / "index.html").is_file()
    for tag in corpus.tags:
        tagged = {stem for stem, meta in corpus.blog.items() if tag in [t.strip() for t in meta.get("tags") or []]}
        page_links = _Attrs(_page(site, f"/tags/{tag}/")).values("a", "href")
        assert {f"/blog/{stem.lower()}/" for stem in tagged} <= page_links, tag
        assert any(unquote(link) == f"/tags/{tag}/" for link in index_links), tag
        feed = _feed(site, f"/tags/{tag}/rss.xml")
        assert {e.id for e in feed.entries} <= {f"{BASE}/blog/{stem.lower()}/" for stem in tagged}
        assert len(feed.entries) == min(20, len(tagged))


def test_archives_cover_every_year_of_blog_posts(site, corpus):
    years = {corpus.published(stem).year for stem in corpus.blog}
    index_links = _Attrs(_page(site, "/blog/archives/")).values("a", "href")
    for year in years:
        assert f"/blog/archives/{year}/" in index_links
        links = _Attrs(_page(site, f"/blog/archives/{year}/")).values("a", "href")
        in_year = {f"/blog/{stem.lower()}/" for stem in corpus.blog if corpus.published(stem).year == year}
        assert in_year <= links, year


def test_dates_are_shown_in_new_york_time(site, corpus):
    crossing = 0
    for stem in corpus.blog:
        local = corpus.published(stem)
        times = _Attrs(_page(site, f"/blog/{stem.lower()}/")).values("time", "datetime")
        assert local.isoformat() in times, stem
        crossing += local.date() != local.astimezone(dt.UTC).date()
    # Evening posts fall on the next day in UTC: the check above really tells the zones apart.
    assert crossing > 0


def test_a_known_timestamp_renders_as_its_local_date():
    # 1730570042 is 2024-11-02 17:54:02 UTC, 13:54:02 in New York (EDT, UTC-4).
    assert dt.datetime.fromtimestamp(1730570042, NEW_YORK).isoformat() == "2024-11-02T13:54:02-04:00"


def test_known_post_shows_the_new_york_date(site, corpus):
    stem = "2024-11-02-I-did-my-first-V6-boulder-today-"
    if stem not in corpus.blog:
        pytest.fail("the corpus no longer has the post this test names")
    times = _Attrs(_page(site, f"/blog/{stem.lower()}/")).values("time", "datetime")
    assert "2024-11-02T13:54:02-04:00" in times


def test_mastodon_and_bluesky_discuss_links(site, corpus):
    with_bluesky = 0
    for stem, meta in corpus.blog.items():
        links = _Attrs(_page(site, f"/blog/{stem.lower()}/")).values("a", "href")
        if meta.get("mastodon"):
            assert meta["mastodon"] in links, stem
        if meta.get("bluesky"):
            did, rkey = meta["bluesky"].removeprefix("at://").split("/app.bsky.feed.post/")
            assert f"https://bsky.app/profile/{did}/post/{rkey}" in links, stem
            with_bluesky += 1
    assert with_bluesky > 0


def test_no_dangling_internal_links(site):
    assert check_links(site.out, BASE, EXTERNAL) == []


def test_links_written_as_absolute_urls_are_checked_too(site, tmp_path):
    """The corpus links posts as https://wolfgirl.dev/blog/…: remove one target and the checker notices."""
    absolute = [
        (rel, href) for rel in ("blog",) for page in sorted((site.out / rel).rglob("index.html"))
        for href in _Attrs(page.read_text("utf-8")).values("a", "href")
        if href.startswith(f"{BASE}/blog/2")
    ]
    assert absolute, "the corpus should link some posts by absolute URL"
    target = absolute[0][1].removeprefix(BASE)
    copy = tmp_path / "out"
    shutil.copytree(site.out, copy)
    shutil.rmtree(copy / target.strip("/"))
    broken = {b.url for b in check_links(copy, BASE, EXTERNAL)}
    assert absolute[0][1] in broken
    assert target in broken or any(u.startswith(target) for u in broken)


def test_no_md_link_placeholders_survive(site):
    for page in site.out.rglob("*.html"):
        assert "sitegen-md:" not in page.read_text("utf-8"), page


def test_a_no_change_rebuild_writes_nothing(site):
    before = site.mtimes()
    report = site.build()
    assert report.nothing
    assert site.mtimes() == before


def test_her_menu_and_home_intro_come_from_the_config(site):
    home = _page(site, "/")
    nav = home.split("<nav class=\"site-nav\" aria-label=\"Main\">", 1)[1].split("</nav>", 1)[0]
    names = [re.sub(r"<[^>]*>", "", part).strip() for part in nav.split("</a>")[:-1]]
    assert names == ["Home", "About", "Friends", "Blog", "Cybersec"]
    assert '<p class="lead">A wolfgirl' in home
    assert (site.root / "templates").exists() is False
