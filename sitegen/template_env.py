"""sitegen's Jinja2 Environment: remembers each template's references, and takes shorter paths
through the lookups a build repeats thousands of times.

A build renders ~1,500 outputs with the same templates, none of which changes mid-build (a
changed template file gives `sitegen serve` a new Templates, hence a new Environment). The
shortcuts below return exactly what Jinja2's own code returns; each says why.

- `getattr` (every `{{ a.b }}`): Jinja tries `getattr(obj, name)`, then `obj[name]`. For a dict
  (`site.strings.x`, `feed.title`, `page.extra.image`) and a page view, the first try fails on
  almost every call, and raising the AttributeError is most of what the lookup costs. For those
  two types we know beforehand which of the two tries answers, so we ask it directly.
- `getitem` (`map(attribute="level")` over a page's toc entries): Jinja tries `obj[name]`,
  then `getattr(obj, name)`; a tuple or list only raises TypeError for a str, so we skip it.
- `get_template` (every `{% include %}`, ~7,000 a build): with `auto_reload` off Jinja returns
  the cached Template without looking at the file; we keep the same Template objects in a plain
  dict instead of Jinja's locked LRU cache, keyed by a weak reference made anew each call.
- the `urlencode` filter on a string: the theme's favicon quotes the same string on every page.
- `escape` in compiled templates (every `{{ x }}`, ~55,000 a build): markupsafe's, less the
  Python-level `Markup.__new__` it calls (for a str) and the copy it makes (for a Markup).
- a top-level Context's variables: the template's globals and the render's, copied from the
  ChainMap's maps (as for `globals_keys` below).
- a Context's `globals_keys` (every render and include): the keys of the template's globals
  (a ChainMap over the environment's) from its maps, not by ChainMap's own iteration.
"""

from __future__ import annotations

import functools
from collections import ChainMap
from typing import Any

import jinja2
import jinja2.meta
import jinja2.runtime
import markupsafe
from jinja2.filters import do_urlencode
from markupsafe import Markup

from sitegen.views import PageView

# A dict instance has no attributes of its own (no __dict__): `getattr(d, name)` finds exactly the
# attributes of the dict type. Names starting with "_" keep Jinja's own path.
_DICT_ATTRIBUTES = frozenset(name for name in dir(dict) if not name.startswith("_"))
# Item lookups that take integers (and slices) only: a NamedTuple's (a toc entry's) or a list's.
_INDEX_ONLY = (tuple.__getitem__, list.__getitem__)


# The shortcuts copy Jinja 3.1's lookups and markupsafe 3.0's escape; under other versions
# (another Jinja major version, a markupsafe without `_escape_inner`) the libraries' own code runs.
FAST_JINJA = jinja2.__version__.split(".")[0] == "3"
_escape_inner = getattr(markupsafe, "_escape_inner", None)
FAST_ESCAPE = _escape_inner is not None and jinja2.runtime.escape is markupsafe.escape


def make_environment(**options: Any) -> RememberingEnvironment:
    """The environment for a Templates: with the shortcuts under the Jinja version they copy."""
    return (Environment if FAST_JINJA else RememberingEnvironment)(**options)


