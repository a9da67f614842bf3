"""The replies section as built (no browser): which pages get it and its one script, the API
endpoints derived from the front matter links into data attributes, and the `[social]` settings."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from sitegen.cli import main
from sitegen.config import load_config
from sitegen.engine import Builder
from sitegen.errors import ConfigError
from sitegen.social.replies import bluesky_at_uri, mastodon_status, reply_sources

BOTH = """\
---
title: Shared everywhere
date: 2026-01-02
mastodon: https://social.example/@ada/113000000000000042
bluesky: at://did:plc:abc123/app.bsky.feed.post/3kxyzabc
---
Text.
"""
MASTODON_ONLY = "---\ntitle: Tooted\ndate: 2026-01-03\nmastodon: https://social.example/@ada/7\n---\nText.\n"
BLUESKY_WEB = ("---\ntitle: Skeeted\ndate: 2026-01-04\n"
               "bluesky: https://bsky.app/profile/ada.example/post/3kabc\n---\nText.\n")
PLAIN = "---\ntitle: Quiet\ndate: 2026-01-01\n---\nText.\n"
ODD_MASTODON = "---\ntitle: Odd\ndate: 2026-01-05\nmastodon: https://social.example/about\n---\nText.\n"


def _site(tmp_path: Path, toml: str = "") -> Path:
    blog = tmp_path / "content" / "blog"
    blog.mkdir(parents=True)
    for name, text in (("both", BOTH), ("toot", MASTODON_ONLY), ("sky", BLUESKY_WEB), ("plain", PLAIN),
                       ("odd", ODD_MASTODON)):
        (blog / f"{name}.md").write_text(text, "utf-8")
    (tmp_path / "sitegen.toml").write_text('title = "T"\nbase_url = "https://t.example"\n' + toml, "utf-8")
    return tmp_path


def _build(site: Path) -> Path:
    Builder(site, site / "public", cache_dir=site / ".cache").build()
    return site / "public"


def _section(page: str) -> dict[str, str]:
    match = re.search(r"<section class=\"replies\"([^>]*)>", page)
    assert match, "no replies section"
    return {k: html.unescape(v) for k, v in re.findall(r'(data-[\w-]+)="([^"]*)"', match[1])}


@pytest.mark.parametrize(("url", "expected"), [
    ("https://social.example/@ada/113000000000000042", ("https://social.example", "113000000000000042")),
    ("https://social.example/@ada@other.example/55/", ("https://social.example", "55")),
    ("https://social.example/users/ada/statuses/9", ("https://social.example", "9")),
    ("http://127.0.0.1:8123/@ada/9", ("http://127.0.0.1:8123", "9")),
    ("https://social.example/@ada", None),
    ("https://social.example/@ada/9?x=1", None),
    ("https://social.example/@ada/12abc", None),
    ("javascript:alert(1)//@a/1", None),
    ("", None),
])
def test_a_mastodon_status_url_gives_the_instance_and_the_status_id(url: str, expected: object) -> None:
    assert mastodon_status(url) == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("https://bsky.app/profile/did:plc:abc123/post/3kxyz", "at://did:plc:abc123/app.bsky.feed.post/3kxyz"),
    ("https://bsky.app/profile/ada.example/post/3kxyz/", "at://ada.example/app.bsky.feed.post/3kxyz"),
    ("https://evil.example/profile/ada.example/post/3kxyz", None),
    ("http://bsky.app/profile/ada.example/post/3kxyz", None),
    ("https://bsky.app/profile/ada.example", None),
    ("https://bsky.app/profile/a\"b/post/3k", None),
])
def test_a_bluesky_web_url_gives_the_at_uri(url: str, expected: str | None) -> None:
    assert bluesky_at_uri(url) == expected


def test_sources_name_the_appview_only_for_a_bluesky_post() -> None:
    assert not reply_sources(None, None, "https://appview.example")
    only = reply_sources("https://m.example/@a/1", None, "https://appview.example")
    assert only and only.bluesky_appview is None and only.mastodon_id == "1"


def test_a_shared_post_gets_the_hidden_section_with_its_endpoints_and_one_deferred_script(tmp_path: Path) -> None:
    out = _build(_site(tmp_path))
    page = (out / "blog" / "both" / "index.html").read_text("utf-8")
    data = _section(page)
    assert data["data-mastodon-origin"] == "https://social.example"
    assert data["data-mastodon-id"] == "113000000000000042"
    assert data["data-bluesky-uri"] == "at://did:plc:abc123/app.bsky.feed.post/3kxyzabc"
    assert data["data-bluesky-appview"] == "https://public.api.bsky.app"
    assert data["data-load"] == "button"
    assert re.search(r'<section class="replies"[^>]* hidden[ >]', page), "visible without the script"
    # One replies script (the theme's own inline colour-scheme snippet aside).
    assert page.count("<script src=") == 1 and '<script src="/replies.js" defer></script>' in page
    # The "discuss on" links stay: they are the page without JavaScript.
    assert 'href="https://social.example/@ada/113000000000000042"' in page
    assert 'href="https://bsky.app/profile/did:plc:abc123/post/3kxyzabc"' in page
    assert (out / "replies.js").is_file()


def test_one_network_gives_that_network_only(tmp_path: Path) -> None:
    out = _build(_site(tmp_path))
    toot = _section((out / "blog" / "toot" / "index.html").read_text("utf-8"))
    assert toot["data-mastodon-id"] == "7" and "data-bluesky-uri" not in toot
    sky = _section((out / "blog" / "sky" / "index.html").read_text("utf-8"))
    assert sky["data-bluesky-uri"] == "at://ada.example/app.bsky.feed.post/3kabc" and "data-mastodon-id" not in sky


def test_pages_without_readable_links_have_no_section_and_no_replies_script(tmp_path: Path) -> None:
    out = _build(_site(tmp_path))
    for page in [out / "blog" / "plain" / "index.html", out / "blog" / "odd" / "index.html", out / "index.html",
                 out / "blog" / "index.html", out / "tags" / "index.html"]:
        text = page.read_text("utf-8")
        assert "/replies.js" not in text and 'class="replies"' not in text, page
    # A Mastodon link that is not a status still shows as a "discuss on" link.
    assert 'href="https://social.example/about"' in (out / "blog" / "odd" / "index.html").read_text("utf-8")


def test_replies_off_leaves_the_links_and_drops_section_and_script(tmp_path: Path) -> None:
    out = _build(_site(tmp_path, '[social]\nreplies = "off"\n'))
    page = (out / "blog" / "both" / "index.html").read_text("utf-8")
    assert "/replies.js" not in page and 'class="replies"' not in page
    assert 'href="https://social.example/@ada/113000000000000042"' in page


def test_visible_mode_and_an_own_appview_reach_the_page(tmp_path: Path) -> None:
    out = _build(_site(tmp_path, '[social]\nreplies = "visible"\n[social.bluesky]\nappview = "https://api.example/"\n'))
    data = _section((out / "blog" / "both" / "index.html").read_text("utf-8"))
    assert data["data-load"] == "visible" and data["data-bluesky-appview"] == "https://api.example"


def test_interface_words_come_from_strings(tmp_path: Path) -> None:
    out = _build(_site(tmp_path, '[strings]\nreplies = "Antworten"\nreplies_show = "Antworten zeigen"\n'
                                 'replies_count = "{n} Antworten"\n'))
    page = (out / "blog" / "both" / "index.html").read_text("utf-8")
    assert '<h2 id="replies-heading">Antworten</h2>' in page and ">Antworten zeigen</button>" in page
    assert _section(page)["data-s-count"] == "{n} Antworten"


@pytest.mark.parametrize(("toml", "message"), [
    ('[social]\nreplies = "always"\n', r"social\.replies must be one of button, visible, off"),
    ('[social.bluesky]\nappview = "ftp://x.example"\n', r"social\.bluesky\.appview must be an origin"),
    ('[social.bluesky]\nappview = "https://x.example/xrpc"\n', r"social\.bluesky\.appview must be an origin"),
    ('[social]\nreplys = "off"\n', r"unknown setting `social\.replys`.*replies"),
])
def test_bad_social_settings_are_config_errors(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "sitegen.toml").write_text('title = "T"\nbase_url = "https://t.example"\n' + toml)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_a_bad_setting_is_one_error_line_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path, '[social]\nreplies = "sometimes"\n')
    assert main(["build", str(site)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "sitegen.toml:4:" in err[0], err
    assert not (site / "public").exists()
