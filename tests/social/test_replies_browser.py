"""Replies under a post in a real Chromium, read from the fake Mastodon and Bluesky servers on
loopback: one merged, nested thread on request; nothing fetched before the reader asks; hostile
replies render as inert text; the page without JavaScript keeps its links; axe-core finds no
WCAG violation in the section, light and dark. Screenshots go to `<pytest tmp>/replies-shots/`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.social import FakeBluesky, FakeMastodon
from replies_site import AVATAR_HOST, Conversation, avatar_png, build_site, seed_friendly, seed_hostile, serve

REPO = Path(__file__).resolve().parents[2]
AXE_JS = Path(os.environ.get("SITEGEN_AXE_JS", REPO / ".ci/node/node_modules/axe-core/axe.min.js"))
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 390, "height": 844}}
AVATARS = {"ada": (200, 60, 60), "grace": (40, 120, 200), "margaret": (60, 160, 90)}


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeMastodon, FakeBluesky]]:
    with FakeMastodon() as masto, FakeBluesky() as bsky:
        yield masto, bsky


@pytest.fixture(scope="module")
def site(fakes: tuple[FakeMastodon, FakeBluesky],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Conversation]]]:
    masto, bsky = fakes
    convs = {"friendly": seed_friendly(masto, bsky), "hostile": seed_hostile(masto, bsky)}
    public = build_site(tmp_path_factory.mktemp("replies-site"), convs, bsky.base_url)
    with serve(public) as url:
        yield url, convs


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    yield from _tab(browser)


def _tab(browser: Any, **options: Any) -> Iterator[Any]:
    context = browser.new_context(**options)
    pngs = {f"{AVATAR_HOST}/{name}.png": avatar_png(colour) for name, colour in AVATARS.items()}
    context.route(f"{AVATAR_HOST}/**", lambda route: route.fulfill(body=pngs[route.request.url],
                                                                   content_type="image/png")
                  if route.request.url in pngs else route.fulfill(status=404, body=b""))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()


def _open(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response and response.status == 200, url
    page.wait_for_load_state("load")


def _show(page: Any) -> str:
    page.get_by_role("button", name="Show replies").click()
    page.wait_for_function("() => document.querySelector('#replies').getAttribute('aria-busy') === null"
                           " && document.querySelector('.replies-status').textContent !== ''")
    return page.locator(".replies-status").inner_text()


READ_THREAD = """() => {
    const read = (ol) => [...ol.children].map(li => ({
        name: li.querySelector(':scope > article .reply-name').textContent,
        handle: li.querySelector(':scope > article .reply-handle')?.textContent ?? null,
        network: li.querySelector(':scope > article .reply-network').textContent,
        text: li.querySelector(':scope > article .reply-text').innerText,
        html: li.querySelector(':scope > article .reply-text').innerHTML,
        link: li.querySelector(':scope > article .reply-meta a')?.href ?? null,
        time: li.querySelector(':scope > article time')?.getAttribute('datetime') ?? null,
        counts: li.querySelector(':scope > article .reply-counts')?.innerText ?? null,
        avatar: (img => img && {src: img.src, alt: img.alt, loading: img.getAttribute('loading'),
                                referrer: img.getAttribute('referrerpolicy')}
                )(li.querySelector(':scope > article img')),
        replies: li.querySelector(':scope > ol') ? read(li.querySelector(':scope > ol')) : [],
    }));
    const top = document.querySelector('.replies-thread > ol');
    return top ? read(top) : [];
}"""


def test_replies_load_only_when_asked_and_render_one_nested_thread(
        tab: Any, site: tuple[str, dict[str, Conversation]], fakes: tuple[FakeMastodon, FakeBluesky]) -> None:
    url, convs = site
    masto, bsky = fakes
    masto.clear_requests()
    bsky.clear_requests()
    _open(tab, url + "/blog/friendly/")
    assert tab.locator("#replies").is_visible()
    assert tab.locator(".replies-thread").inner_html() == ""
    # Privacy: the page alone contacts neither network.
    assert masto.requests == [] and bsky.requests == []

    assert _show(tab) == "5 replies"
    assert tab.errors == []
    status_id = convs["friendly"].mastodon_url.rsplit("/", 1)[1]
    assert sorted(r.path for r in masto.requests) == [f"/api/v1/statuses/{status_id}",
                                                      f"/api/v1/statuses/{status_id}/context"]
    (thread_request,) = bsky.requests_to("getPostThread")
    assert thread_request.query["uri"] == [convs["friendly"].bluesky_uri]
    # No cookies and no referrer go to the networks.
    for request in masto.requests + bsky.requests:
        assert request.header("Cookie") is None and request.header("Referer") is None

    thread = tab.evaluate(READ_THREAD)
    # Top level: both networks, oldest first; each nested reply under its parent.
    assert [(r["name"], r["network"]) for r in thread] == [
        ("Ada Lovelace", "Mastodon"), ("Margaret Hamilton", "Bluesky"), ("linus", "Mastodon")]
    ada, margaret, late = thread
    assert [(r["name"], r["replies"]) for r in ada["replies"]] == [("Grace Hopper", [])]
    assert [r["name"] for r in margaret["replies"]] == ["Katherine Johnson"]
    assert late["replies"] == []

    assert ada["handle"] == "@ada@social.example"
    assert ada["html"] == (
        '<p>Lovely write-up, <a href="https://social.example/@someone" rel="nofollow ugc noopener">@someone</a>! '
        'See <a href="https://example.org/very/long/path" rel="nofollow ugc noopener">example.org/very/lo…</a></p>'
        "<p>Second paragraph<br>with a break.</p>")
    assert ada["link"] == f"https://social.example/@ada/{convs['friendly'].ids['ada']}"
    assert ada["time"] == "2026-11-20T10:01:00.000Z"
    assert ada["counts"] == "Likes: 4\nReposts: 1"
    assert ada["avatar"] == {"src": f"{AVATAR_HOST}/ada.png", "alt": "Ada Lovelace", "loading": "lazy",
                             "referrer": "no-referrer"}
    # The fake serves its own avatars over http: only https avatars are shown.
    assert late["avatar"] is None
    # Images and videos are counted, not shown (a link to the reply leads to them).
    assert late["counts"] == "Images and videos: 2"

    assert margaret["text"] == "Café ☕ and 🐺 before the link https://example.net/é — nice"
    assert margaret["html"].count("<a ") == 1
    link = tab.locator(".reply-bluesky .reply-text a").first
    assert link.inner_text() == "https://example.net/é"
    assert link.get_attribute("href") == "https://example.net/%C3%A9"
    assert link.get_attribute("rel") == "nofollow ugc noopener"
    rkey = convs["friendly"].ids["margaret"].rsplit("/", 1)[1]
    assert margaret["link"] == f"https://bsky.app/profile/margaret.bsky.social/post/{rkey}"
    assert margaret["counts"] == "Likes: 7\nReposts: 2"
    assert margaret["handle"] == "@margaret.bsky.social"
    assert margaret["replies"][0]["text"] == "Replying on Bluesky,\nover two lines."
    totals = tab.locator(".replies-totals").inner_text()
    assert "Mastodon Likes: 12 · Reposts: 3" in totals and "Bluesky Likes: 30 · Reposts: 5" in totals
    # Each reply's text says its language (for a screen reader's voice).
    assert tab.locator(".reply-text[lang=en]").count() == 5
    # Loaded once: the button is gone, the status says what happened.
    assert not tab.get_by_role("button", name="Show replies").is_visible()
    assert tab.locator(".replies-status").get_attribute("role") == "status"


ALLOWED_TAGS = {"OL", "UL", "LI", "ARTICLE", "HEADER", "H3", "P", "SPAN", "A", "TIME", "IMG", "DIV", "BR",
                "DETAILS", "SUMMARY"}
ALLOWED_ATTRS = {"class", "href", "rel", "src", "alt", "width", "height", "loading", "decoding",
                 "referrerpolicy", "datetime", "aria-hidden", "lang"}
AUDIT = """() => {
    const thread = document.querySelector('.replies-thread');
    const all = [...thread.querySelectorAll('*')];
    return {
        pwned: window.__pwned ?? null,
        tags: [...new Set(all.map(e => e.tagName))],
        attrs: [...new Set(all.flatMap(e => [...e.attributes].map(a => a.name)))],
        hrefs: all.filter(e => e.hasAttribute('href')).map(e => e.getAttribute('href')),
        srcs: all.filter(e => e.hasAttribute('src')).map(e => e.getAttribute('src')),
        textTags: [...new Set([...thread.querySelectorAll('.reply-text *')].map(e => e.tagName))],
        longest: Math.max(...[...thread.querySelectorAll('.reply-text')].map(e => e.textContent.length)),
        pageWidth: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
        skipLinks: document.querySelectorAll('.skip-link').length,
        depth: Math.max(...[...thread.querySelectorAll('.reply')].map(li => {
            let n = 0; for (let e = li; e; e = e.parentElement.closest('.reply')) n++; return n; })),
        narrowest: Math.min(...[...thread.querySelectorAll('.reply-text')].map(e => e.clientWidth)),
        mains: document.querySelectorAll('#main').length,
    };
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_hostile_replies_are_inert_text(browser: Any, site: tuple[str, dict[str, Conversation]], width: int,
                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    url, convs = site
    shots = tmp_path_factory.getbasetemp() / "replies-shots"
    shots.mkdir(exist_ok=True)
    for page in _tab(browser, viewport={"width": width, "height": 900}):
        page.add_init_script("window.addEventListener('securitypolicyviolation', () => { window.__pwned = 'csp'; });")
        _open(page, url + "/blog/hostile/")
        status = _show(page)
        assert status == f"{len(convs['hostile'].ids) + 30} replies"  # not the labelled one
        assert "hidden by a moderation label" not in page.locator(".replies-thread").inner_text()
        # Whatever handlers a hostile reply tried to attach get their events.
        page.evaluate("""() => document.querySelectorAll('.replies-thread *').forEach(e => {
            for (const type of ['mouseover', 'focus', 'load', 'error', 'toggle']) e.dispatchEvent(new Event(type));
        })""")
        audit = page.evaluate(AUDIT)
        page.locator(".replies-list").first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"replies-hostile-{width}.png"))
        page.locator(".reply", has_text="depth 3").last.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"replies-deep-{width}.png"))
        assert audit["pwned"] is None and page.errors == []
        assert set(audit["tags"]) <= ALLOWED_TAGS, audit["tags"]
        assert set(audit["attrs"]) <= ALLOWED_ATTRS, audit["attrs"]
        assert set(audit["textTags"]) <= {"P", "BR", "A", "DETAILS", "SUMMARY"}, audit["textTags"]
        assert all(h.startswith(("https://", "http://")) for h in audit["hrefs"]), audit["hrefs"]
        assert all(s.startswith("https://") for s in audit["srcs"]), audit["srcs"]
        # A reply's text is capped; nothing widens the page; no id or class of the page was borrowed.
        assert audit["longest"] <= 5001
        assert audit["pageWidth"] <= audit["viewport"]
        assert audit["skipLinks"] == 1 and audit["mains"] == 1
        # A 31-reply chain nests five deep, then continues flat: text keeps most of a phone's width.
        assert audit["depth"] == 5 and audit["narrowest"] >= 0.55 * min(width, 672), audit
        text = page.locator(".replies-thread").inner_text()
        for words in ("js link", "data link", "spaced js", "fine link", "after a script",
                      "<img src=x onerror=window.__pwned=20> click me and me too"):
            assert words in text, words
        # A script's text is dropped, not shown.
        assert page.locator(".reply", has_text="Mastodon 1").locator(".reply-text").inner_text() == "after a script"
        links = {a.inner_text(): a.get_attribute("href") for a in page.locator(".reply-text a").all()}
        assert links.get("fine link") == "https://ok.example/x"
        assert "js link" not in links and "click me" not in links and "me too" not in links
        assert not any("half.example" in h or "past-the-end" in h or "string-offsets" in h for h in links.values())
        # The hostile display name is text, the hostile profile/avatar/status URLs are dropped.
        evil = page.locator(".reply", has_text="evil account").first
        assert evil.locator(".reply-name").inner_text() == '<img src=x onerror="window.__pwned=11">'
        assert evil.locator("img").count() == 0 and evil.locator(".reply-author a").count() == 0
        assert evil.locator("summary").inner_text() == '<img src=x onerror="window.__pwned=15">CW'


