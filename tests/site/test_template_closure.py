"""A template's closure (what it extends, includes, imports) comes from the parse that compiled
it: the same names as parsing the files again, and each template parsed once per process."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from sitegen.config import load_config
from sitegen.errors import TemplateError
from sitegen.templates import Templates

BASE_CONFIG = 'title = "T"\nbase_url = "https://example.org"\n'


def _site(root: Path) -> Templates:
    (root / "sitegen.toml").write_text(BASE_CONFIG, "utf-8")
    (root / "content").mkdir()
    t = root / "templates"
    (t / "partials").mkdir(parents=True)
    (t / "page.html").write_text(
        '{% extends "frame.html" %}{% import "partials/macros.html" as m %}'
        "{% block body %}{{ m.shout(x) }}{% include name %}{% endblock %}", "utf-8")
    (t / "frame.html").write_text('<main>{% block body %}{% endblock %}{% include "partials/foot.html" %}</main>',
                                  "utf-8")
    (t / "partials" / "macros.html").write_text("{% macro shout(v) %}{{ v | upper }}{% endmacro %}", "utf-8")
    (t / "partials" / "foot.html").write_text("<footer>f</footer>", "utf-8")
    (t / "other.html").write_text("other", "utf-8")
    return Templates(load_config(root), None)


def test_closure_lists_every_template_a_page_reads(tmp_path: Path) -> None:
    templates = _site(tmp_path)
    assert templates.render("page.html", {"x": "hi", "name": "other.html"}, "/") == (
        "<main>HIother<footer>f</footer></main>"
    )
    assert templates.closure("page.html") == frozenset(
        {"page.html", "frame.html", "partials/macros.html", "partials/foot.html", "*"}
    )


def test_closure_without_rendering_parses_the_files(tmp_path: Path) -> None:
    templates = _site(tmp_path)
    assert templates.closure("frame.html") == frozenset({"frame.html", "partials/foot.html"})


def test_each_template_is_parsed_once(tmp_path: Path, monkeypatch) -> None:
    parsed: list[str] = []
    original = jinja2.Environment._parse

    def counting(self, source, name, filename):
        parsed.append(name)
        return original(self, source, name, filename)

    monkeypatch.setattr(jinja2.Environment, "_parse", counting)
    templates = _site(tmp_path)
    templates.render("page.html", {"x": "a", "name": "other.html"}, "/")
    templates.closure("page.html")
    templates.closure("frame.html")
    assert sorted(parsed) == sorted(
        ["page.html", "frame.html", "partials/macros.html", "partials/foot.html", "other.html"]
    )


def test_prepare_compiles_what_pages_will_use_and_leaves_errors_to_rendering(tmp_path: Path) -> None:
    templates = _site(tmp_path)
    (tmp_path / "templates" / "broken.html").write_text("{% if %}", "utf-8")
    templates.prepare({"page.html", "broken.html", "missing.html"})
    assert set(templates.env.references) == {"page.html", "frame.html", "partials/macros.html",
                                             "partials/foot.html"}
    compiled = {t.name for t in templates.env.cache.values()}
    assert compiled == {"page.html", "frame.html", "partials/macros.html", "partials/foot.html"}
    with pytest.raises(TemplateError, match="syntax error"):
        templates.render("broken.html", {}, "/b/")
