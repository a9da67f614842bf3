"""The bundled example site (repo-root sitegen.toml + content/) builds, and its pages show what they document."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree.ElementTree import Element

import feedparser
import html5lib
import pytest

from sitegen.config import load_config
from sitegen.engine import Builder
from sitegen.linkcheck import check_links

REPO = Path(__file__).resolve().parent.parent
BASE_URL = "https://sitegen.example"

# Source file → (URL, title) of every documentation post and page this site promises.
DOCS = {
    "blog/2026-11-01-getting-started.md": ("/blog/getting-started/", "Getting started"),
    "blog/2026-11-02-front-matter.md": ("/blog/front-matter/", "Front matter reference"),
    "blog/2026-11-03-markdown-features.md": ("/blog/markdown-features/", "Markdown features"),
    "blog/2026-11-04-configuration.md": ("/blog/configuration/", "Configuration reference"),
    "blog/2026-11-05-templates-and-themes.md": ("/blog/templates-and-themes/", "Templates and themes"),
    "blog/2026-11-06-incremental-builds.md": ("/blog/incremental-builds/", "Incremental builds"),
    "pages/about.md": ("/about/", "About"),
}
POSTS = {src: v for src, v in DOCS.items() if src.startswith("blog/")}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("example-site")
    Builder(REPO, tmp / "public", cache_dir=tmp / "cache").build()
    return tmp / "public"


def page_file(out: Path, url: str) -> Path:
    return out / url.strip("/") / "index.html" if url != "/" else out / "index.html"


def parse(out: Path, url: str) -> Element:
    return html5lib.parse(page_file(out, url).read_bytes(), namespaceHTMLElements=False)


def by_class(root: Element, tag: str, cls: str) -> list[Element]:
    return [e for e in root.iter(tag) if cls in (e.get("class") or "").split()]


def text_of(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_repo_root_is_the_site(tmp_path: Path) -> None:
    config = load_config(REPO)
    assert config.title == "sitegen"
    assert config.base_url == BASE_URL
    assert {c.name for c in config.collections} >= {"blog", "pages"}
    # The README's `sitegen build` (no arguments, run in the checkout) writes ./public.
    assert Builder(REPO, cache_dir=tmp_path).out_dir == REPO / "public"


@pytest.mark.parametrize("source", sorted(DOCS))
def test_each_docs_page_is_at_its_url(out: Path, source: str) -> None:
    assert (REPO / "content" / source).is_file()
    url, title = DOCS[source]
    h1s = [text_of(h) for h in parse(out, url).iter("h1")]
    assert title in h1s


def test_no_internal_link_is_broken(out: Path) -> None:
    assert check_links(out, BASE_URL) == []


def test_relative_md_links_became_urls(out: Path) -> None:
    features = parse(out, "/blog/markdown-features/")
    hrefs = {a.get("href") for a in features.iter("a")}
    assert "/blog/front-matter/#the-keys" in hrefs
    assert "/about/" in hrefs
    # The fragment names a real heading on the target page.
    assert any(e.get("id") == "the-keys" for e in parse(out, "/blog/front-matter/").iter())
    about = {a.get("href") for a in parse(out, "/about/").iter("a")}
    assert {url for url, _ in POSTS.values()} <= about
    for path in out.rglob("*"):
        if path.suffix in (".html", ".xml"):
            assert "sitegen-md:" not in path.read_text("utf-8"), path


def test_footnotes_have_unique_ids_and_back_links(out: Path) -> None:
    root = parse(out, "/blog/markdown-features/")
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids"
    ids_set = set(ids)

    notes = by_class(root, "li", "footnote-item")
    assert len(notes) == 3
    refs = [a for sup in by_class(root, "sup", "footnote-ref") for a in sup.iter("a")]
    for ref in refs:
        assert ref.get("href").lstrip("#") in ids_set
    backs = by_class(root, "a", "footnote-backref")
    for back in backs:
        assert back.get("href").lstrip("#") in ids_set
    # Every citation has its own back-link, and the note cited twice has two.
    assert sorted(b.get("href").lstrip("#") for b in backs) == sorted(r.get("id") for r in refs)
    assert max(len(by_class(n, "a", "footnote-backref")) for n in notes) == 2
    # One note cites another.
    assert any(by_class(n, "sup", "footnote-ref") for n in notes)
    assert all(i.startswith("fn-blog-markdown-features-") for i in (n.get("id") for n in notes))


def test_math_is_mathml(out: Path) -> None:
    html = page_file(out, "/blog/markdown-features/").read_text("utf-8")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in html
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in html
    assert "$5 and $10" in html  # prices are not math


def test_code_is_highlighted_unless_the_language_is_unknown(out: Path) -> None:
    root = parse(out, "/blog/markdown-features/")
    langs = {}
    for pre in root.iter("pre"):
        code = pre.find("code")
        if code is not None and code.get("class"):
            langs[code.get("class").removeprefix("language-")] = "highlight" in (pre.get("class") or "")
    assert {"python", "rust", "js", "sql", "diff"} <= {lang for lang, lit in langs.items() if lit}
    assert langs["railroad"] is False


def test_markdown_extras_render(out: Path) -> None:
    root = parse(out, "/blog/markdown-features/")
    table = next(root.iter("table"))
    assert [th.get("style") for th in table.iter("th")] == [
        "text-align:left", "text-align:center", "text-align:right"
    ]
    assert any("rebuild everything" in text_of(s) for s in root.iter("s"))
    boxes = [i for i in root.iter("input") if i.get("type") == "checkbox"]
    assert [b.get("checked") is not None for b in boxes] == [True, False]
    assert any(text_of(s) == "Why MathML and not a script?" for s in root.iter("summary"))
    (img,) = [i for i in root.iter("img") if i.get("src") == "/images/pipeline.svg"]
    assert img.get("loading") == "lazy"
    assert (out / "images" / "pipeline.svg").is_file()
    hrefs = {a.get("href") for a in root.iter("a")}
    assert {"http://www.example.com", "mailto:someone@example.org", "https://commonmark.org/help/"} <= hrefs


def test_front_matter_post_shows_its_own_keys(out: Path) -> None:
    hrefs = {a.get("href") for a in parse(out, "/blog/front-matter/").iter("a")}
    assert "https://bsky.app/profile/did:plc:sitegenexample/post/3kexample2" in hrefs
    assert "https://mastodon.example/@sitegen/113500000000000001" in hrefs


def test_tag_pages_exist(out: Path) -> None:
    terms = {a.get("href") for a in parse(out, "/tags/").iter("a")}
    for tag in ("docs", "markdown", "config", "templates", "internals", "getting-started", "content"):
        assert f"/tags/{tag}/" in terms
        assert (out / "tags" / tag / "atom.xml").is_file()
    docs = {a.get("href") for a in parse(out, "/tags/docs/").iter("a")}
    assert {url for url, _ in POSTS.values()} <= docs


@pytest.mark.parametrize("feed_path", ["atom.xml", "blog/atom.xml", "tags/docs/atom.xml"])
def test_feeds_parse_and_list_the_posts(out: Path, feed_path: str) -> None:
    feed = feedparser.parse((out / feed_path).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    entries = {e.link: e for e in feed.entries}
    for url, title in POSTS.values():
        entry = entries[BASE_URL + url]
        assert entry.title == title
        assert entry.content[0].value.strip()
    front = entries[BASE_URL + "/blog/front-matter/"]
    published = dt.datetime(*front.published_parsed[:6], tzinfo=dt.UTC)
    updated = dt.datetime(*front.updated_parsed[:6], tzinfo=dt.UTC)
    assert published == dt.datetime(2026, 11, 1, 23, 0, tzinfo=dt.UTC)  # midnight in Amsterdam
    assert updated == dt.datetime(2026, 11, 20, 13, 30, tzinfo=dt.UTC)


def test_second_build_does_nothing(tmp_path: Path) -> None:
    builder = Builder(REPO, tmp_path / "public", cache_dir=tmp_path / "cache")
    assert builder.build().written
    again = Builder(REPO, tmp_path / "public", cache_dir=tmp_path / "cache").build()
    assert again.rendered == [] and again.nothing


INFRA = {"infra/package.md": "/infra/package/", "infra/deploy.md": "/infra/deploy/",
         "infra/deploy-s3.md": "/infra/deploy-s3/", "infra/publish.md": "/infra/publish/"}


@pytest.mark.parametrize(("source", "url"), [*INFRA.items(), ("content/blog/runbooks.md", "/blog/runbooks/")])
def test_runbook_pages_show_when_each_step_last_ran_clean(out: Path, source: str, url: str) -> None:
    """infra/'s runbooks are pages of the docs, and every runbook page carries its step cards
    from the committed verification record (or says a step never ran)."""
    from sitegen import verification
    from sitegen.runbook.parse import load_runbook

    runbook = load_runbook(REPO / source)
    record_file = verification.record_path(REPO / source, REPO)
    record = verification.loads(record_file.read_text()) if record_file.exists() else {}
    states = verification.step_states([s.name for s in runbook.steps], [s.content_hash for s in runbook.steps],
                                      record)
    root = parse(out, url)
    figures = {f.get("data-step"): f for f in by_class(root, "figure", "step")}
    assert list(figures) == [s.name for s in runbook.steps]
    for state in states:
        figure = figures[state.name]
        assert figure.get("data-verified") == state.verified_at
        assert figure.get("data-drift") == ("true" if state.state == verification.DRIFT else "false")
        status = text_of(by_class(figure, "span", "step-status")[0])
        if state.state == verification.VERIFIED:
            assert status.startswith(f"verified {state.clean.date} on {state.clean.host}")
        else:
            assert status.startswith("changed since it last ran clean" if state.state == verification.DRIFT
                                     else "never r")
    header = by_class(root, "p", "runbook-status")
    assert [text_of(h) for h in header] == [verification.summarise(states).text]


def test_infra_runbooks_are_listed_in_the_docs(out: Path) -> None:
    index = parse(out, "/infra/")
    links = {a.get("href") for a in index.iter("a")}
    assert set(INFRA.values()) <= links
    home = parse(out, "/")
    assert "/infra/" in {a.get("href") for a in home.iter("a")}  # the menu
