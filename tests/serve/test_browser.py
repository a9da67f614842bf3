"""Live reload in a real browser: headless Chromium against a running preview."""

from __future__ import annotations

import io
import socket
from pathlib import Path
from typing import Any

import pytest
from serve_support import Running, open_live, post_text, wait_until

from sitegen.serve import Preview

POST_URL = "/blog/hello/"
HAS_TEXT = "text => document.body && document.body.innerText.includes(text)"
TIMEOUT = 15_000


@pytest.mark.parametrize("push", [True, False], ids=["page-sent-with-event", "page-fetched"])
def test_content_edit_appears_without_reload_and_keeps_scroll(
    running: Running, context: Any, monkeypatch: pytest.MonkeyPatch, push: bool
) -> None:
    if not push:
        monkeypatch.setattr("sitegen.serve.app.PUSH_PAGES", 0)
    page = open_live(context, running.url + POST_URL)
    assert "First version of the post." in page.inner_text("body")
    page.evaluate("window.__unchanged = true; window.scrollTo(0, 600)")
    page.wait_for_function("window.scrollY >= 600")

    running.write("content/blog/hello.md", post_text("Second version of the post."))

    page.wait_for_function(HAS_TEXT, arg="Second version of the post.", timeout=TIMEOUT)
    assert "First version" not in page.inner_text("body")
    # The page was patched in place: same window (no reload), same scroll position.
    assert page.evaluate("window.__unchanged") is True
    assert page.evaluate("window.scrollY") >= 600


def test_css_edit_swaps_stylesheet_and_keeps_typed_input(running: Running, context: Any) -> None:
    page = open_live(context, running.url + POST_URL)
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(1, 2, 3)"
    page.fill("#typed", "typed before the CSS change")

    running.write("static/style.css", "body { color: rgb(4, 5, 6); }\n")

    page.wait_for_function("getComputedStyle(document.body).color === 'rgb(4, 5, 6)'", timeout=TIMEOUT)
    assert page.input_value("#typed") == "typed before the CSS change"
    # Exactly one stylesheet for /style.css is left once the old one is dropped.
    page.wait_for_function(
        "document.querySelectorAll('link[rel=stylesheet][data-sitegen-href=\"/style.css\"]').length === 1 &&"
        " document.querySelectorAll('link[rel=stylesheet][href=\"/style.css\"]').length === 0",
        timeout=TIMEOUT,
    )


def test_build_error_shows_overlay_and_clears_once_fixed(running: Running, context: Any) -> None:
    page = open_live(context, running.url + POST_URL)

    running.write("content/blog/hello.md", "---\ntitle: [unclosed\ndate: 2024-01-02\n---\nBroken.\n")

    overlay = page.locator("#sitegen-error-overlay")
    overlay.locator(".where").wait_for(state="visible", timeout=TIMEOUT)
    where = overlay.locator(".where").inner_text()
    assert "content/blog/hello.md" in where
    assert ":" in where.split("hello.md", 1)[1]  # a line number follows the file
    assert "front matter" in overlay.locator(".message").inner_text()
    # The server kept running and kept the last good output.
    assert "First version of the post." in page.inner_text("body")
    assert "error: content/blog/hello.md" in running.log.getvalue()

    running.write("content/blog/hello.md", post_text("Third version, fixed."))

    page.wait_for_function(HAS_TEXT, arg="Third version, fixed.", timeout=TIMEOUT)
    overlay.wait_for(state="detached", timeout=TIMEOUT)


def test_page_opened_while_build_fails_shows_overlay(running: Running, context: Any) -> None:
    running.write("content/blog/hello.md", "---\ntitle: [unclosed\n---\nBroken.\n")
    wait_until(lambda: running.preview.hub.error, what="the failed build")

    page = open_live(context, running.url + "/")
    page.locator("#sitegen-error-overlay .message").wait_for(state="visible", timeout=TIMEOUT)
    # A missing page shows the site's 404 page, with the overlay too.
    missing = open_live(context, running.url + "/no/such/page/")
    assert "Page not found" in missing.inner_text("body") or "Not found" in missing.inner_text("body")
    missing.locator("#sitegen-error-overlay .message").wait_for(state="visible", timeout=TIMEOUT)


def test_drafts_are_shown(running: Running, context: Any) -> None:
    page = open_live(context, running.url + "/blog/wip/")
    assert "A draft." in page.inner_text("body")


def test_404_page_turns_into_the_new_post(running: Running, context: Any) -> None:
    page = open_live(context, running.url + "/blog/brand-new/")
    assert page.evaluate("window.__sitegen.gen") is not None

    running.write("content/blog/brand-new.md", "---\ntitle: Brand new\ndate: 2024-02-01\n---\nJust written.\n")

    page.wait_for_function(HAS_TEXT, arg="Just written.", timeout=TIMEOUT)


def test_many_tabs_share_one_stream_and_all_update(running: Running, context: Any) -> None:
    # More tabs than the six connections a browser allows per host: with one EventSource
    # each, the seventh tab would never load.
    pages = [open_live(context, running.url + POST_URL) for _ in range(8)]
    assert {p.evaluate("window.__sitegen.mode") for p in pages} == {"worker"}
    assert running.preview.hub.clients == 1

    running.write("content/blog/hello.md", post_text("Edited with eight tabs open."))
    for page in pages:
        page.wait_for_function(HAS_TEXT, arg="Edited with eight tabs open.", timeout=TIMEOUT)

    for page in pages:
        page.close()
    wait_until(lambda: running.preview.hub.clients == 0, timeout=15, what="the stream of closed tabs to end")


def test_closed_tab_is_cleaned_up_without_shared_worker(running: Running, browser: Any) -> None:
    ctx = browser.new_context()
    try:
        ctx.add_init_script("delete window.SharedWorker")
        first = open_live(ctx, running.url + POST_URL)
        second = open_live(ctx, running.url + "/")
        assert first.evaluate("window.__sitegen.mode") == "direct"
        wait_until(lambda: running.preview.hub.clients == 2, what="two event streams")

        second.close()
        wait_until(lambda: running.preview.hub.clients == 1, timeout=15, what="the closed tab's stream to end")

        running.write("content/blog/hello.md", post_text("Direct stream still works."))
        first.wait_for_function(HAS_TEXT, arg="Direct stream still works.", timeout=TIMEOUT)
    finally:
        ctx.close()


def test_tab_reconnects_to_a_restarted_preview_and_catches_up(site: Path, tmp_path: Path, context: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def preview() -> Preview:
        return Preview(site, cache_dir=tmp_path / "cache", port=port, log=io.StringIO(), heartbeat=0.5)

    with Running(preview()) as first:
        page = open_live(context, first.url + POST_URL)
    page.wait_for_function("!window.__sitegen.connected", timeout=TIMEOUT)
    # edited while no server runs: the restarted one builds it, and the tab must notice
    (site / "content" / "blog" / "hello.md").write_text(post_text("Written while the server was down."))
    with Running(preview()):
        page.wait_for_function(HAS_TEXT, arg="Written while the server was down.", timeout=TIMEOUT)
