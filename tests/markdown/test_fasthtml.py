"""sitegen.markdown.fasthtml renders tokens itself, so it must write exactly markdown-it-py's HTML."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from md_compare import documents, scraps

from sitegen.errors import ContentError
from sitegen.frontmatter import split
from sitegen.markdown import Renderer
from sitegen.markdown.fasthtml import FastRendererHTML
from sitegen.markdown.renderer import _plain_text, make_parser

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpora" / "wolfgirl" / "content"
WORDS = ("Notes", "Note", "Back to reference")


def _renderers() -> tuple[Renderer, Renderer]:
    """Two document renderers that parse alike and differ only in the HTML renderer."""
    fast, stock = Renderer(), Renderer()
    stock._md = make_parser(stock._highlighter, WORDS, fast_html=False)
    assert type(fast._md.renderer) is FastRendererHTML
    assert type(stock._md.renderer) is RendererHTML
    return fast, stock


FAST, STOCK = _renderers()


def _outcome(renderer: Renderer, text: str) -> object:
    """The rendered page, or the error it gives (a step name used twice)."""
    try:
        return renderer.render(text, doc_id="d", read_include=str)
    except ContentError as exc:
        return str(exc)


def _same_page(text: str) -> None:
    assert _outcome(FAST, text) == _outcome(STOCK, text)


# Every kind of token: hidden paragraphs of tight lists before nested blocks, task items, tables
# with aligned cells (attributes), footnotes, math, raw HTML, images in links, hard breaks.
LINES = st.sampled_from(
    [
        "", "para text", "    indented code", "# head", "## head {#custom}", "Title", "===", "---",
        "- item", "* item", "1. one", "2) two", "- [ ] todo", "- [x] done", "> quote", ">> nested",
        "  > quote in item", "  - nested item", "```", "```py", "```sh {name=x}", "~~~", "$$", "$$ x^2 $$",
        "[ref]: /url 'ti\"tle'", "[^1]: note", "[^1]", "[^1] and [^1]", "<div>", "</div>", "<!-- more -->",
        "| a | b |", "|---|:-:|", "| `c|d` | **e** |", "***", "a  ", "a\\", "<br/> &amp; &copy; \"q\" 'a' <x>",
        "*em* **strong** _u_ ~~del~~ `code --yes` $x$ $$y$$ \\* &#35; <span>hi</span> ![i \"t\"](p.png)",
        "[a](b.md#c \"t&t\") [![i](p.png)](u) <https://a.b/?q=1&r=2> www.example.com me@ex.org",
    ]
)
DOCS = documents(LINES)
SCRAPS = scraps(LINES, ["\n", " ", "  ", "[", "]", "(", ")", "<", ">", "!", "`", "*", "&", '"'])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
def test_line_mixes_render_the_same(text: str) -> None:
    _same_page(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCRAPS)
def test_scraps_render_the_same(text: str) -> None:
    _same_page(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS, st.booleans(), st.booleans())
def test_xhtml_and_breaks_options_render_the_same(text: str, xhtml: bool, breaks: bool) -> None:
    """Options sitegen does not set, read as markdown-it-py reads them."""
    options = {"html": True, "xhtmlOut": xhtml, "breaks": breaks}
    fast = MarkdownIt("commonmark", options, renderer_cls=FastRendererHTML).enable(["table", "strikethrough"])
    stock = MarkdownIt("commonmark", options).enable(["table", "strikethrough"])
    assert fast.render(text) == stock.render(text)


def _stock_inline(text: str, links: bool) -> tuple[str, str]:
    """render_inline as markdown-it-py alone would do it: parse, stock renderer, plain words."""
    md = MarkdownIt("commonmark", {"html": False}).enable(["strikethrough"])
    if not links:
        md.disable(["link", "image", "autolink"])
    tokens = md.parseInline(text, {})
    children = tokens[0].children if tokens and tokens[0].children else []
    return md.renderer.render(tokens, md.options, {}), _plain_text(children)


TITLE = Renderer()
WORDY = st.text(st.sampled_from(list("aZé日 \t\u00a0\"'>#$%^(){}|=+-:;,.?/0123456789")), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(SCRAPS, WORDY, st.tuples(WORDY, st.sampled_from(list("\n\r\0\\`~*_[]!<&")), WORDY).map("".join)))
def test_titles_render_the_same(text: str) -> None:
    """Titles and descriptions: words alone skip the parser, anything else is parsed."""
    for links in (True, False):
        assert TITLE.render_inline(text, links=links) == _stock_inline(text, links)


def _pages() -> list[Path]:
    pages = sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "tests" / "markdown" / "fixtures").glob("*.md"))
    return pages


@pytest.mark.parametrize("path", _pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_example_page_and_fixture_renders_the_same(path: Path) -> None:
    _same_page(path.read_text("utf-8"))


def test_every_wolfgirl_post_renders_the_same() -> None:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the wolfgirl corpus is missing at {CORPUS}; CI must have it")
        pytest.skip(f"the wolfgirl corpus is not at {CORPUS}")
    posts = sorted(CORPUS.rglob("*.md"))
    assert posts
    for path in posts:
        text = path.read_text("utf-8")
        assert FAST.render(text, doc_id="d") == STOCK.render(text, doc_id="d"), path


def test_a_replaced_rule_is_still_called() -> None:
    """A plugin's own `text` or `softbreak` rule wins over the loop's shortcut, as it would in
    markdown-it-py; so does a rule for a token type that has none by default."""
    md = MarkdownIt("commonmark", renderer_cls=FastRendererHTML)
    md.add_render_rule("text", lambda self, tokens, idx, options, env: tokens[idx].content.upper())
    md.add_render_rule("softbreak", lambda self, tokens, idx, options, env: " / ")
    md.add_render_rule("em_open", lambda self, tokens, idx, options, env: "<i>")
    md.add_render_rule("html_block", lambda self, tokens, idx, options, env: "[block]")
    assert md.render("one *two*\nthree\n\n<div>\n") == "<p>ONE <i>TWO</em> / THREE</p>\n[block]"


def test_every_title_and_description_renders_the_same() -> None:
    """The example site's and (when present) the wolfgirl corpus's front matter."""
    paths = _pages() + (sorted(CORPUS.rglob("*.md")) if CORPUS.is_dir() else [])
    seen = 0
    for path in paths:
        try:
            meta = split(path.read_text("utf-8"), str(path), required=False).meta
        except ContentError:
            continue
        for key in ("title", "description"):
            if isinstance(meta.get(key), str):
                seen += 1
                for links in (True, False):
                    assert TITLE.render_inline(meta[key], links=links) == _stock_inline(meta[key], links), path
    assert seen > 30
