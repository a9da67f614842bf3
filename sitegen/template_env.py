"""sitegen's Jinja2 Environment: remembers each template's references, and takes shorter paths
through the lookups a build repeats thousands of times.

A build renders ~1,500 outputs with the same templates, none of which changes mid-build (a
changed template file gives `sitegen serve` a new Templates, hence a new Environment). The
shortcuts below return exactly what Jinja2's own code returns; each says why.

- `getattr` (every `{{ a.b }}`): Jinja tries `getattr(obj, name)`, then `obj[name]`. For a dict
  (`site.strings.x`, `feed.title`, `page.extra.image`) and a page view, the first try fails on
  almost every call, and raising the AttributeError is most of what the lookup costs. For those
  two types we know beforehand which of the two tries answers, so we ask it directly.
- `get_template` (every `{% include %}`, ~7,000 a build): with `auto_reload` off Jinja returns
  the cached Template without looking at the file; we keep the same Template objects in a plain
  dict instead of Jinja's locked LRU cache, keyed by a weak reference made anew each call.
- the `urlencode` filter on a string: the theme's favicon quotes the same string on every page.
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2
import jinja2.meta
from jinja2.filters import do_urlencode
from markupsafe import Markup

from sitegen.views import PageView

# A dict instance has no attributes of its own (no __dict__): `getattr(d, name)` finds exactly the
# attributes of the dict type. Names starting with "_" keep Jinja's own path.
_DICT_ATTRIBUTES = frozenset(name for name in dir(dict) if not name.startswith("_"))


# The shortcuts copy Jinja 3.1's lookups; under another major version Jinja's own code runs.
FAST_JINJA = jinja2.__version__.split(".")[0] == "3"


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
