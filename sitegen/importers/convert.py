"""`sitegen init --from zola|hugo|jekyll`: read another generator's config, write a sitegen.toml.

Each generator's module turns its parsed config into a `Plan`: the sitegen settings that
reproduce its URLs, taxonomies, pagination and feeds, and notes on what has no sitegen
equivalent. This module reads the config file, writes the TOML, and touches nothing else.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.errors import ConfigError

GENERATORS = ("zola", "hugo", "jekyll")
CONFIG_FILES = {
    "zola": ("zola.toml", "config.toml"),
    "hugo": ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml", "config.yml",
             "config.json"),
    "jekyll": ("_config.yml", "_config.yaml", "_config.toml"),
}


@dataclass
class Plan:
    settings: dict[str, Any]
    """sitegen.toml as nested dicts (tables are dicts)."""
    unmapped: list[str] = field(default_factory=list)
    """What the old site has that this sitegen.toml does not reproduce, one sentence each."""


def author_name(*values: Any) -> str | None:
    """A site's author as Hugo and Jekyll configs write it: a name, or a table with `name`
    (`author: {name: Ada, email: …}`); the first one given wins."""
    for value in values:
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def read_config(generator: str, site_dir: Path) -> tuple[Path, dict[str, Any]]:
    for name in CONFIG_FILES[generator]:
        path = site_dir / name
        if path.is_file():
            return path, _parse(path)
    names = " or ".join(CONFIG_FILES[generator])
    raise ConfigError(f"no {generator} config in {site_dir} (looked for {names})")


def _parse(path: Path) -> dict[str, Any]:
    text = path.read_text("utf-8")
    try:
        if path.suffix == ".toml":
            return tomllib.loads(text)
        if path.suffix == ".json":
            return json.loads(text)
        import yaml

        data = yaml.safe_load(text) or {}
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise ConfigError(f"cannot read it: {exc}", path) from None
    except Exception as exc:  # yaml.YAMLError, without importing yaml for TOML sites
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"cannot read it: {getattr(exc, 'problem', exc)}", path,
                          mark.line + 1 if mark is not None else None) from None
    if not isinstance(data, dict):
        raise ConfigError("must be a mapping of settings", path)
    return data


def plan(generator: str, site_dir: Path) -> tuple[Path, Plan]:
    path, raw = read_config(generator, site_dir)
    if generator == "zola":
        from sitegen.importers import zola as module
    elif generator == "hugo":
        from sitegen.importers import hugo as module  # type: ignore[no-redef]
    else:
        from sitegen.importers import jekyll as module  # type: ignore[no-redef]
    return path, module.plan(raw, site_dir)


def to_toml(settings: dict[str, Any]) -> str:
    """A small TOML writer for the values a Plan holds (text, numbers, booleans, lists, tables)."""
    lines: list[str] = []
    _table(lines, [], settings)
    return "\n".join(lines).strip() + "\n"


def _table(lines: list[str], path: list[str], table: dict[str, Any]) -> None:
    plain = {k: v for k, v in table.items() if not isinstance(v, dict) and not _is_table_list(v)}
    if path and (plain or not table):
        lines.append("")
        lines.append("[" + ".".join(_key(p) for p in path) + "]")
    for key, value in plain.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in table.items():
        if isinstance(value, dict):
            _table(lines, [*path, key], value)
        elif _is_table_list(value):
            for item in value:
                lines.append("")
                lines.append("[[" + ".".join(_key(p) for p in [*path, key]) + "]]")
                for k, v in item.items():
                    lines.append(f"{_key(k)} = {_value(v)}")


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _key(key: str) -> str:
    return key if key and all(c.isalnum() or c in "-_" for c in key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))


def init(generator: str, site_dir: Path, *, force: bool = False) -> tuple[Path, Plan]:
    """Write SITE_DIR/sitegen.toml for a Zola, Hugo or Jekyll site; returns where, and the plan."""
    from sitegen.config import CONFIG_NAME, load_config

    target = site_dir / CONFIG_NAME
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists (remove it, or pass --force to replace it)")
    source, found = plan(generator, site_dir)
    text = f"# Written by `sitegen init --from {generator}` from {source.name}; the posts are read as they are.\n"
    text += to_toml(found.settings)
    target.write_text(text, "utf-8")
    load_config(site_dir)  # what we wrote must load; a bug here is ours, reported like a config error
    return target, found
