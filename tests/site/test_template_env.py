"""The Jinja environment's shortcuts (sitegen/template_env.py) return what Jinja's own lookups
return and record the same dependencies; a whole site builds to the same bytes and the same
dependency records with them as with Jinja's own code."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import jinja2
import jinja2.runtime
import markupsafe
import pytest
from jinja2.filters import do_urlencode
from markupsafe import Markup

from sitegen import template_env
from sitegen.build.builder import Builder
from sitegen.config import load_config
from sitegen.content import PageRecord
from sitegen.model import Site
from sitegen.templates import Templates
from sitegen.views import RECORDER, PageView, Resolver

REPO = Path(__file__).resolve().parents[2]


def _stock(env: jinja2.Environment, obj: Any, name: str) -> Any:
    return jinja2.Environment.getattr(env, obj, name)


def _same(fast: Any, stock: Any) -> bool:
    if isinstance(stock, jinja2.Undefined):
        return type(fast) is type(stock) and fast._undefined_name == stock._undefined_name and (
            fast._undefined_obj is stock._undefined_obj)
    return type(fast) is type(stock) and fast == stock


def _env() -> template_env.Environment:
    env = template_env.make_environment(undefined=jinja2.ChainableUndefined)
    assert type(env) is template_env.Environment
    return env


NAMES = ["title", "items", "get", "keys", "_hidden", "__class__", "missing", "tags", "extra", "content",
         "key", "url", "date", "draft", "weight", "image", "section", "_rec", "__len__"]


def test_getattr_on_a_dict_is_jinjas() -> None:
    env = _env()
    for obj in ({"title": "T", "items": 3, "_hidden": 1}, {}, {"keys": "k", "get": "g"}):
        for name in NAMES:
            assert _same(env.getattr(obj, name), _stock(env, obj, name)), (obj, name)


class Mapping(dict):
    """Not exactly a dict: takes Jinja's own path."""


def test_getattr_on_a_dict_subclass_is_jinjas() -> None:
    env = _env()
    obj = Mapping(title="T", items=3)
    for name in NAMES:
        assert _same(env.getattr(obj, name), _stock(env, obj, name)), name


def _resolver() -> tuple[Resolver, PageView]:
    config = load_config(REPO)
    rec = PageRecord(key="blog/a.md", collection="blog", title="A", slug="a", path_url="/blog/a b/", date=None,
                     updated=None, draft=False, terms={"tags": ("x", "y")}, description="d", mastodon=None,
                     bluesky_url=None, layout=None, extra={"image": "/i.png", "content_note": 1}, body_key="b",
                     source_hash="h")
    site = Site(config=config, pages={rec.key: rec})
    res = Resolver(site, lambda key: "<p>body</p>")
    return res, PageView(rec, res)


def test_a_page_view_has_no_attribute_a_template_could_name() -> None:
    # The getattr shortcut for page views relies on it: every other name goes to __getattr__.
    assert all(name.startswith("_") for name in dir(PageView))


def test_getattr_on_a_page_view_is_jinjas_and_records_the_same() -> None:
    env = _env()
    _, page = _resolver()
    for name in NAMES:
        RECORDER.take()
        fast = env.getattr(page, name)
        fast_deps = RECORDER.take()
        stock = _stock(env, page, name)
        assert RECORDER.take() == fast_deps, name
        if name in ("tags",):
            assert [str(t) for t in fast] == [str(t) for t in stock] == ["x", "y"]
        else:
            assert _same(fast, stock), name
    RECORDER.take()
    assert env.getattr(page, "image") == "/i.png" and RECORDER.take() == {("blog/a.md", "extra")}
    assert env.getattr(page, "url") == "/blog/a%20b/" and RECORDER.take() == {("blog/a.md", "url")}


def test_urlencode_is_jinjas() -> None:
    quote = template_env.Environment().filters["urlencode"]
    for value in ["<svg a='b'>#x</svg>", Markup("<b>&amp;</b> é"), "a/b c", {"a": "b c"}, [("k", "v/w")], 42]:
        assert quote(value) == do_urlencode(value)
        assert quote(value) == do_urlencode(value)  # again, from the memory


