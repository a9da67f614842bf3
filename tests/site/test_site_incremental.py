"""Incremental builds render and write only what an edit affects, and end where a clean build would.

From the issue: a body-only edit re-renders that post's page and the feeds that embed its body —
not tag pages, archives or neighbours. A title change re-renders the pages that show that
title. A template change re-renders only pages whose template (or an extends/include of it)
changed. Config changes may rebuild everything. A no-change build renders nothing and writes
nothing. Files are written only when their bytes change; outputs whose source disappeared are
removed.

Every scenario runs three ways: a fresh Builder per build (a new process: state comes only from
the cache dir), one long-lived Builder (serve), and that Builder told which paths changed (serve
with its watcher's hints). After each incremental build the output must equal a clean build of
the same inputs, byte for byte. The fixture site has its own templates, so what each page reads
(and so what must re-render) is fixed here, not by the theme.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import BASE_CONFIG, SiteDir, copy_fixture

from sitegen.engine import Builder, Report
from sitegen.errors import SitegenError

POSTS = {"/blog/linking/", "/blog/footnotes-and-code/", "/blog/first-post/", "/blog/winter/"}
TERMS = {"/tags/c/", "/tags/life/", "/tags/python/", "/tags/web/"}
LISTS = {"/", "/blog/", "/blog/page/2/", "/blog/archives/", "/blog/archives/2023/", "/blog/archives/2024/", "/tags/"}
FIRST_POST = "content/blog/2024-01-10-first-post.md"


class Driver:
    """Builds one site the way a mode says, remembering changed paths for the hinted mode."""

    def __init__(self, site: SiteDir, mode: str) -> None:
        self.site = site
        self.mode = mode
        self.builder = site.builder() if mode != "fresh" else None
        self.pending: list[Path] = []

    def build(self) -> Report:
        if self.builder is None:
            return self.site.builder().build()
        if self.mode == "hinted" and self.builder.state is not None:
            hints, self.pending = self.pending, []
            return self.builder.build(changed=hints)
        self.pending = []
        return self.builder.build()

    def write(self, rel: str, text: str) -> None:
        self.site.write({rel: text})
        self.pending.append(self.site.root / rel)

    def edit(self, rel: str, old: str, new: str) -> None:
        self.site.edit(rel, old, new)
        self.pending.append(self.site.root / rel)

    def remove(self, rel: str) -> None:
        self.site.remove(rel)
        self.pending.append(self.site.root / rel)


def _driver(mode: str, tmp_path: Path) -> Driver:
    driver = Driver(copy_fixture(tmp_path / "inc"), mode)
    first = driver.build()
    assert first.full and {url for url, _ in first.rendered} >= POSTS | TERMS | LISTS
    return driver


@pytest.fixture(params=["fresh", "long-lived", "hinted"])
def drv(request: pytest.FixtureRequest, tmp_path: Path) -> Driver:
    return _driver(request.param, tmp_path)


@pytest.fixture(params=["fresh", "long-lived"])
def unhinted(request: pytest.FixtureRequest, tmp_path: Path) -> Driver:
    """Without watcher hints: the only way a build can notice edits made inside the output dir."""
    return _driver(request.param, tmp_path)


def rendered(report: Report) -> set[str]:
    return {url for url, _ in report.rendered}


def clean_build(site: SiteDir, where: Path) -> dict[str, bytes]:
    Builder(site.root, where / "out", cache_dir=where / "cache").build()
    return SiteDir.snapshot_of(where / "out")


def assert_matches_clean_build(drv: Driver, tmp_path: Path) -> None:
    clean = clean_build(drv.site, tmp_path / "clean")
    now = drv.site.snapshot()
    assert sorted(now) == sorted(clean)
    assert [rel for rel in clean if clean[rel] != now[rel]] == []


def assert_only_written_changed(before: dict[str, int], after: dict[str, int], report: Report) -> None:
    """Files the report did not write (or copy) keep their mtime: nothing touched them."""
    untouched = set(before) & set(after) - set(report.written) - set(report.copied)
    assert {rel for rel in untouched if before[rel] != after[rel]} == set()


def test_no_change_build_renders_and_writes_nothing(drv):
    before = drv.site.mtimes()
    report = drv.build()
    assert report.rendered == [] and report.written == [] and report.removed == [] and report.copied == []
    assert report.nothing
    assert drv.site.mtimes() == before


def test_body_only_edit_renders_the_page_and_the_feeds_embedding_it(drv, tmp_path):
    before = drv.site.mtimes()
    drv.edit(FIRST_POST, "Because every blog needs one.", "Because every blog needs one, or two.")
    report = drv.build()
    feeds = {"/atom.xml", "/blog/atom.xml", "/tags/python/atom.xml", "/tags/web/atom.xml"}
    assert rendered(report) == {"/blog/first-post/"} | feeds
    assert set(report.written) == {"blog/first-post/index.html", "atom.xml", "blog/atom.xml",
                                   "tags/python/atom.xml", "tags/web/atom.xml"}
    assert "one, or two." in drv.site.read("blog/first-post/index.html")
    assert_only_written_changed(before, drv.site.mtimes(), report)
    assert_matches_clean_build(drv, tmp_path)


def test_editing_the_first_paragraph_updates_the_lists_showing_the_summary(drv, tmp_path):
    drv.edit(FIRST_POST, "Hello! This is the *first* post.", "Hello again! This is the *first* post.")
    report = drv.build()
    assert {"/", "/blog/page/2/", "/tags/python/", "/tags/web/", "/blog/archives/2024/"} <= rendered(report)
    assert "Hello again!" in drv.site.read("tags/web/index.html")
    assert_matches_clean_build(drv, tmp_path)


def test_title_change_renders_the_pages_that_show_the_title(drv, tmp_path):
    drv.edit(FIRST_POST, "title: First post", "title: The very first post")
    report = drv.build()
    assert rendered(report) == {
        "/blog/first-post/",
        "/blog/footnotes-and-code/", "/blog/winter/",  # neighbours link to it by title
        "/", "/blog/page/2/", "/blog/archives/2024/", "/tags/python/", "/tags/web/",
        "/atom.xml", "/blog/atom.xml", "/tags/python/atom.xml", "/tags/web/atom.xml",
    }
    assert "The very first post" in drv.site.read("blog/winter/index.html")
    assert_matches_clean_build(drv, tmp_path)


def test_rendering_the_same_bytes_writes_nothing(drv, tmp_path):
    """A front matter edit no template shows (an unused extra key) renders nothing new to disk."""
    before = drv.site.mtimes()
    drv.edit(FIRST_POST, "series: basics", "series: basics\nmood: sunny")
    report = drv.build()
    assert report.written == []
    assert drv.site.mtimes() == before
    assert_matches_clean_build(drv, tmp_path)


def test_term_template_change_renders_only_term_pages(drv, tmp_path):
    drv.edit("templates/term.html", "<h1>Tagged", "<h1>Posts tagged")
    report = drv.build()
    assert rendered(report) == TERMS
    assert set(report.written) == {f"{url[1:]}index.html" for url in TERMS}
    assert_matches_clean_build(drv, tmp_path)


def test_included_template_change_renders_the_pages_including_it(drv, tmp_path):
    drv.edit("templates/item.html", "<li>", '<li class="item">')
    report = drv.build()
    including = {"/", "/blog/", "/blog/page/2/", "/blog/archives/2023/", "/blog/archives/2024/"} | TERMS
    assert rendered(report) == including
    assert_matches_clean_build(drv, tmp_path)


def test_base_template_change_renders_every_html_page_but_no_feed(drv, tmp_path):
    drv.edit("templates/base.html", "<footer>", '<footer class="site">')
    report = drv.build()
    html_urls = POSTS | TERMS | LISTS | {"/about/", "/404.html"}
    assert rendered(report) == html_urls
    assert_matches_clean_build(drv, tmp_path)


def test_deleting_a_post_removes_its_outputs_and_updates_lists(drv, tmp_path):
    drv.remove("content/blog/2023-12-24-winter.md")
    report = drv.build()
    assert set(report.removed) == {
        "blog/winter/index.html", "blog/archives/2023/index.html", "tags/life/index.html", "tags/life/atom.xml",
    }
    assert not (drv.site.out / "blog" / "winter").exists()  # emptied folders go too
    assert not (drv.site.out / "tags" / "life").exists()
    assert "/blog/winter/" not in drv.site.read("blog/page/2/index.html")
    assert "/blog/winter/" not in drv.site.read("blog/first-post/index.html")  # no longer its neighbour
    assert "/tags/life/" not in drv.site.read("tags/index.html")
    assert "/blog/archives/2023/" not in drv.site.read("blog/archives/index.html")
    assert_matches_clean_build(drv, tmp_path)


def test_adding_a_post_adds_its_page_and_updates_lists(drv, tmp_path):
    drv.write("content/blog/2024-01-20-newcomer.md", "---\ntitle: Newcomer\ntags: [web, fresh]\n---\nNew here.\n")
    report = drv.build()
    assert {"/blog/newcomer/", "/tags/fresh/", "/tags/fresh/atom.xml", "/tags/web/", "/tags/"} <= rendered(report)
    assert report.removed == []
    # Between first-post (01-10) and footnotes (02-05): both neighbours now link to it.
    assert 'href="/blog/newcomer/"' in drv.site.read("blog/first-post/index.html")
    assert 'href="/blog/newcomer/"' in drv.site.read("blog/footnotes-and-code/index.html")
    assert "Newcomer" in drv.site.read("blog/page/2/index.html")  # pagination shifted
    assert_matches_clean_build(drv, tmp_path)


def test_editing_tags_moves_a_post_between_tag_pages(drv, tmp_path):
    drv.edit(FIRST_POST, "tags: [Python, web]", "tags: [Python, life]")
    report = drv.build()
    assert {"/tags/web/", "/tags/life/", "/tags/web/atom.xml", "/tags/life/atom.xml", "/tags/"} <= rendered(report)
    assert "/blog/first-post/" not in drv.site.read("tags/web/index.html")
    assert "/blog/first-post/" in drv.site.read("tags/life/index.html")
    assert_matches_clean_build(drv, tmp_path)


def test_a_tag_losing_its_last_post_disappears(drv):
    drv.edit("content/blog/2024-02-20-linking.md", "tags: [web, C++]", "tags: [web]")
    report = drv.build()
    assert set(report.removed) == {"tags/c/index.html", "tags/c/atom.xml"}
    assert "/tags/c/" not in drv.site.read("tags/index.html")
    assert "/tags/c/" not in drv.site.read("blog/linking/index.html")


def test_sitemap_drops_a_list_page_that_disappeared(drv, tmp_path):
    drv.edit("content/blog/2024-02-20-linking.md", "tags: [web, C++]", "tags: [web]")
    drv.build()
    assert "/tags/c/" not in drv.site.read("sitemap.xml")
    assert_matches_clean_build(drv, tmp_path)


def test_sitemap_gains_a_new_tag_page(drv, tmp_path):
    drv.edit(FIRST_POST, "tags: [Python, web]", "tags: [Python, web, fresh]")
    drv.build()
    assert (drv.site.out / "tags/fresh/index.html").is_file()
    assert "https://example.org/tags/fresh/" in drv.site.read("sitemap.xml")


def test_an_output_deleted_or_edited_by_hand_is_restored(unhinted):
    drv = unhinted
    original = drv.site.snapshot()
    (drv.site.out / "blog" / "winter" / "index.html").unlink()
    (drv.site.out / "tags" / "index.html").write_text("vandalised")
    (drv.site.out / "style.css").unlink()
    report = drv.build()
    assert set(report.written) == {"blog/winter/index.html", "tags/index.html"}
    assert report.copied == ["style.css"]
    assert drv.site.snapshot() == original


def test_static_files_are_copied_when_changed_and_removed_when_gone(drv, tmp_path):
    drv.edit("static/style.css", "serif", "sans-serif")
    report = drv.build()
    assert report.rendered == [] and report.copied == ["style.css"]
    assert "sans-serif" in drv.site.read("style.css")
    drv.remove("static/img/note.txt")
    report = drv.build()
    assert report.removed == ["img/note.txt"]
    assert not (drv.site.out / "img").exists()
    assert_matches_clean_build(drv, tmp_path)


def test_a_draft_turning_public_is_published_everywhere(drv, tmp_path):
    drv.edit("content/blog/2024-03-01-unfinished.md", "draft: true", "draft: false")
    report = drv.build()
    assert {"/blog/unfinished/", "/tags/secret/", "/", "/blog/", "/atom.xml"} <= rendered(report)
    assert_matches_clean_build(drv, tmp_path)


def test_a_config_change_rebuilds_to_a_clean_result(drv, tmp_path):
    drv.edit("sitegen.toml", 'title = "Golden & Co"', 'title = "Silver & Co"')
    report = drv.build()
    assert report.full
    assert "Silver &amp; Co" in drv.site.read("index.html")
    assert_matches_clean_build(drv, tmp_path)


def test_a_series_of_edits_ends_where_a_clean_build_would(drv, tmp_path):
    drv.edit(FIRST_POST, "title: First post", "title: Renamed")
    drv.build()
    drv.remove("content/blog/2024-02-05-footnotes-and-code.md")
    drv.build()
    drv.write("content/blog/2024-02-05-footnotes-and-code.md", "---\ntitle: Back again\n---\nReturned.\n")
    drv.build()
    drv.edit("templates/post.html", "<article>", "<article class=post>")
    drv.edit(FIRST_POST, "tags: [Python, web]", "tags: [Python]")
    drv.build()
    assert drv.build().nothing
    assert_matches_clean_build(drv, tmp_path)


def test_sitemap_order_does_not_depend_on_build_history(make_site):
    posts = {f"content/blog/2024-01-0{n}-p{n}.md": f"---\ntitle: P{n}\n---\nText.\n" for n in range(1, 5)}
    sitemaps = []
    for removed in ("content/blog/2024-01-01-p1.md", "content/blog/2024-01-02-p2.md"):
        site = make_site({**posts, "templates/sitemap.xml": "{% for p in pages %}{{ p.url }}\n{% endfor %}"})
        site.build()
        site.remove(removed)
        site.build()
        site.write({removed: posts[removed]})
        site.build()
        sitemaps.append(site.read("sitemap.xml"))
    # The same four posts, reached by two edit histories: one site, one sitemap.
    assert sitemaps[0] == sitemaps[1]


def test_a_slug_change_moves_the_page_and_updates_links_to_it(drv, tmp_path):
    drv.edit(FIRST_POST, "series: basics", "series: basics\nslug: premier")
    report = drv.build()
    assert "blog/first-post/index.html" in report.removed
    assert not (drv.site.out / "blog" / "first-post").exists()
    # Pages linking to it with a relative .md link now point at the new URL.
    assert 'href="/blog/premier/"' in drv.site.read("about/index.html")
    assert 'href="/blog/premier/#why"' in drv.site.read("blog/linking/index.html")
    assert {"/about/", "/blog/linking/", "/blog/premier/"} <= rendered(report)
    assert_matches_clean_build(drv, tmp_path)


def test_renaming_a_file_is_a_removal_and_an_addition(drv, tmp_path):
    old = drv.site.root / "content/blog/2023-12-24-winter.md"
    text = old.read_text("utf-8")
    drv.remove("content/blog/2023-12-24-winter.md")
    drv.write("content/blog/2023-12-24-midwinter.md", text)
    report = drv.build()
    assert "blog/winter/index.html" in report.removed
    assert "blog/midwinter/index.html" in report.written
    assert 'href="/blog/midwinter/"' in drv.site.read("blog/first-post/index.html")
    assert_matches_clean_build(drv, tmp_path)


def test_a_date_change_moves_a_post_between_archive_years(drv, tmp_path):
    drv.edit(FIRST_POST, "published: 2024-01-10T09:30:00+01:00", "published: 2023-06-01T09:30:00+02:00")
    report = drv.build()
    assert {"/blog/archives/", "/blog/archives/2023/", "/blog/archives/2024/"} <= rendered(report)
    assert "/blog/first-post/" in drv.site.read("blog/archives/2023/index.html")
    assert "/blog/first-post/" not in drv.site.read("blog/archives/2024/index.html")
    assert_matches_clean_build(drv, tmp_path)


INCLUDING_POST = """---
title: Deploy
published: 2024-05-01
---
The script:

