"""Front matter as Zola, Hugo and Jekyll define it, read directly; the errors an imported site can hit."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sitegen.build.builder import Builder
from sitegen.config import load_config
from sitegen.content import parse_page
from sitegen.errors import ContentError

BASE = 'title = "T"\nbase_url = "https://example.org"\n'


def make(tmp_path: Path, files: dict[str, str | bytes], config: str = "") -> Path:
    site = tmp_path / "site"
    for rel, text in {"sitegen.toml": BASE + config, **files}.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text))
    return site


def build(site: Path) -> Path:
    Builder(site, site.parent / "out", cache_dir=site.parent / "cache").build()
    return site.parent / "out"


def record(tmp_path: Path, conventions: str, text: str, key: str = "blog/x.md", extra_config: str = ""):
    site = make(tmp_path, {f"content/{key}": text},
                f'{extra_config}\n[content]\nconventions = "{conventions}"\n')
    config = load_config(site)
    coll = config.collection(key.split("/")[0] if "/" in key else "pages")
    return parse_page(textwrap.dedent(text).encode(), key, coll, config)[1]


def test_zola_extra_is_page_extra_not_nested(tmp_path: Path) -> None:
    rec = record(tmp_path, "zola", '+++\ntitle = "A"\ndate = 2020-01-01\n[extra]\nteam = "Infra"\n+++\n')
    assert rec.extra == {"team": "Infra"}


def test_sitegen_front_matter_extra_table_is_lifted_too(tmp_path: Path) -> None:
    rec = record(tmp_path, "sitegen", "---\ntitle: A\ndate: 2020-01-01\nextra:\n  team: Infra\n---\n")
    assert rec.extra["team"] == "Infra"


def test_zola_taxonomies_table_gives_terms(tmp_path: Path) -> None:
    rec = record(tmp_path, "zola", '+++\ntitle = "A"\ndate = 2020-01-01\n[taxonomies]\ntags = ["Rust", "wasm"]\n+++\n')
    assert rec.terms["tags"] == ("Rust", "wasm")


def test_hugo_front_matter(tmp_path: Path) -> None:
    rec = record(tmp_path, "hugo", """\
        ---
        title: Post
        date: 2021-03-04
        lastmod: 2021-05-06
        url: /custom/place
        summary: Short *summary*
        author: Ann
        aliases: [/old/post/, older]
        params:
          mood: happy
        layout: wide
        ---
        """, key="posts/2021-03-04-post.md")
    assert rec.path_url == "/custom/place/"
    assert rec.updated is not None and rec.updated.month == 5
    assert rec.description == "Short *summary*"
    assert rec.authors == ("Ann",)
    assert rec.aliases == ("/old/post/", "/custom/older")  # a relative alias sits beside the page
    assert rec.extra == {"mood": "happy", "hugo_layout": "wide"}
    assert rec.layout is None  # Hugo's layout names a Hugo template, not one of sitegen's


def test_hugo_keeps_a_date_in_the_file_name_in_the_url(tmp_path: Path) -> None:
    rec = record(tmp_path, "hugo", "---\ntitle: P\ndate: 2021-03-04\n---\n", key="posts/2021-03-04-My-Post.md",
                 extra_config='[collections.posts]\npermalink = "/posts/{slug}/"\n')
    assert rec.path_url == "/posts/2021-03-04-my-post/"


def test_hugo_expired_and_future_pages_are_left_out(tmp_path: Path) -> None:
    gone = record(tmp_path, "hugo", "---\ntitle: P\ndate: 2020-01-01\nexpiryDate: 2020-02-01\n---\n")
    later = record(tmp_path, "hugo", "---\ntitle: P\npublishDate: 2999-01-01\n---\n")
    assert gone.draft and later.draft and later.date is not None and later.date.year == 2999


def test_jekyll_front_matter(tmp_path: Path) -> None:
    rec = record(tmp_path, "jekyll", """\
        ---
        title: Welcome
        categories: jekyll update
        tags: intro
        redirect_from:
          - /welcome.html
        permalink: /:categories/:year/:month/:day/:title:output_ext
        author: Tom
        layout: post
        ---
        """, key="blog/2014-01-05-welcome-to-jekyll.md")
    assert rec.path_url == "/jekyll/update/2014/01/05/welcome-to-jekyll.html"
    assert rec.aliases == ("/welcome.html",)
    assert rec.authors == ("Tom",)
    assert rec.terms["tags"] == ("intro",)
    assert rec.extra["jekyll_layout"] == "post"


def test_jekyll_published_false_is_a_draft(tmp_path: Path) -> None:
    rec = record(tmp_path, "jekyll", "---\ntitle: W\npublished: false\n---\n", key="blog/2014-01-05-w.md")
    assert rec.draft and rec.date is not None


def test_undated_posts_build_under_other_conventions(tmp_path: Path) -> None:
    site = make(tmp_path, {"content/blog/a.md": '+++\ntitle = "A"\n+++\nText.\n'},
                '[content]\nconventions = "zola"\n')
    assert (build(site) / "blog/a/index.html").is_file()


@pytest.mark.parametrize(("mode", "url"), [("safe", "/blog/Rust-1.17/"), ("slugify", "/blog/rust-1-17/"),
                                           ("lower", "/blog/rust-1.17/")])
def test_slug_modes(tmp_path: Path, mode: str, url: str) -> None:
    site = make(tmp_path, {"content/blog/Rust-1.17.md": '+++\ntitle = "R"\ndate = 2017-04-27\n+++\n'},
                f'[content]\nconventions = "zola"\nslugs = "{mode}"\n')
    config = load_config(site)
    rec = parse_page((site / "content/blog/Rust-1.17.md").read_bytes(), "blog/Rust-1.17.md",
                     config.collection("blog"), config)[1]
    assert rec.path_url == url


def test_an_alias_over_a_real_page_names_both_files(tmp_path: Path) -> None:
    site = make(tmp_path, {
        "content/blog/2020-01-01-a.md": "---\ntitle: A\naliases: [/blog/b/]\n---\n",
        "content/blog/2020-01-02-b.md": "---\ntitle: B\n---\n",
    })
    with pytest.raises(ContentError) as caught:
        build(site)
    assert str(caught.value).startswith("content/blog/2020-01-01-a.md: alias /blog/b/ would overwrite")
    assert "content/blog/2020-01-02-b.md" in str(caught.value)


def test_two_pages_at_one_url_names_both_files(tmp_path: Path) -> None:
    site = make(tmp_path, {
        "content/blog/2020-01-01-a.md": "---\ntitle: A\nslug: same\n---\n",
        "content/blog/2020-01-02-b.md": "---\ntitle: B\nslug: same\n---\n",
    })
    with pytest.raises(ContentError) as caught:
        build(site)
    message = str(caught.value)
    assert "two pages would be written to /blog/same/" in message
    assert "content/blog/2020-01-01-a.md" in message and "content/blog/2020-01-02-b.md" in message


def test_a_collection_listed_at_root_is_the_home_page(tmp_path: Path) -> None:
    # What a Zola root section with posts looks like: it used to stop with "two pages would be
    # written to /: the index page and the home page (give one a different slug)".
    site = make(tmp_path, {
        "content/_index.md": '+++\ntitle = "Rust Blog"\nsort_by = "date"\n+++\nWelcome.\n',
        "content/Rust-1.12/index.md": '+++\npath = "2016/09/29/Rust-1.12"\ntitle = "R"\n+++\nX\n',
        "content/b.md": '+++\npath = "2017/01/01/b"\ntitle = "B"\n+++\nY\n',
    }, '[content]\nconventions = "zola"\nslugs = "safe"\n'
       '[collections.pages]\nurl = "/"\nlisted = true\ndated = true\npermalink = "/{slug}/"\n')
    out = build(site)
    home = (out / "index.html").read_text()
    assert "Rust Blog" in home and "Welcome." in home
    assert home.index("2017/01/01/b") < home.index("2016/09/29/Rust-1.12")
    assert (out / "2016/09/29/Rust-1.12/index.html").is_file()


def test_a_page_at_root_and_the_home_page_clash_with_a_fitting_hint(tmp_path: Path) -> None:
    site = make(tmp_path, {"content/about.md": '+++\npath = "/"\ntitle = "About"\n+++\n'},
                '[content]\nconventions = "zola"\n')
    with pytest.raises(ContentError) as caught:
        build(site)
    message = str(caught.value)
    assert "content/about.md" in message and "the home page" in message and '`url = "/"`' in message


def test_bundle_file_over_a_static_file_is_an_error(tmp_path: Path) -> None:
    site = make(tmp_path, {
        "content/blog/p/index.md": "---\ntitle: P\ndate: 2020-01-01\n---\n",
        "content/blog/p/a.png": b"1",
        "static/blog/p/a.png": b"2",
    })
    with pytest.raises(ContentError, match=r"content/blog/p/a.png: would be published at /blog/p/a.png"):
        build(site)


def test_bundle_files_follow_edits(tmp_path: Path) -> None:
    site = make(tmp_path, {
        "content/blog/p/index.md": "---\ntitle: P\ndate: 2020-01-01\n---\n",
        "content/blog/p/img/a.png": b"1",
    })
    out = build(site)
    assert (out / "blog/p/img/a.png").read_bytes() == b"1"
    (site / "content/blog/p/img/a.png").unlink()
    (site / "content/blog/p/b.png").write_bytes(b"22")
    build(site)
    assert not (out / "blog/p/img/a.png").exists() and (out / "blog/p/b.png").read_bytes() == b"22"


def test_unknown_conventions_are_a_config_error(tmp_path: Path) -> None:
    from sitegen.errors import ConfigError

    site = make(tmp_path, {}, '[content]\nconventions = "gatsby"\n')
    with pytest.raises(ConfigError, match=r"content\.conventions must be one of sitegen, zola, hugo, jekyll"):
        load_config(site)


def test_bad_alias_names_its_line(tmp_path: Path) -> None:
    site = make(tmp_path, {"content/blog/a.md": '+++\ntitle = "A"\ndate = 2020-01-01\naliases = "https://x.org/a"\n+++\n'},
                '[content]\nconventions = "zola"\n')
    with pytest.raises(ContentError) as caught:
        build(site)
    assert caught.value.line == 4 and "full URL" in caught.value.message


def test_incremental_builds_follow_sections_aliases_and_bundles(tmp_path: Path) -> None:
    site = make(tmp_path, {
        "content/blog/_index.md": '+++\ntitle = "Blog"\nsort_by = "date"\npaginate_by = 2\n+++\nIntro one.\n',
        **{f"content/blog/2020-01-0{n}-p{n}.md": f'+++\ntitle = "P{n}"\n+++\nText {n}.\n' for n in range(1, 5)},
    }, '[content]\nconventions = "zola"\n')
    out = build(site)
    assert (out / "blog/page/2/index.html").is_file() and not (out / "blog/page/3/index.html").exists()
    assert "Intro one." in (out / "blog/index.html").read_text()

    index = site / "content/blog/_index.md"
    index.write_text('+++\ntitle = "Blog"\nsort_by = "date"\npaginate_by = 1\n+++\nIntro two!\n')
    build(site)
    assert (out / "blog/page/4/index.html").is_file()
    assert "Intro two!" in (out / "blog/index.html").read_text()

    post = site / "content/blog/2020-01-01-p1.md"
    post.write_text('+++\ntitle = "P1"\naliases = ["/old/p1/"]\n+++\nText 1.\n')
    build(site)
    assert "/blog/p1/" in (out / "old/p1/index.html").read_text()
    post.write_text('+++\ntitle = "P1"\n+++\nText 1.\n')
    build(site)
    assert not (out / "old/p1/index.html").exists()


def test_a_term_page_links_no_feed_its_taxonomy_does_not_publish(tmp_path: Path) -> None:
    # Zola's taxonomies have no feed unless asked (`feed = true`); init writes `feed = false`,
    # and `sitegen check` found term pages linking to the feed that was not written.
    site = make(tmp_path, {"content/blog/2020-01-01-a.md": "---\ntitle: A\ncategories: [news]\n---\nA.\n"},
                "[taxonomies.categories]\nfeed = false\n")
    out = build(site)
    assert not (out / "categories/news/atom.xml").exists()
    assert "categories/news/atom.xml" not in (out / "categories/news/index.html").read_text()


def test_an_edit_elsewhere_does_not_render_a_section_list_again(tmp_path: Path) -> None:
    site = make(tmp_path, {
        "content/blog/_index.md": '+++\ntitle = "Blog"\n+++\nIntro.\n',
        "content/blog/2020-01-01-a.md": '+++\ntitle = "A"\n+++\nA.\n',
        "content/notes/2020-01-01-n.md": '+++\ntitle = "N"\n+++\nN.\n',
    }, '[content]\nconventions = "zola"\n')
    build(site)
    (site / "content/notes/2020-01-01-n.md").write_text('+++\ntitle = "N"\n+++\nN, longer now.\n')
    report = Builder(site, site.parent / "out", cache_dir=site.parent / "cache").build()
    assert "/blog/" not in [url for url, _ in report.rendered]


def test_bad_front_matter_defaults_name_their_line(tmp_path: Path) -> None:
    from sitegen.errors import ConfigError

    site = make(tmp_path, {"content/blog/a.md": "---\ntitle: A\n---\n"},
                '\n[[content.defaults]]\nscope = "blog"\nvalues = { layout = "x" }\n')
    with pytest.raises(ConfigError) as caught:
        load_config(site)
    assert str(caught.value).endswith("sitegen.toml:4: content.defaults entry 1: `scope` must be a table with "
                                      "`path` and `type`")


def test_front_matter_defaults_serve_sitegen_sites_too(tmp_path: Path) -> None:
    """The most specific scope wins whatever its place; a page's own front matter wins over all."""
    site = make(tmp_path, {
        "content/blog/2020-01-01-a.md": "---\ntitle: A\n---\n",
        "content/blog/trips/2020-01-02-b.md": "---\ntitle: B\n---\n",
        "content/blog/trips/2020-01-03-c.md": "---\ntitle: C\nauthors: [Own]\n---\n",
        "content/about.md": "---\ntitle: About\n---\n",
    }, '\n[[content.defaults]]\nscope = { path = "blog/trips" }\nvalues = { authors = ["Trip"] }\n'
       '\n[[content.defaults]]\nscope = { type = "blog" }\nvalues = { authors = ["Blog"], mood = "calm" }\n')
    config = load_config(site)
    blog = config.collection("blog")

    def rec(key: str):
        return parse_page((site / "content" / key).read_bytes(), key, blog or config.collection("pages"), config)[1]

    assert rec("blog/2020-01-01-a.md").authors == ("Blog",)
    trip = rec("blog/trips/2020-01-02-b.md")
    assert trip.authors == ("Trip",) and trip.extra["mood"] == "calm"
    assert rec("blog/trips/2020-01-03-c.md").authors == ("Own",)
    assert parse_page(b"---\ntitle: About\n---\n", "about.md", config.collection("pages"), config)[1].authors == ()
