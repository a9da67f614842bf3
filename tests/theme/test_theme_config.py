"""Theme settings from sitegen.toml, no template copied: interface words ([strings]), the home
page's intro ([home] intro), a default social image ([theme_options] og_image); the feed's
generator names no placeholder site."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.engine import Builder
from sitegen.errors import ConfigError

POST = ("---\ntitle: A post\ndate: 2026-01-01\ntags: [t]\n---\n"
        "Text.[^1] Run `python3 -m http.server`.\n\n[^1]: A note.\n")


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


AUTHOR = """\
[author]
name = "Ada <Example> & Co"
avatar = "/images/ada.jpg"
bio = "Writes about *compilers*. <script>alert(1)</script> [Projects](/projects/)."
url = "https://ada.example/"
email = "ada@example.org"

[[author.links]]
name = "Mastodon"
url = "https://social.example/@ada"

[[author.links]]
name = "GitHub"
url = "https://github.com/ada"
"""


def test_the_author_block_shows_on_the_home_page_and_under_posts(tmp_path: Path) -> None:
    out = _build(tmp_path, AUTHOR)
    for page in (out / "index.html", out / "blog" / "a" / "index.html"):
        html = page.read_text()
        card = html[html.index('<div class="author-card h-card">'):]
        card = card[:card.index("</ul>")]
        assert 'href="https://ada.example/" rel="author">Ada &lt;Example&gt; &amp; Co</a>' in card
        assert '<img class="author-avatar u-photo" src="/images/ada.jpg" alt="" width="64" height="64"' in card
        # The bio is Markdown, without raw HTML.
        assert "<em>compilers</em>" in card and '<a href="/projects/">Projects</a>' in card
        assert "<script>" not in card and "&lt;script&gt;" in card
        assert '<a href="https://social.example/@ada" rel="me">Mastodon</a>' in card
        assert '<a href="https://github.com/ada" rel="me">GitHub</a>' in card
    feed = (out / "atom.xml").read_text()
    assert ("<author><name>Ada &lt;Example&gt; &amp; Co</name><uri>https://ada.example/</uri>"
            "<email>ada@example.org</email></author>") in feed


def test_the_author_block_goes_where_the_theme_options_say_and_needs_no_avatar(tmp_path: Path) -> None:
    toml = AUTHOR.replace('avatar = "/images/ada.jpg"\n', "") + '\n[theme_options]\nauthor_block = ["home"]\n'
    out = _build(tmp_path, toml)
    home = (out / "index.html").read_text()
    assert 'class="author-card h-card"' in home and "author-avatar" not in home
    assert "author-card" not in (out / "blog" / "a" / "index.html").read_text()


def test_a_plain_author_name_shows_no_block(tmp_path: Path) -> None:
    out = _build(tmp_path, 'author = "Ada"\n')
    assert "author-card" not in (out / "index.html").read_text()
    assert "<author><name>Ada</name></author>" in (out / "atom.xml").read_text()


@pytest.mark.parametrize(("toml", "message"), [
    ('[author]\nname = "A"\n[[author.links]]\nname = "x"\n', r"author.links entry 1 needs `name` and `url`"),
    ('[author]\nnmae = "A"\n', r"author\.nmae.*name"),
    ('[theme_options]\nauthor_block = ["sidebar"]\n', r"author_block"),
])
def test_author_mistakes_are_errors(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "sitegen.toml").write_text('title = "T"\nbase_url = "https://t.example"\n' + toml)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_every_interface_word_of_the_theme_comes_from_strings(tmp_path: Path) -> None:
    """Each key set to a marker: the English defaults of the page furniture are gone."""
    from sitegen.config import DEFAULT_STRINGS

    words = {key: f"Q{i}Q" for i, key in enumerate(DEFAULT_STRINGS)}
    for key in ("page_of", "page_n", "post_count", "archives_of", "all_terms", "subscribe_to", "terms_summary",
                "author_links", "replies_count", "replies_error"):
        if key in words:  # keep the placeholder each one is formatted with
            words[key] += "{" + DEFAULT_STRINGS[key].split("{")[1].split("}")[0] + "}"
    toml = "[collections.blog]\narchives = true\n[taxonomies.tags]\n[strings]\n" + "".join(
        f'{key} = "{value}"\n' for key, value in words.items())
    out = _build(tmp_path, toml)
    english = ["Page not found", "Home page", "There is nothing at this address", "Subscribe to", "All years",
               "Posts tagged", "in all, by name", "Older and newer", 'aria-label="Main"', 'aria-label="Pagination"',
               "Dark theme", "Copy", "Skip to content", "Back to top", "1 post"]
    pages = [p for p in out.rglob("*.html")]
    assert len(pages) > 5
    for page in pages:
        html = page.read_text()
        found = [w for w in english if w in html]
        assert not found, f"{page.relative_to(out)}: {found}"