@pytest.mark.parametrize("scheme", ["light", "dark", "toggled-dark"])
def test_the_loaded_section_passes_axe_and_is_screenshot(
        browser: Any, site: tuple[str, dict[str, Conversation]], scheme: str,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    assert AXE_JS.is_file(), f"axe-core is missing at {AXE_JS}: run .ci/run (npm install axe-core)"
    url, _ = site
    shots = tmp_path_factory.getbasetemp() / "replies-shots"
    shots.mkdir(exist_ok=True)
    failures = {}
    for view, size in VIEWPORTS.items():
        system = "light" if scheme == "toggled-dark" else scheme
        for page in _tab(browser, viewport=size, color_scheme=system):
            if scheme == "toggled-dark":  # the reader chose dark with the theme's toggle on a light system
                page.add_init_script("localStorage.setItem('sitegen-theme', 'dark')")
            _open(page, url + "/blog/friendly/")
            dark = scheme != "light"
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert (background == "rgb(22, 23, 28)") == dark, background
            page.locator("#replies").screenshot(path=str(shots / f"replies-before-{scheme}-{view}.png"))
            _show(page)
            page.wait_for_function("() => [...document.querySelectorAll('.reply-avatar')]"
                                   ".every(i => i.tagName !== 'IMG' || i.complete)")
            page.locator("#replies").screenshot(path=str(shots / f"replies-{scheme}-{view}.png"))
            page.add_script_tag(path=str(AXE_JS))
            violations = page.evaluate("""async () => {
                const r = await axe.run({include: [['#replies']]},
                    {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa', 'best-practice']});
                return r.violations.map(v => [v.id, v.nodes.slice(0, 3).map(n => n.target.join(' '))]);
            }""")
            if violations:
                failures[view] = violations
            assert page.errors == []
    assert failures == {}


def test_without_javascript_the_links_remain_and_no_section_shows(
        browser: Any, site: tuple[str, dict[str, Conversation]]) -> None:
    url, convs = site
    for page in _tab(browser, java_script_enabled=False):
        _open(page, url + "/blog/friendly/")
        assert not page.locator("#replies").is_visible()
        mastodon = page.get_by_role("link", name="Mastodon")
        bluesky = page.get_by_role("link", name="Bluesky")
        assert mastodon.is_visible() and bluesky.is_visible()
        assert mastodon.get_attribute("href") == convs["friendly"].mastodon_url
        assert bluesky.get_attribute("href").startswith("https://bsky.app/profile/")


def test_a_post_never_shared_loads_no_replies_script(tab: Any, site: tuple[str, dict[str, Conversation]]) -> None:
    url, _ = site
    _open(tab, url + "/blog/friendly/")
    assert tab.evaluate("[...document.scripts].filter(s => s.src.endsWith('/replies.js')).length") == 1
    _open(tab, url + "/blog/quiet/")
    assert tab.evaluate("[...document.scripts].filter(s => s.src.endsWith('/replies.js')).length") == 0
    assert tab.evaluate("typeof window.sitegenReplies") == "undefined"
    assert tab.locator("#replies").count() == 0


def test_a_failing_network_is_announced_and_the_other_still_shows(
        tab: Any, site: tuple[str, dict[str, Conversation]], fakes: tuple[FakeMastodon, FakeBluesky]) -> None:
    url, _ = site
    masto, _ = fakes
    masto.fail("context", 503)
    _open(tab, url + "/blog/friendly/")
    status = _show(tab)
    assert status == "2 replies Could not load the replies from Mastodon."
    assert [r["network"] for r in tab.evaluate(READ_THREAD)] == ["Bluesky"]
    retry = tab.get_by_role("button", name="Try again")
    assert retry.get_attribute("aria-disabled") is None
    retry.click()
    tab.wait_for_function("() => document.querySelector('.replies-status').textContent === '5 replies'")
    assert len(tab.evaluate(READ_THREAD)) == 3
    assert tab.errors == []


def test_both_networks_failing_says_so_and_offers_a_retry(
        tab: Any, site: tuple[str, dict[str, Conversation]], fakes: tuple[FakeMastodon, FakeBluesky]) -> None:
    url, _ = site
    masto, bsky = fakes
    masto.fail("get_status", 404)
    bsky.fail("getPostThread", 200, malformed=True)
    _open(tab, url + "/blog/friendly/")
    assert _show(tab) == ("Could not load the replies from Mastodon. Could not load the replies from Bluesky.")
    assert tab.evaluate(READ_THREAD) == []
    assert tab.get_by_role("button", name="Try again").is_visible()


def test_visible_mode_loads_when_the_section_scrolls_into_view(
        browser: Any, fakes: tuple[FakeMastodon, FakeBluesky], tmp_path: Path) -> None:
    masto, bsky = fakes
    root = masto.seed_status("<p>scroll</p>")
    masto.seed_reply(root["id"], "<p>seen on scroll</p>", created_at="2026-11-21T00:00:00Z")
    conv = Conversation(mastodon_url=root["url"], bluesky_uri=bsky.seed_post("scroll"))
    # A `language` the browser's date formatter rejects must not stop the script.
    public = build_site(tmp_path, {"scrolled": conv}, bsky.base_url, replies="visible", filler=60, language="en_GB")
    masto.clear_requests()
    with serve(public) as url:
        for page in _tab(browser, viewport={"width": 1280, "height": 600}):
            _open(page, url + "/blog/scrolled/")
            # The observer reports its first (not intersecting) state within two frames.
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            assert masto.requests_to("context") == []
            page.locator("#replies").scroll_into_view_if_needed()
            page.wait_for_function("() => document.querySelector('.replies-status').textContent === '1 reply'")
            assert len(masto.requests_to("context")) == 1
            assert page.locator(".reply-text").inner_text() == "seen on scroll"
            assert page.locator(".reply time").inner_text()
            assert page.errors == []


def test_a_keyboard_user_lands_on_the_thread(tab: Any, site: tuple[str, dict[str, Conversation]]) -> None:
    url, _ = site
    _open(tab, url + "/blog/friendly/")
    tab.get_by_role("button", name="Show replies").focus()
    tab.keyboard.press("Enter")
    tab.wait_for_function("() => document.querySelector('.replies-status').textContent === '5 replies'")
    assert tab.evaluate("document.activeElement.id") == "replies-thread"
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.textContent") == "Ada Lovelace"
