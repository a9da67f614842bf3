"""Heading id schemes (sitegen, GitHub, Hugo, Zola), `{#custom-id}`, and `<!-- more -->` summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.errors import ConfigError
from sitegen.markdown import Renderer

SCHEME_CASES = [
    # (heading, sitegen, github, hugo, zola)
    ("What's next?", "whats-next", "whats-next", "whats-next", "what-s-next"),
    ("Über C++ & Rust 2.0", "über-c--rust-20", "über-c--rust-20", "über-c--rust-20", "uber-c-rust-2-0"),
    ("snake_case and spaces", "snake_case-and-spaces", "snake_case-and-spaces",
     "snake_case-and-spaces", "snake-case-and-spaces"),
    ("Straße -- Ærø", "straße----ærø", "straße----ærø", "straße----ærø", "strasse-aero"),
    ("!!!", "section", "section", "heading", "section"),
]


@pytest.mark.parametrize("case", SCHEME_CASES, ids=[c[0] for c in SCHEME_CASES])
@pytest.mark.parametrize(("scheme", "column"), [("sitegen", 1), ("github", 2), ("hugo", 3), ("zola", 4)])
def test_heading_id_schemes(case: tuple[str, ...], scheme: str, column: int) -> None:
    out = Renderer(heading_ids=scheme).render(f"## {case[0]}\n", doc_id="d")
    assert out.toc[0].id == case[column]


@pytest.mark.parametrize("scheme", ["sitegen", "github", "hugo", "zola"])
def test_repeated_headings_count_from_one(scheme: str) -> None:
    out = Renderer(heading_ids=scheme).render("## Setup\n\n## Setup\n\n## Setup\n", doc_id="d")
    assert [h.id for h in out.toc] == ["setup", "setup-1", "setup-2"]


def test_custom_id_sets_the_id_and_leaves_the_text() -> None:
    out = Renderer().render("## Intro\n\n## Title `code` {#custom-id}\n\n## Other {#intro .wide}\n", doc_id="d")
    assert [(h.id, h.text) for h in out.toc] == [("intro-1", "Intro"), ("custom-id", "Title code"),
                                                  ("intro", "Other")]
    assert '<h2 id="custom-id"><a class="anchor" href="#custom-id"' in out.html
    assert "{#" not in out.html


def test_braces_that_are_not_an_id_stay_in_the_heading() -> None:
    out = Renderer().render("## Sets {1, 2}\n\n## Rust {.class}\n", doc_id="d")
    assert [h.text for h in out.toc] == ["Sets {1, 2}", "Rust {.class}"]


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="heading id scheme"):
        Renderer(heading_ids="kramdown")


MORE = "First *one*.\n\nSecond.\n\n<!-- more -->\n\nThird, after the fold.\n"


@pytest.mark.parametrize("marker", ["<!-- more -->", "<!--more-->", "<!--   more   -->"])
def test_more_ends_the_summary(marker: str) -> None:
    out = Renderer().render(MORE.replace("<!-- more -->", marker), doc_id="d")
    assert out.summary == "First one. Second."
    assert out.summary_marked
    assert '<span id="continue-reading"></span>' in out.html and "more -->" not in out.html
    assert "Third, after the fold." in out.html


def test_without_a_marker_the_summary_is_the_first_paragraph() -> None:
    out = Renderer().render("First.\n\nSecond.\n", doc_id="d")
    assert (out.summary, out.summary_marked) == ("First.", False)


def test_a_configured_separator_in_words() -> None:
    out = Renderer(summary_separator="[[more]]").render("Lead.\n\n[[more]]\n\nBody.\n", doc_id="d")
    assert (out.summary, out.summary_marked) == ("Lead.", True)
    assert "[[more]]" not in out.html and "<p>Body.</p>" in out.html


def test_settings_are_checked(tmp_path: Path) -> None:
    from sitegen.config import config_from_dict

    base = {"title": "T", "base_url": "https://example.org"}
    config = config_from_dict({**base, "markdown": {"heading_ids": "zola", "summary_separator": "<!--cut-->"}},
                              tmp_path, tmp_path / "sitegen.toml")
    assert (config.heading_ids, config.summary_separator) == ("zola", "<!--cut-->")
    with pytest.raises(ConfigError, match="heading_ids must be one of sitegen, github, hugo, zola"):
        config_from_dict({**base, "markdown": {"heading_ids": "kramdown"}}, tmp_path, tmp_path / "sitegen.toml")
