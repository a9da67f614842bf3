"""Info strings are free text: what makes a step, other tools' highlighting forms, and no failures.

The page and the runbook planner must agree on which fences are steps, so each case is
checked through both.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.errors import ContentError, RunbookError
from sitegen.fence import parse_fence_info
from sitegen.markdown import Renderer
from sitegen.runbook.parse import parse_runbook

RENDERER = Renderer()


def render_fence(info: str, code: str = "a = 1\nb = 2\nc = 3\n") -> str:
    return RENDERER.render(f"```{info}\n{code}```\n", doc_id="d", read_include=lambda p: "x\n").html


def runbook_steps(info: str) -> list[str]:
    return [s.name for s in parse_runbook(f"# T\n\n```{info}\necho hi\n```\n").steps]


@pytest.mark.parametrize(
    "info",
    [
        "js {1,4-6} showLineNumbers",
        "text {it's}",
        "rust {1,3}",
        "{python}",
        'go {linenos=table,hl_lines=[2,"4-5"],linenostart=199}',
        "rust,linenos,hl_lines=1 3-5",
        "{.haskell .numberLines}",
        "sh {on=web}",
        "sh {confirm}",
        "sh {name}",
        'sh {"background": true}',
        '{r setup, echo=FALSE}',
        "python {",
        "python }",
        "sh {name=}",
    ],
)
def test_attribute_sets_not_meant_for_a_step_are_code_blocks(info: str) -> None:
    html = render_fence(info)
    assert "<figure" not in html and "<pre" in html
    assert RENDERER.render(f"```{info}\nx\n```\n", doc_id="d").steps == ()
    assert runbook_steps(info) == []


@pytest.mark.parametrize(
    ("info", "name"),
    [
        ("sh {#build}", "build"),
        ("sh {name=build on=local}", "build"),
        ('sh {"name": "build"}', "build"),
        ('sh { "name": "build", "confirm": true }', "build"),
        ("sh {.wide #build confirm}", "build"),
        ('python {#build unless="test -f x"}', "build"),
    ],
)
def test_an_id_or_a_name_makes_a_step_on_the_page_and_in_the_runbook(info: str, name: str) -> None:
    out = RENDERER.render(f"```{info}\nx\n```\n", doc_id="d")
    assert out.steps == (name,)
    assert f'data-step="{name}"' in out.html
    assert runbook_steps(info) == [name]


def test_a_step_with_an_unclosed_quote_renders_but_does_not_run() -> None:
    info = 'sh {#build unless="test -f x}'
    assert RENDERER.render(f"```{info}\nx\n```\n", doc_id="d").steps == ("build",)
    with pytest.raises(Exception, match="No closing quotation"):
        parse_runbook(f"# T\n\n```{info}\necho hi\n```\n")


@pytest.mark.parametrize(
    ("info", "lang", "highlighted", "numbered", "start"),
    [
        ("js {1,4-6} showLineNumbers", "js", [1, 4, 5, 6], True, 1),
        ("rust {1,3}", "rust", [1, 3], False, 1),
        ('go {linenos=table,hl_lines=[2,"4-5"],linenostart=199}', "go", [2, 4, 5], True, 199),
        ('go {hl_lines="2-3 5"}', "go", [2, 3, 5], False, 1),
        ("rust,linenos,hl_lines=1 3-5", "rust", [1, 3, 4, 5], True, 1),
        ("rust,linenos,linenostart=20", "rust", [], True, 20),
        ("{.haskell .numberLines startFrom=100}", "haskell", [], True, 100),
        ("ts showLineNumbers{7}", "ts", [], True, 7),
        ("{python}", "python", [], False, 1),
        ("text {it's}", "text", [], False, 1),
    ],
)
def test_other_tools_line_options(info: str, lang: str, highlighted: list[int], numbered: bool, start: int) -> None:
    parsed = parse_fence_info(info)
    assert (parsed.lang, parsed.linenos, parsed.linenostart) == (lang, numbered, start)
    assert [n for n in range(1, 8) if parsed.highlights(n)] == highlighted


def test_highlighted_and_numbered_lines_in_html() -> None:
    html = render_fence('python {linenos=table,hl_lines=[2],linenostart=9}')
    assert '<code class="language-python">' in html
    lines = html.split("<code", 1)[1].split("</code>")[0].split("\n")
    assert 'data-ln="9"' in lines[0] and "hll" not in lines[0]
    assert 'data-ln="10"' in lines[1] and 'class="hll"' in lines[1]
    assert 'data-ln="11"' in lines[2]
    # Unknown languages get the same decorations, on escaped text.
    plain = render_fence("nosuchlang {2}", "<a>\n<b>\n")
    assert '<span class="hll">&lt;b&gt;\n</span>' in plain


def test_quarto_and_pandoc_forms_highlight_as_their_language() -> None:
    assert '<pre class="highlight" tabindex="0"><code class="language-python">' in render_fence("{python}")
    pandoc = render_fence("{.python .wide}")
    assert '<pre class="highlight python wide" tabindex="0"><code class="language-python">' in pandoc


@pytest.mark.parametrize(
    ("markdown", "code_tag"),
    [
        # CommonMark examples 24 and 34: info strings are backslash- and entity-unescaped.
        ("``` foo\\+bar\nfoo\n```\n", '<code class="language-foo+bar">'),
        ("``` f&ouml;&ouml;\nfoo\n```\n", '<code class="language-föö">'),
    ],
)
def test_commonmark_unescapes_info_strings(markdown: str, code_tag: str) -> None:
    assert code_tag in RENDERER.render(markdown, doc_id="d").html


INFO_PIECES = st.sampled_from(
    ["sh", "python", "{", "}", "#", "#a", ".", ".c", "name=", "name=x", "=", '"', "'", ",", " ",
     "[", "]", "1", "-", "3-5", "hl_lines=", "linenos", "linenostart=", "showLineNumbers", "{1",
     '"name"', ":", "\\", "&amp;", "&#0;", "include=", "99999999999999999999"]
)
INFO = st.lists(st.one_of(INFO_PIECES, st.text(max_size=5)), max_size=16).map("".join)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(INFO)
def test_no_info_string_fails_a_build(info: str) -> None:
    info = info.replace("\n", " ").replace("\r", " ").replace("`", "'")
    out = RENDERER.render(f"```{info}\nline\n```\n", doc_id="d", read_include=lambda p: "x\n")
    assert "line" in out.html or "x\n" in out.html
    # The planner sees a step exactly where the page shows one (or refuses it, naming why).
    try:
        planned = runbook_steps(info)
    except RunbookError as exc:  # a malformed step is refused, saying why
        assert out.steps and str(exc)
    else:
        assert tuple(planned) == out.steps


def test_duplicate_step_names_still_stop_the_build() -> None:
    with pytest.raises(ContentError, match="twice"):
        RENDERER.render("```sh {#a}\n```\n\n```sh {name=a}\n```\n", doc_id="d")
