"""What `Renderer.render` returns besides the HTML, and how it fails."""

from __future__ import annotations

import pytest
from md_html_checks import duplicate_ids, ids_of

from sitegen.errors import ConfigError, ContentError, SitegenError
from sitegen.markdown import (
    IMG_TAG_RE,
    RENDERER_VERSION,
    Heading,
    Rendered,
    Renderer,
    highlight_css,
    md_link_placeholder,
)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def render(renderer: Renderer, text: str, **kwargs: object) -> Rendered:
    kwargs.setdefault("doc_id", "doc")
    return renderer.render(text, **kwargs)  # type: ignore[arg-type]


# --- footnotes ----------------------------------------------------------------------------

FOOTNOTED = "Once[^a], twice[^a], and a chain[^b].\n\n[^a]: First.\n[^b]: Points at [^c].\n[^c]: Last.\n"


def test_footnote_cited_twice_gets_two_back_links(renderer: Renderer) -> None:
    html = render(renderer, FOOTNOTED, doc_id="p").html
    assert html.count('href="#fn-p-1"') == 2
    assert 'href="#fnref-p-1"' in html and 'href="#fnref-p-1:2"' in html
    assert 'id="fnref-p-1"' in html and 'id="fnref-p-1:2"' in html


def test_footnote_cited_from_a_footnote_is_listed(renderer: Renderer) -> None:
    html = render(renderer, FOOTNOTED, doc_id="p").html
    assert '<li id="fn-p-3" class="footnote-item"><p>Last.' in html
    assert ('<section class="footnotes" aria-labelledby="footnotes-p">\n'
            '<h2 class="footnotes-title" id="footnotes-p">Notes</h2>') in html


def test_two_documents_on_one_page_share_no_ids(renderer: Renderer) -> None:
    first = render(renderer, FOOTNOTED, doc_id="first").html
    page = first + render(renderer, FOOTNOTED, doc_id="second").html
    assert len(ids_of(page)) == 2 * len(ids_of(first))
    assert duplicate_ids(page) == []


def test_unsafe_doc_id_cannot_break_attributes(renderer: Renderer) -> None:
    html = render(renderer, FOOTNOTED, doc_id='a "b" <c>').html
    assert '"b"' not in html and "<c>" not in html
    assert duplicate_ids(html) == []


# --- headings -----------------------------------------------------------------------------


def test_toc_lists_headings_with_unique_ids(renderer: Renderer) -> None:
    out = render(renderer, "# Intro\n\n## Intro\n\n### The `x` *value*\n\n#### Über\n")
    assert out.toc == (
        Heading(1, "intro", "Intro"),
        Heading(2, "intro-1", "Intro"),
        Heading(3, "the-x-value", "The x value"),
        Heading(4, "über", "Über"),
    )


def test_generated_ids_never_collide_with_literal_ones(renderer: Renderer) -> None:
    out = render(renderer, "# a\n# a-1\n# a\n# a\n# a-1\n")
    assert [h.id for h in out.toc] == ["a", "a-1", "a-2", "a-3", "a-1-1"]


def test_heading_has_a_permalink_and_no_prefix(renderer: Renderer) -> None:
    html = render(renderer, "## Set up\n", doc_id="post").html
    assert html.startswith(
        '<h2 id="set-up"><a class="anchor" href="#set-up" aria-label="Permalink: Set up">#</a>Set up</h2>'
    )


# --- summary ------------------------------------------------------------------------------


def test_summary_is_the_first_top_level_paragraph_as_plain_text(renderer: Renderer) -> None:
    text = (
        "# Title\n\n<div>raw</div>\n\n```\ncode\n```\n\n> quoted words\n\n"
        "![only a picture](x.png)\n\n"
        "The *first*   real\nparagraph with `code`, a [link](https://example.com) and a note[^n].\n\n"
        "Second paragraph.\n\n[^n]: Note.\n"
    )
    summary = render(renderer, text).summary
    assert summary == "The first real paragraph with code, a link and a note."


def test_summary_is_not_shortened(renderer: Renderer) -> None:
    words = " ".join(["word"] * 500)
    assert render(renderer, words).summary == words


def test_summary_is_empty_without_paragraphs(renderer: Renderer) -> None:
    assert render(renderer, "# Only a heading\n\n- a list\n").summary == ""


# --- links --------------------------------------------------------------------------------


