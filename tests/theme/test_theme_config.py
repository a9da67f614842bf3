"""Theme settings from sitegen.toml, no template copied: interface words ([strings]), the home
page's intro ([home] intro), a default social image ([theme_options] og_image); the feed's
generator names no placeholder site."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.engine import Builder
from sitegen.errors import ConfigError

POST = "---\ntitle: A post\ndate: 2026-01-01\n---\nText.[^1] Run `python3 -m http.server`.\n\n[^1]: A note.\n"


def _build(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "content" / "blog").mkdir(parents=True)
    (tmp_path / "content" / "blog" / "a.md").write_text(POST)
    (tmp_path / "sitegen.toml").write_text('title = "T"\nbase_url = "https://t.example"\n' + toml)
    Builder(tmp_path, tmp_path / "public", cache_dir=tmp_path / ".cache").build()
    return tmp_path / "public"


def test_strings_intro_and_social_image_come_from_the_config(tmp_path: Path) -> None:
    out = _build(tmp_path, '[home]\nintro = "Hallo, ich schreibe."\n[theme_options]\nog_image = "/card.png"\n'
                           '[strings]\nmin_read = "Min. Lesezeit"\nnotes = "Anmerkungen"\nnote = "Anmerkung"\n')
    home = (out / "index.html").read_text()
    assert '<p class="lead">Hallo, ich schreibe.</p>' in home
    assert '<meta property="og:image" content="https://t.example/card.png">' in home
    post = (out / "blog" / "a" / "index.html").read_text()
    assert "Min. Lesezeit" in post and "min read" not in post
    assert '<h2 class="footnotes-title" id="footnotes-blog-a">Anmerkungen</h2>' in post
    assert '<span class="visually-hidden">Anmerkung </span>1</a>' in post
    assert '<span class="nobr">-m</span>' in post


def test_defaults_are_english_and_the_feed_generator_is_no_placeholder(tmp_path: Path) -> None:
    out = _build(tmp_path, "")
    post = (out / "blog" / "a" / "index.html").read_text()
    assert "1 min read" in post and ">Notes</h2>" in post and "og:image" not in post
    feed = (out / "atom.xml").read_text()
    assert "sitegen.example" not in feed and '<generator version="' in feed


def test_an_unknown_string_is_an_error_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "sitegen.toml").write_text('title = "T"\nbase_url = "https://t.example"\n[strings]\nmin_reed = "x"\n')
    with pytest.raises(ConfigError, match=r"strings\.min_reed.*min_read"):
        load_config(tmp_path)