```sh {name=deploy include=scripts/deploy.sh}
```
"""


def _including_site(make_site) -> SiteDir:
    return make_site({
        "content/blog/deploy.md": INCLUDING_POST,
        "content/blog/other.md": "---\ntitle: O\npublished: 2024-04-01\n---\nOther.\n",
        "scripts/deploy.sh": "echo version-one\n",
    })


@pytest.mark.parametrize("mode", ["fresh", "long-lived", "hinted"])
def test_editing_an_included_script_re_renders_the_post_showing_it(make_site, tmp_path, mode):
    site = _including_site(make_site)
    drv = Driver(site, mode)
    drv.build()
    assert "version-one" in site.read("blog/deploy/index.html")
    drv.write("scripts/deploy.sh", "echo version-two-is-longer\n")
    report = drv.build()
    assert "version-two-is-longer" in site.read("blog/deploy/index.html")
    assert "/blog/deploy/" in rendered(report)
    assert "/blog/other/" not in rendered(report)
    assert_matches_clean_build(drv, tmp_path)


@pytest.mark.parametrize("mode", ["fresh", "long-lived", "hinted"])
def test_deleting_an_included_script_is_an_error_naming_the_post(make_site, mode):
    site = _including_site(make_site)
    drv = Driver(site, mode)
    drv.build()
    before = site.snapshot()
    drv.remove("scripts/deploy.sh")
    with pytest.raises(SitegenError) as info:
        drv.build()
    assert info.value.path == "content/blog/deploy.md"
    assert "scripts/deploy.sh" in info.value.message
    assert site.snapshot() == before


@pytest.mark.parametrize("mode", ["fresh", "long-lived", "hinted"])
def test_pagination_pages_come_and_go_with_posts(make_site, tmp_path, mode):
    config = BASE_CONFIG + "[collections.blog]\npaginate = 1\n[taxonomies.tags]\npaginate = 1\n"
    posts = {f"content/blog/2024-01-0{n}-p{n}.md": f"---\ntitle: P{n}\ntags: [t]\n---\nText {n}.\n" for n in (1, 2)}
    site = make_site(posts, config=config)
    drv = Driver(site, mode)
    drv.build()
    assert (site.out / "blog/page/2/index.html").is_file() and not (site.out / "blog/page/3").exists()
    drv.write("content/blog/2024-01-03-p3.md", "---\ntitle: P3\ntags: [t]\n---\nText 3.\n")
    report = drv.build()
    assert {"blog/page/3/index.html", "tags/t/page/3/index.html"} <= set(report.written)
    assert_matches_clean_build(drv, tmp_path)
    drv.remove("content/blog/2024-01-01-p1.md")
    drv.remove("content/blog/2024-01-02-p2.md")
    report = drv.build()
    assert {"blog/page/2/index.html", "blog/page/3/index.html", "tags/t/page/2/index.html",
            "tags/t/page/3/index.html"} <= set(report.removed)
    assert not (site.out / "blog/page").exists()
    assert_matches_clean_build(drv, tmp_path / "again")


def _recorded_stats_match_the_files(drv: Driver) -> int:
    from sitegen.build.scan import file_stat
    from sitegen.build.store import load_manifest

    state = drv.builder.state if drv.builder is not None else load_manifest(drv.site.builder().cache_dir)
    assert state is not None
    checked = 0
    for rel, entry in state["outputs"].items():
        assert entry[2] == file_stat(drv.site.out / rel), rel
        checked += 1
    for rel, (_src, _st, published) in state["static"].items():
        assert published == file_stat(drv.site.out / rel), rel
        checked += 1
    return checked


def test_recorded_stats_are_those_of_the_published_files(unhinted):
    """Commit records each written or copied file's (mtime, size) as it was written, before the
    rename into place (which keeps both): they must be the published files', or the next build
    would take files for ones edited by hand (and a hand edit must still be seen)."""
    drv = unhinted
    assert _recorded_stats_match_the_files(drv) > 10
    drv.edit(FIRST_POST, "tags: [Python, web]", "tags: [Python, web, fresh]")
    drv.edit("static/style.css", "serif", "sans-serif")
    report = drv.build()
    assert report.written and report.copied == ["style.css"]
    _recorded_stats_match_the_files(drv)
    assert drv.build().nothing
    (drv.site.out / "tags" / "index.html").write_text("vandalised")
    assert drv.build().written == ["tags/index.html"]
