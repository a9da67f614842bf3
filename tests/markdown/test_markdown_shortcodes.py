"""Hugo and Zola shortcodes: built-ins expand, unknown ones stay visible and are listed, code is never touched."""

from __future__ import annotations

import pytest

from sitegen.markdown import Renderer

RENDERER = Renderer()


def render(text: str, **kwargs: object):
    return RENDERER.render(text, doc_id="d", **kwargs)  # type: ignore[arg-type]


def test_ref_and_relref_and_zola_at_links_are_page_links() -> None:
    out = render('[a]({{< ref "other.md#x" >}}) [b]({{< relref "/blog/y" >}})\n[c](@/pages/about.md#top)\n',
                 line_offset=3)
    assert out.md_links == ("other.md#x", "@/blog/y", "@/pages/about.md#top")
    assert out.md_link_lines == (4, 4, 5)
    assert 'href="sitegen-md:other.md#x"' in out.html


def test_figure_youtube_highlight() -> None:
    text = ('{{< figure src="cat.png" alt="A cat" caption="Asleep" link="https://e.x/" >}}\n\n'
            "{{< youtube dQw4w9WgXcQ >}} and {{ youtube(id=\"abc\") }}\n\n"
            '{{< highlight go "linenos=table,hl_lines=2" >}}\npackage main\nfunc main() {}\n{{< /highlight >}}\n')
    out = render(text)
    assert ('<figure><a href="https://e.x/"><img src="cat.png" alt="A cat" loading="lazy"></a>'
            "<figcaption>Asleep</figcaption></figure>") in out.html
    # A plain link: the page itself asks nothing of YouTube.
    assert '<a class="video-link" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">' in out.html
    assert 'href="https://www.youtube.com/watch?v=abc"' in out.html
    assert "<iframe" not in out.html and "ytimg" not in out.html
    assert '<code class="language-go">' in out.html and 'data-ln="2"' in out.html and 'class="hll"' in out.html
    assert out.unknown_shortcodes == ()


def test_unknown_shortcodes_stay_visible_and_are_listed_with_lines() -> None:
    text = "Intro.\n\n{{< gist user 1 >}}\n\n{{% notice tip %}}Careful{{% /notice %}}\n\n{% note() %}\nx\n{% end %}\n"
    out = render(text, line_offset=2)
    assert "{{&lt; gist user 1 &gt;}}" in out.html and "{{% notice tip %}}Careful{{% /notice %}}" in out.html
    assert "{% note() %}" in out.html
    assert out.unknown_shortcodes == (("{{< gist >}}", 5), ("{{% notice %}}", 7), ("{% note() %}…{% end %}", 9))


@pytest.mark.parametrize(
    "text",
    [
        "```\n{{< youtube abc >}}\n{{< ref \"x.md\" >}}\n```\n",
        "    {{< youtube abc >}}\n",
        "Use `{{< youtube abc >}}` in a post.\n",
        "~~~md\n{{< highlight go >}}\nx\n{{< /highlight >}}\n~~~\n",
    ],
)
def test_shortcodes_in_code_are_text(text: str) -> None:
    out = render(text)
    assert "{{&lt; " in out.html and "video-link" not in out.html and "sitegen-ref" not in out.html
    assert out.unknown_shortcodes == () and out.md_links == ()


def test_hugo_literal_form_shows_the_shortcode() -> None:
    out = render('Write {{</* ref "post.md" */>}} for a link.\n')
    assert "Write {{&lt; ref &quot;post.md&quot; &gt;}} for a link." in out.html
    assert out.md_links == ()


def test_lines_after_a_shortcode_keep_their_numbers() -> None:
    text = '{{< highlight sh >}}\nls\n{{< /highlight >}}\n\n```sh {#a}\nx\n```\n\n```sh {#a}\ny\n```\n'
    with pytest.raises(Exception, match=":9:") as err:
        render(text, source="p.md")
    assert "twice" in str(err.value)


def test_literal_form_in_a_code_span_shows_the_shortcode() -> None:
    out = render('Write `{{</* ref "post.md" */>}}`.\n')
    assert "<code>{{&lt; ref &quot;post.md&quot; &gt;}}</code>" in out.html


EMBED = Renderer(youtube="embed")


def test_youtube_embed_is_a_click_to_load_facade() -> None:
    out = EMBED.render('{{< youtube id="dQw4w9WgXcQ" title="Our talk & demo" >}}\n\n{{ youtube(id="abc-_DEF123") }}\n',
                       doc_id="d")
    first, second = out.html.split("</figure>")[:2]
    # The frame's own document is in the page (srcdoc): nothing is fetched until the reader clicks.
    assert '<iframe class="video-embed" title="YouTube video: Our talk &amp; demo"' in first
    assert 'srcdoc="' in first and " src=" not in first and "<script" not in out.html and "ytimg" not in out.html
    assert "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1" in first
    assert "aspect-ratio:16/9" in first and 'width="560" height="315"' in first
    # The plain link stays, for readers whose feed reader drops the frame.
    assert '<a class="video-link" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">' in first
    assert "https://www.youtube-nocookie.com/embed/abc-_DEF123?autoplay=1" in second
    assert 'title="YouTube video"' in second


@pytest.mark.parametrize("text", ["Watch {{< youtube dQw4w9WgXcQ >}} first.\n", '{{< youtube "x\\" onload=y" >}}\n'])
def test_youtube_embed_only_for_a_video_alone_on_its_line_with_a_real_id(text: str) -> None:
    out = EMBED.render(text, doc_id="d")
    assert "<iframe" not in out.html and 'class="video-link"' in out.html
    assert '" onload' not in out.html


def test_youtube_link_is_the_default() -> None:
    assert "<iframe" not in RENDERER.render("{{< youtube dQw4w9WgXcQ >}}\n", doc_id="d").html
    with pytest.raises(ValueError):
        Renderer(youtube="autoplay")