def test_get_template_gives_jinjas_template_and_reloads_when_asked(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("one", "utf-8")
    env = template_env.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)))
    first = env.get_template("a.html")
    assert env.get_template("a.html") is first is jinja2.Environment.get_template(env, "a.html")
    live = template_env.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), auto_reload=True)
    assert live.get_template("a.html").render() == "one"
    (tmp_path / "a.html").write_text("two!", "utf-8")
    os.utime(tmp_path / "a.html", (1, 1))
    assert live.get_template("a.html").render() == "two!"


def test_templates_use_jinjas_own_code_under_another_major_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_env, "FAST_JINJA", False)
    assert type(Templates(load_config(REPO), None).env) is template_env.RememberingEnvironment


def _build(site: Path, out: Path, cache: Path) -> dict[str, Any]:
    Builder(site, out, cache_dir=cache, jobs=1).build()
    with open(cache / "manifest.pickle", "rb") as fh:
        state = pickle.load(fh)
    return {path: entry[1] for path, entry in state["outputs"].items()}


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_example_site_builds_the_same_with_jinjas_own_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast_deps = _build(REPO, tmp_path / "fast", tmp_path / "fast-cache")
    monkeypatch.setattr(template_env, "FAST_JINJA", False)
    stock_deps = _build(REPO, tmp_path / "stock", tmp_path / "stock-cache")
    assert fast_deps == stock_deps and len(fast_deps) > 20
    assert _files(tmp_path / "fast") == _files(tmp_path / "stock")


class _Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


class _Text(str):
    pass


def test_escape_is_markupsafes() -> None:
    assert template_env.FAST_ESCAPE
    values = ["plain", "<a href=\"x\">'&'</a>", "", Markup("<i>kept</i> &amp;"), _Html(), 42, None, 1.5,
              _Text("<sub>"), jinja2.ChainableUndefined(name="x"), ["<l>"]]
    for value in values:
        fast, stock = template_env.escape(value), markupsafe.escape(value)
        assert type(fast) is type(stock) is Markup and fast == stock, value


def test_compiled_templates_call_the_fast_escape_and_get_jinjas_globals() -> None:
    env = template_env.make_environment(autoescape=True)
    env.globals["g"] = "<g>"
    template = env.from_string("{{ a }}{{ b }}{{ g }}{{ n }}", globals={"t": 1})
    assert template.root_render_func.__globals__["escape"] is template_env.escape
    assert template.render(a="<a>", b=Markup("<b>"), n=3) == "&lt;a&gt;<b>&lt;g&gt;3"
    context = template.new_context({"a": 1})
    assert type(context) is template_env.Context
    stock = jinja2.runtime.Context(env, context.parent, template.name, template.blocks, template.globals)
    assert context.globals_keys == stock.globals_keys == {"t", *env.globals}


def test_getitem_is_jinjas() -> None:
    from sitegen.content import TocEntry

    env = _env()
    entry = TocEntry(2, "intro", "Intro")
    for obj in (entry, [1, 2], (3, 4), {"level": 1}, "text", Mapping(level=5)):
        for argument in ("level", "id", "count", "index", "missing", "__class__", 0, 1, 9, slice(0, 1)):
            assert _same(env.getitem(obj, argument), jinja2.Environment.getitem(env, obj, argument)), (obj, argument)
    template = env.from_string('{{ toc|map(attribute="level")|min }} {{ toc|map(attribute="id")|join(",") }}')
    assert template.render(toc=[entry, TocEntry(3, "b", "B")]) == "2 intro,b"


def test_a_top_level_context_holds_what_jinjas_holds() -> None:
    env = _env()
    env.globals.update(g="env", shared="env")
    template = env.from_string("{{ g }} {{ shared }} {{ v }} {{ t }}", globals={"shared": "template", "t": 1})
    for variables in ({"v": 2, "shared": "render"}, {}, None):
        fast = template.new_context(variables)
        stock = jinja2.Template.new_context(template, variables)
        assert list(fast.parent.items()) == list(stock.parent.items())
        assert fast.globals_keys == stock.globals_keys and fast.vars == stock.vars == {}
    assert template.render(v=3) == "env template 3 1"
    with pytest.raises(TypeError):
        template.new_context({1: "not a name"})
    with pytest.raises(TypeError):
        jinja2.Template.new_context(template, {1: "not a name"})