def test_links_in_document_order_including_raw_html(renderer: Renderer) -> None:
    text = (
        "[a](https://a.example/) ![b](b.png) <a href=\"/c/\">c</a> https://d.example/ "
        "[e](e.md#x)[^n]\n\n<img src='f.jpg' alt=f>\n\n[^n]: [g](https://g.example/)\n"
    )
    out = render(renderer, text)
    assert out.links == (
        "https://a.example/",
        "b.png",
        "/c/",
        "https://d.example/",
        "sitegen-md:e.md#x",
        "f.jpg",
        "https://g.example/",
    )
    assert out.md_links == ("e.md#x",)


def test_md_links_become_placeholders(renderer: Renderer) -> None:
    out = render(renderer, "[x](../other-post.md#frag) [y](other.md) [z](https://site.md/) [w](/a.md)")
    assert out.md_links == ("../other-post.md#frag", "other.md")
    for target in out.md_links:
        assert f'href="{md_link_placeholder(target)}"' in out.html
    assert 'href="https://site.md/"' in out.html and 'href="/a.md"' in out.html


def test_engine_substitution_is_a_plain_replace(renderer: Renderer) -> None:
    out = render(renderer, "[x](a.md?p=1&q=2)")
    html = out.html.replace(md_link_placeholder(out.md_links[0]), "/a/?p=1&amp;q=2")
    assert '<a href="/a/?p=1&amp;q=2">x</a>' in html


def test_images_are_lazy_with_a_placeholder_src_the_build_resolves(renderer: Renderer) -> None:
    out = render(renderer, '![alt text](p.png "Title") [![in a link](q%20r.png)](https://x.example/)')
    assert '<img src="sitegen-img:p.png" alt="alt text" title="Title" loading="lazy" decoding="async">' in out.html
    assert '<a href="https://x.example/"><img src="sitegen-img-in-link:q%20r.png" alt="in a link"' in out.html
    assert out.images == ("p.png", "q%20r.png")
    assert [m.groups()[:2] for m in IMG_TAG_RE.finditer(out.html)] == [(None, "p.png"), ("-in-link", "q%20r.png")]
    assert "p.png" in out.links  # the link checker still sees the image as written


def test_external_links_are_left_alone(renderer: Renderer) -> None:
    html = render(renderer, "[x](https://example.com/)").html
    assert html == '<p><a href="https://example.com/">x</a></p>\n'


def test_file_names_are_not_autolinked(renderer: Renderer) -> None:
    out = render(renderer, "Edit README.md and main.py, see www.example.com.")
    assert out.links == ("http://www.example.com",)


# --- math ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["It cost $5 and $10.", "From $5-$10.", "$20/$30 a month", "a \\$x\\$ b", "$ x $", "US$5, or $5."],
)
def test_prices_are_not_math(renderer: Renderer, text: str) -> None:
    out = render(renderer, text)
    assert not out.has_math
    assert "<math" not in out.html


def test_math_becomes_mathml(renderer: Renderer) -> None:
    out = render(renderer, "Let $x^2$ be.\n\n$$\n\\frac{a}{b}\n$$\n")
    assert out.has_math
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in out.html
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in out.html


def test_broken_tex_falls_back_to_escaped_source(renderer: Renderer) -> None:
    out = render(renderer, "$\\frac{<b>}{$")
    assert '<code class="math">\\frac{&lt;b&gt;}{</code>' in out.html
    assert out.has_math


# --- code and steps -----------------------------------------------------------------------


def test_steps_are_named_in_order(renderer: Renderer) -> None:
    text = "```sh {name=one}\na\n```\n\n```python\nx\n```\n\n```sh {#two on=web}\nb\n```\n"
    assert render(renderer, text).steps == ("one", "two")


def test_braces_without_a_name_are_not_a_step(renderer: Renderer) -> None:
    # Before, `{on=web}` was an unnamed "step-1" figure; only `#id`/`name=` make a step now.
    text = "```sh {on=web}\na\n```\n\n```sh {#x}\nb\n```\n\n```sh {name=\"\" confirm}\nc\n```\n"
    out = render(renderer, text)
    assert out.steps == ("x",)
    assert out.html.count("<figure") == 1


