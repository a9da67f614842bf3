"""Golden files: each fixtures/<name>.md renders to fixtures/<name>.html.

Run with SITEGEN_UPDATE_GOLDEN=1 to rewrite the .html files, then review the diff by eye.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from md_html_checks import duplicate_ids, has_nested_pre, html5_errors

from sitegen.errors import ContentError
from sitegen.markdown import Renderer

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.stem for p in FIXTURES.glob("*.md"))
UPDATE = os.environ.get("SITEGEN_UPDATE_GOLDEN") == "1"

# What `include=` fences in the fixtures may read.
INCLUDES = {"scripts/migrate.sh": "#!/bin/sh\nset -eu\necho 'migrating' >&2\n"}


def read_include(path: str) -> str:
    try:
        return INCLUDES[path]
    except KeyError:
        raise ContentError(f"no such file {path!r}") from None


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def render_fixture(renderer: Renderer, name: str) -> str:
    text = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    return renderer.render(text, doc_id=name, source=f"{name}.md", read_include=read_include).html


@pytest.mark.parametrize("name", CASES)
def test_golden(renderer: Renderer, name: str) -> None:
    html = render_fixture(renderer, name)
    expected_path = FIXTURES / f"{name}.html"
    if UPDATE:
        expected_path.write_text(html, encoding="utf-8")
    assert html == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CASES)
def test_fixture_is_valid_html5(renderer: Renderer, name: str) -> None:
    html = render_fixture(renderer, name)
    assert html5_errors(html) == []
    assert not has_nested_pre(html)
    assert duplicate_ids(html) == []


def test_every_fixture_has_a_golden_file() -> None:
    assert CASES
    for name in CASES:
        assert (FIXTURES / f"{name}.html").exists(), f"run SITEGEN_UPDATE_GOLDEN=1 to create {name}.html"
