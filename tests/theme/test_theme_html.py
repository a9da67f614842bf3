"""The default theme's HTML: valid, accessible, self-contained, and cheap to keep up to date.

One small blog (tests/theme/theme_site.py) is built twice, with and without drafts, and every
page is read back with a strict HTML5 parser.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import html5lib
import pytest
from theme_site import (
    BASE_URL,
    LINK_POST,
    LONG_POST,
    RUNBOOK_POST,
    STYLE_CSS,
    Built,
    build_site,
    classes,
    edit,
    find_all,
    parse,
    text_of,
)

from sitegen.markdown import Renderer


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_site(tmp_path_factory.mktemp("theme"), drafts=True)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_site(tmp_path_factory.mktemp("theme-published"), drafts=False)


def pages(built: Built) -> list[tuple[str, Path]]:
    return [(p.relative_to(built.out).as_posix(), p) for p in built.html_files()]


def test_the_site_has_every_kind_of_page(site: Built) -> None:
    urls = {rel for rel, _ in pages(site)}
    assert {
        "index.html", "404.html", "about/index.html", "blog/index.html", "blog/page/2/index.html",
        "blog/hello/index.html", "blog/runbook/index.html", "blog/good-read/index.html",
        "blog/archives/index.html", "blog/archives/2024/index.html", "tags/index.html",
        "tags/python/index.html",
    } <= urls


def test_every_page_parses_as_strict_html5(site: Built) -> None:
    for rel, path in pages(site):
        try:
            parse(path.read_text(encoding="utf-8"))
        except Exception as exc:
            pytest.fail(f"{rel}: {exc}")


def test_landmarks_language_and_one_heading(site: Built) -> None:
    for rel, path in pages(site):
        doc = parse(path.read_text(encoding="utf-8"))
        assert doc.get("lang"), f"{rel}: <html lang> is empty"
        assert len(find_all(doc, "main")) == 1, rel
        assert len(find_all(doc, "h1")) == 1, rel
        assert find_all(doc, "header", "site-header") and find_all(doc, "footer", "site-footer"), rel
        navs = [n for n in find_all(doc, "nav") if n.get("aria-label") == "Main"]
        assert len(navs) == 1, rel
        # Every other nav is labelled too, so screen readers can tell them apart.
        assert all(n.get("aria-label") for n in find_all(doc, "nav")), rel


def test_skip_link_is_first_and_its_target_exists(site: Built) -> None:
    for rel, path in pages(site):
        doc = parse(path.read_text(encoding="utf-8"))
        body = doc.find("body")
        first = next(iter(body))
        assert first.tag == "a" and "skip-link" in classes(first), rel
        target = first.get("href", "")
        assert target.startswith("#"), rel
        ids = {el.get("id") for el in doc.iter() if el.get("id")}
        assert target[1:] in ids, f"{rel}: skip link target {target} missing"


def test_the_skip_link_is_shown_on_focus() -> None:
    css = STYLE_CSS.read_text(encoding="utf-8")
    assert re.search(r"\.skip-link:focus\s*\{[^}]*transform:\s*none", css)
    assert re.search(r":focus-visible\s*\{[^}]*outline:", css)


def test_nav_marks_the_current_section(site: Built) -> None:
    def current(url: str) -> dict[str, str]:
        doc = site.page(url)
        nav = next(n for n in find_all(doc, "nav") if n.get("aria-label") == "Main")
        return {a.get("href"): a.get("aria-current") for a in nav.iter("a") if a.get("aria-current")}

    assert current("/blog/") == {"/blog/": "page"}
    assert current("/blog/hello/") == {"/blog/": "true"}
    assert current("/blog/page/2/") == {"/blog/": "true"}
    assert current("/tags/") == {"/tags/": "page"}
    assert current("/tags/python/") == {"/tags/": "true"}
    assert current("/about/") == {}


def test_nothing_is_loaded_from_another_host(site: Built) -> None:
    for rel, path in pages(site):
        doc = parse(path.read_text(encoding="utf-8"))
        # The colour-scheme snippet inline; the theme's own deferred scripts: copy buttons on pages
        # with code, replies on a post shared to Mastodon/Bluesky (tests/social).
        for script in find_all(doc, "script"):
            src = script.get("src")
            assert src in (None, "/copy-code.js", "/replies.js"), f"{rel}: {src}"
            assert src is None or script.get("defer") is not None, f"{rel}: {src} would block rendering"
            assert src != "/replies.js" or find_all(doc, "aside", "discuss"), f"{rel}: replies.js without discuss links"
        # Inline CSS only for the code colours, on pages with highlighted code.
        for style in find_all(doc, "style"):
            assert "<pre class=\"highlight" in path.read_text(encoding="utf-8"), rel
            assert ".highlight" in (style.text or ""), rel
        for el in [*doc.iter("link"), *doc.iter("img"), *doc.iter("source"), *doc.iter("iframe")]:
            for attr in ("href", "src", "srcset"):
                url = el.get(attr, "")
                if re.match(r"^(https?:)?//", url):
                    # Only the site's own absolute URLs: canonical, feeds, og:url.
                    assert url.startswith(BASE_URL + "/"), f"{rel}: <{el.tag} {attr}={url}> leaves the site"


def test_the_stylesheet_fetches_nothing() -> None:
    css = STYLE_CSS.read_text(encoding="utf-8")
    assert "@import" not in css
    for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", css):
        assert url.startswith("data:") or url.startswith("/"), url
    assert "@font-face" not in css, "system fonts only"


def test_dates_are_time_elements_with_machine_readable_values(site: Built) -> None:
    seen = 0
    for rel, path in pages(site):
        for time in parse(path.read_text(encoding="utf-8")).iter("time"):
            value = time.get("datetime", "")
            assert value, f"{rel}: <time> without datetime"
            assert dt.datetime.fromisoformat(value).tzinfo is not None, rel
            seen += 1
    assert seen > 10
    post = site.page("/blog/runbook/")
    assert [t.get("datetime") for t in post.iter("time")] == ["2024-02-10T00:00:00+01:00", "2024-02-12T00:00:00+01:00"]
    assert "February 10, 2024" in text_of(post.find(".//time"))


def test_draft_badge_only_on_drafts(site: Built, published: Built) -> None:
    def badges(built: Built, url: str) -> list[str]:
        return [text_of(b) for b in built.page(url).iter() if "badge-draft" in classes(b)]

    assert badges(site, "/blog/not-ready/") == ["Draft"]
    for url in ("/blog/hello/", "/blog/runbook/", "/blog/good-read/", "/about/"):
        assert badges(site, url) == [], url
    # Lists show which entry is the draft: the newest post is first on the blog's first page.
    assert badges(site, "/blog/") == ["Draft"]
    assert badges(site, "/tags/intro/") == ["Draft"]
    assert badges(site, "/tags/python/") == []
    for rel, path in pages(published):
        assert "badge-draft" not in path.read_text(encoding="utf-8"), rel


def test_link_post_shows_the_shared_url_first(site: Built) -> None:
    doc = site.page("/blog/good-read/")
    shared = find_all(doc, "p", "shared-link")
    assert len(shared) == 1
    link = shared[0].find("a")
    assert link.get("href") == "https://www.example.com/articles/good-read"
    assert text_of(link) == "example.com/articles/good-read"
    # It comes before the post's own text.
    order = [el for el in doc.iter() if "shared-link" in classes(el) or "e-content" in classes(el)]
    assert "shared-link" in classes(order[0])
    listed = [a for a in site.page("/tags/links/").iter("a") if "via" in classes(a)]
    assert [a.get("href") for a in listed] == ["https://www.example.com/articles/good-read"]
    assert "example.com" in text_of(listed[0])


def test_discuss_links(site: Built) -> None:
    doc = site.page("/blog/hello/")
    aside = find_all(doc, "aside", "discuss")
    assert len(aside) == 1 and aside[0].get("aria-label")
    hrefs = [a.get("href") for a in aside[0].iter("a")]
    assert hrefs == ["https://social.example/@ada/111", "https://bsky.app/profile/did:plc:abc123/post/3kxyz"]
    assert not find_all(site.page("/blog/runbook/"), "aside", "discuss")


def test_table_of_contents_for_three_or_more_headings(site: Built) -> None:
    doc = site.page("/blog/hello/")
    toc = [n for n in find_all(doc, "nav") if n.get("aria-label") == "Contents"]
    assert len(toc) == 1
    ids = {el.get("id") for el in doc.iter() if el.get("id")}
    targets = [a.get("href") for a in toc[0].iter("a")]
    assert targets == ["#tables", "#code", "#details"]
    assert all(t[1:] in ids for t in targets)
    assert not [n for n in find_all(site.page("/blog/runbook/"), "nav") if n.get("aria-label") == "Contents"]


def test_pagination_marks_the_current_page(site: Built) -> None:
    doc = site.page("/blog/page/2/")
    nav = next(n for n in find_all(doc, "nav") if n.get("aria-label") == "Pagination")
    current = [a for a in nav.iter("a") if a.get("aria-current") == "page"]
    assert [text_of(a) for a in current] == ["2"]
    assert [a.get("href") for a in nav.iter("a") if a.get("rel") == "prev"] == ["/blog/"]


def test_tag_cloud_counts_and_archives(site: Built) -> None:
    cloud = find_all(site.page("/tags/"), "ul", "term-cloud")[0]
    entries = {a.get("href"): text_of(a) for a in cloud.iter("a")}
    assert entries["/tags/python/"] == "#python 2 posts"
    assert entries["/tags/links/"] == "#links 1 post"
    archives = site.page("/blog/archives/")
    assert [a.get("href") for a in find_all(archives, "ul", "archive-list")[0].iter("a")][:2] == [
        "/blog/not-ready/", "/blog/good-read/",
    ]
    assert find_all(site.page("/blog/archives/2024/"), "ul", "archive-list")


def test_not_found_page_links_back(site: Built) -> None:
    doc = site.page("/404.html")
    hrefs = {a.get("href") for a in find_all(doc, "main")[0].iter("a")}
    assert {"/", "/tags/", "/blog/archives/"} <= hrefs
    # Served at any missing URL, so it can only use root-relative links.
    for el in [*doc.iter("link"), *doc.iter("a")]:
        href = el.get("href", "")
        assert not href or href.startswith(("/", "#", "https://", "data:")), href


def test_lists_do_not_read_the_bodies_of_listed_posts(site: Built) -> None:
    """A body edit re-renders the post and the feeds (which carry full content), not the lists."""
    edit(site.root / "content/blog/2024-01-05-hello.md", "A quote worth keeping.", "A quote worth rereading.")
    rendered = {url for url, _ in site.rebuild().rendered}
    assert "/blog/hello/" in rendered
    assert not rendered & {"/", "/blog/", "/blog/page/2/", "/tags/python/", "/tags/intro/", "/blog/archives/",
                           "/blog/runbook/", "/blog/good-read/", "/about/", "/404.html"}


def test_a_title_change_reaches_lists_and_neighbours_only(site: Built) -> None:
    """The shared layout must not read every post: unrelated pages stay as they are."""
    edit(site.root / "content/blog/2024-01-05-hello.md", "title: Hello, world", "title: Hello again")
    rendered = {url for url, _ in site.rebuild().rendered}
    assert {"/blog/hello/", "/blog/runbook/", "/tags/python/", "/blog/archives/"} <= rendered
    assert not rendered & {"/blog/good-read/", "/blog/not-ready/", "/about/", "/404.html", "/tags/links/"}


def test_css_styles_the_markup_the_renderer_emits() -> None:
    """Every class the Markdown renderer puts on content has a rule in style.css."""
    bodies = [text.split("---\n", 2)[2] for text in (LONG_POST, RUNBOOK_POST, LINK_POST)]
    extra = (
        "- [x] done\n- [ ] to do\n\n$$\nx^2\n$$\n\n"
        "```sh {#step on=web1 arch=arm64 write=/etc/x include=a.sh sudo retries=2}\n```\n"
    )
    html = Renderer().render("\n\n".join([*bodies, extra]), doc_id="t", source="t.md",
                             read_include=lambda _path: "true\n").html
    fragment = html5lib.parseFragment(html, namespaceHTMLElements=False)
    found = {c for el in fragment.iter() for c in classes(el)}
    # Pygments token classes live inside pre.highlight and are coloured by /highlight.css.
    tokens = {c for pre in fragment.iter("pre") for el in pre.iter("span") for c in classes(el)}
    # Hooks for /highlight.css or for readers' own stylesheets, not styled by the theme.
    not_ours = {"highlight", "inline", "footnote-item", "task-list-item"}
    wanted = {c for c in found - tokens - not_ours if not c.startswith("language-")}
    css = STYLE_CSS.read_text(encoding="utf-8")
    missing = sorted(c for c in wanted if not re.search(rf"\.{re.escape(c)}(?![\w-])", css))
    assert not missing, f"style.css has no rule for {missing}"
    assert {"step", "step-name", "step-host", "step-flag", "step-attr", "anchor", "footnotes", "footnote-ref"} <= wanted