class RememberingEnvironment(jinja2.Environment):
    """Remembers what each template extends, includes or imports when it parses it to compile
    it, so that working out a template's closure does not parse it a second time."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.references: dict[str, tuple[str, ...]] = {}
        """Template name → the names it refers to ("*" for a name computed at run time)."""

    def _parse(self, source: str, name: str | None, filename: str | None) -> Any:
        ast = super()._parse(source, name, filename)
        if name is not None:
            self.references[name] = tuple(
                "*" if ref is None else ref for ref in jinja2.meta.find_referenced_templates(ast)
            )
        return ast


class Environment(RememberingEnvironment):
    """The shortcuts of the module docstring."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._loaded: dict[tuple[str, str | None], jinja2.Template] = {}
        self.filters["urlencode"] = _urlencode
        self.template_class = Template
        self.context_class = Context

    def getattr(self, obj: Any, attribute: str) -> Any:
        kind = type(obj)
        if kind is dict and attribute not in _DICT_ATTRIBUTES and not attribute.startswith("_"):
            # getattr(dict, name) raises AttributeError for any other name: Jinja goes on to obj[name].
            try:
                return obj[attribute]
            except (TypeError, LookupError, AttributeError):
                return self.undefined(obj=obj, name=attribute)
        if kind is PageView and not attribute.startswith("_"):
            # A page view's only attributes start with "_": getattr() calls __getattr__ for any
            # other name. Where that raises AttributeError, Jinja tries view[name], which asks
            # __getattr__ again (and records the same dependency) and raises KeyError.
            try:
                return obj.__getattr__(attribute)
            except AttributeError:
                return self.undefined(obj=obj, name=attribute)
        # jinja2.Environment.getattr's own body (3.1), inlined: no second call per lookup.
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if type(argument) is str and getattr(type(obj), "__getitem__", None) in _INDEX_ONLY:
            # A tuple's or list's [] raises TypeError for a str: Jinja goes on to getattr().
            try:
                return getattr(obj, argument)
            except AttributeError:
                return self.undefined(obj=obj, name=argument)
        return super().getitem(obj, argument)

    def get_template(self, name: Any, parent: str | None = None, globals: Any = None) -> Any:
        if globals is not None or self.auto_reload or self.cache is None or type(name) is not str:
            return super().get_template(name, parent, globals)
        key = (name, parent)
        template = self._loaded.get(key)
        if template is None:
            template = self._loaded[key] = super().get_template(name, parent)
        return template


@functools.lru_cache(maxsize=64)
def _quote(value: str) -> str:
    return do_urlencode(value)


def _urlencode(value: Any) -> str:
    """Jinja's urlencode filter, remembering what it made of the last strings (str or Markup
    quote to the same text)."""
    if type(value) is str or type(value) is Markup:
        return _quote(value)
    return do_urlencode(value)


_new_str = str.__new__


def escape(value: Any, /) -> Markup:
    """markupsafe.escape, for the output of compiled templates. For a str, markupsafe returns
    Markup(_escape_inner(s)), whose __new__ (Python) checks for __html__, which a str lacks, and
    calls str.__new__; for a Markup, a new Markup of the same text."""
    kind = type(value)
    if kind is str:
        return _new_str(Markup, _escape_inner(value))  # type: ignore[misc]
    if kind is Markup:
        return value
    return markupsafe.escape(value)


class Template(jinja2.Template):
    """A template whose compiled code calls our `escape` (it imported markupsafe's), and whose
    top-level contexts copy its globals without ChainMap's Python-level iteration."""

    @classmethod
    def _from_namespace(cls, environment: Any, namespace: Any, globals: Any) -> Any:
        if FAST_ESCAPE and namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = escape
        return super()._from_namespace(environment, namespace, globals)

    def new_context(self, vars: Any = None, shared: bool = False, locals: Any = None) -> Any:
        globals = self.globals
        if shared or type(globals) is not ChainMap or any(type(m) is not dict for m in globals.maps):
            return super().new_context(vars, shared, locals)
        # jinja2.runtime.new_context starts a context that is not shared with
        # dict(globals or (), **vars): the same keys in the same order, each with the value of
        # the first map holding it, as updating a dict with the maps, last map first.
        flat: dict[str, Any] = {}
        for mapping in reversed(globals.maps):
            flat.update(mapping)
        parent = dict(flat, **(vars or {}))
        return jinja2.runtime.new_context(self.environment, self.name, self.blocks, parent, True, globals, locals)


class Context(jinja2.runtime.Context):
    """jinja2's Context; `globals_keys` from a ChainMap's maps (ChainMap iterates in Python)."""

    def __init__(self, environment: Any, parent: Any, name: Any, blocks: Any, globals: Any = None) -> None:
        super().__init__(environment, parent, name, blocks)
        if globals is not None:
            self.globals_keys = set().union(*globals.maps) if type(globals) is ChainMap else set(globals)
