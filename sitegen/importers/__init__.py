"""Other generators' conventions: Zola, Hugo and Jekyll front matter → sitegen's page fields
(`translate`), and their config files → a `sitegen.toml` (`sitegen init --from`, see convert.py).

Pure: dictionaries in, dictionaries out. Each generator has its own module; this one only
defines the shape they all return and picks the module for a site's `[content] conventions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Translated:
    """A page's front matter in sitegen's terms."""

    meta: dict[str, Any]
    """Keys sitegen knows (title, date, updated, draft, slug, url, aliases, authors, weight, …)
    plus the page's own keys, which reach templates as page.extra."""
    written_as: dict[str, str] = field(default_factory=dict)
    """sitegen key → the key as the file spells it, so an error names the line the author wrote."""


def translate(meta: dict[str, Any], key: str, conventions: str) -> Translated:
    """Read front matter written for `conventions` (sitegen, zola, hugo or jekyll)."""
    if conventions == "zola":
        from sitegen.importers import zola

        return zola.translate(meta, key)
    if conventions == "hugo":
        from sitegen.importers import hugo

        return hugo.translate(meta, key)
    if conventions == "jekyll":
        from sitegen.importers import jekyll

        return jekyll.translate(meta, key)
    return Translated(dict(meta))


def rename(meta: dict[str, Any], written_as: dict[str, str], old: str, new: str) -> None:
    """Move `old` to sitegen's `new` unless the page already sets `new` itself."""
    if old in meta and old != new:
        value = meta.pop(old)
        if new not in meta:
            meta[new] = value
            written_as[new] = old


def lift(meta: dict[str, Any], table: str) -> None:
    """Move a table's keys up (`[extra] team = …` → page.extra.team); keys set outside it win."""
    value = meta.get(table)
    if isinstance(value, dict):
        del meta[table]
        for k, v in value.items():
            meta.setdefault(str(k), v)


def as_list(value: Any, split: bool = False) -> Any:
    """A single name is a list of one; Jekyll's `tags: a b` is a list of two."""
    if isinstance(value, str):
        return value.split() if split else [value]
    return value