def test_braces_with_only_classes_are_not_a_step(renderer: Renderer) -> None:
    out = render(renderer, "```python {.wide .numbered}\nx = 1\n```\n\n```nosuch {.wide}\ny\n```\n")
    assert out.steps == ()
    assert '<pre class="highlight wide numbered" tabindex="0"><code class="language-python">' in out.html
    assert '<pre class="wide" tabindex="0"><code class="language-nosuch">y' in out.html


def test_include_shows_the_included_code(renderer: Renderer) -> None:
    seen: list[str] = []

    def read(path: str) -> str:
        seen.append(path)
        return "echo included"

    out = render(renderer, "```sh {name=s include=bin/run.sh}\nplaceholder\n```\n", read_include=read)
    assert seen == ["bin/run.sh"]
    assert "included" in out.html and "placeholder" not in out.html
    # A missing final newline in the file renders like a fence's own last line.
    assert "included\n</code></pre>" in out.html


def _error(renderer: Renderer, text: str, **kwargs: object) -> ContentError:
    with pytest.raises(ContentError) as info:
        render(renderer, text, **kwargs)
    return info.value


def test_duplicate_step_names_name_source_and_line(renderer: Renderer) -> None:
    text = "Intro.\n\n```sh {name=x}\nls\n```\n\n```sh {#x}\nls\n```\n"
    err = _error(renderer, text, source="post.md", line_offset=4)
    assert (err.path, err.line) == ("post.md", 11)
    assert "post.md:11" in str(err) and "twice" in err.message


@pytest.mark.parametrize(
    "text",
    [
        "```sh {name}\nls\n```\n",
        "```sh {name=a\nls\n```\n",
        '```sh {"name": }\nls\n```\n',
        "```sh {name=a include}\nls\n```\n",
    ],
)
def test_malformed_step_attributes_still_render(renderer: Renderer, text: str) -> None:
    # An info string never stops a build; `sitegen check` and `sitegen run` report the step.
    assert "ls\n</code></pre>" in render(renderer, text).html


def test_include_without_reader_is_an_error(renderer: Renderer) -> None:
    err = _error(renderer, "\n```sh {name=a include=x.sh}\n```\n", source="r.md")
    assert (err.path, err.line) == ("r.md", 2)


@pytest.mark.parametrize("exc", [SitegenError("outside the site root"), FileNotFoundError(2, "No such file")])
def test_include_reader_failure_becomes_content_error(renderer: Renderer, exc: Exception) -> None:
    def read(path: str) -> str:
        raise exc

    err = _error(renderer, "```sh {name=a include=x.sh}\n```\n", source="r.md", read_include=read)
    assert (err.path, err.line) == ("r.md", 1)
    assert "x.sh" in err.message
    assert err.__cause__ is exc


def test_unknown_language_is_escaped_plain_code(renderer: Renderer) -> None:
    html = render(renderer, "```nosuchlang\n<b>\n```\n").html
    assert html == '<pre tabindex="0"><code class="language-nosuchlang">&lt;b&gt;\n</code></pre>\n'


def test_known_language_is_highlighted_without_nested_pre(renderer: Renderer) -> None:
    html = render(renderer, "```rust\nfn main() {}\n```\n").html
    assert html.startswith('<pre class="highlight" tabindex="0"><code class="language-rust"><span class="k">fn</span>')
    assert html.count("<pre") == 1


# --- the renderer as a whole -------------------------------------------------------------


def test_renderer_keeps_no_state_between_documents(renderer: Renderer) -> None:
    text = "# A\n\nx[^n] $y$\n\n```sh {name=s}\n```\n\n[^n]: n\n"
    first = render(renderer, text)
    render(renderer, "# A\n\n[^m]\n\n[^m]: other")
    assert render(renderer, text) == first


def test_highlight_css_is_scoped_and_has_a_dark_variant() -> None:
    css = highlight_css()
    light, _, dark = css.partition("@media (prefers-color-scheme: dark){")
    # Every rule under .highlight (keywords share one rule with their kinds), in both schemes.
    assert ".highlight :is(.k," in light and "html:not([data-theme=light]) .highlight :is(.k," in dark
    assert all(line.startswith((".highlight", "html", "@media")) or line == "}" for line in css.splitlines())
    assert "\npre {" not in css and not css.startswith("pre")


def test_unknown_highlight_style_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no-such-style"):
        highlight_css(dark="no-such-style")


def test_version_is_a_string() -> None:
    assert isinstance(RENDERER_VERSION, str) and RENDERER_VERSION
