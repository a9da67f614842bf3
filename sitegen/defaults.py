"""Front matter defaults (`[[content.defaults]]`): values a page gets unless its own front matter
sets them, chosen by where the page is and which collection holds it, the way Jekyll applies the
`defaults:` of its _config.yml (jekyllrb.com/docs/configuration/front-matter-defaults/, and
lib/jekyll/frontmatter_defaults.rb).

Pure: the sets come from sitegen.toml, a page's path and collection name come in, a merged
dictionary goes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.errors import ConfigError

# Jekyll 2's singular types, which it still reads as the plural ones.
_OLD_TYPES = {"post": "posts", "page": "pages", "draft": "drafts"}


@dataclass(frozen=True)
class DefaultsSet:
    path: str
    """A prefix of the page's path from the content root ("" is every page), or a glob (`*`, `**`)."""
    type: str | None
    """A collection's name (`posts`, `pages`, …), or None for any."""
    values: dict[str, Any] = field(default_factory=dict)
    pattern: re.Pattern[str] | None = None
    """`path` as a regular expression, when it is a glob."""


def parse(raw: Any, config_path: Path, line: int | None) -> tuple[DefaultsSet, ...]:
    """`[[content.defaults]]` tables: `scope = { path = "…", type = "…" }` and `values = { … }`."""
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise ConfigError("content.defaults must be a list of tables ([[content.defaults]])", config_path, line)
    sets = []
    for n, entry in enumerate(raw, 1):
        unknown = set(entry) - {"scope", "values"}
        scope, values = entry.get("scope", {}), entry.get("values")
        problem = (f"unknown key {sorted(unknown)[0]!r}" if unknown
                   else "`values` must be a table" if not isinstance(values, dict)
                   else "`scope` must be a table with `path` and `type`" if not isinstance(scope, dict)
                   or set(scope) - {"path", "type"} or not all(isinstance(v, str) for v in scope.values())
                   else None)
        if problem:
            raise ConfigError(f"content.defaults entry {n}: {problem}", config_path, line)
        path = scope.get("path", "").lstrip("/")
        kind = scope.get("type")
        sets.append(DefaultsSet(path, _OLD_TYPES.get(kind, kind) if kind else None, dict(values),
                                _glob(path) if "*" in path else None))
    return tuple(sets)


def _glob(path: str) -> re.Pattern[str]:
    """A scope path with `*` names the files and folders it globs (`*` within a folder, `**/` any)."""
    return re.compile(re.escape(path).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*"))


def _applies(entry: DefaultsSet, rel: str, kinds: tuple[str, ...]) -> bool:
    if entry.type is not None and entry.type not in kinds:
        return False
    if entry.pattern is not None:
        parts = rel.split("/")
        return any(entry.pattern.fullmatch("/".join(parts[:i])) for i in range(1, len(parts) + 1))
    return rel.startswith(entry.path)


def _outranks(new: DefaultsSet, old: DefaultsSet | None) -> bool:
    """Jekyll's `has_precedence?`: a longer path wins; as long, a set with a type wins over one without."""
    if old is None:
        return True
    if len(new.path) != len(old.path):
        return len(new.path) > len(old.path)
    return new.type is not None or old.type is None


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` on top of `base`, tables merged key by key (Jekyll's `deep_merge_hashes`)."""
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        merged[key] = merge(old, value) if isinstance(value, dict) and isinstance(old, dict) else value
    return merged


def for_page(sets: tuple[DefaultsSet, ...], rel: str, kinds: tuple[str, ...]) -> dict[str, Any]:
    """The default values of a page at `rel` (its path from the content root) in a collection named
    by one of `kinds` (a draft of `posts` is also `drafts`): the matching sets in order, each merged
    over what came before if it is at least as specific as the most specific so far, under it if not."""
    found: dict[str, Any] = {}
    best: DefaultsSet | None = None
    for entry in sets:
        if not _applies(entry, rel, kinds):
            continue
        if _outranks(entry, best):
            found, best = merge(found, entry.values), entry
        else:
            found = merge(entry.values, found)
    return found
