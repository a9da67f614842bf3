"""Locate themes without importing Jinja (the no-change build path must stay light)."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from sitegen.config import SiteConfig
from sitegen.errors import ConfigError


def bundled_themes_dir() -> Path:
    """Where the default theme lives: inside the installed package, or beside it in a checkout."""
    try:
        found = Path(str(resources.files("sitegen.themes")))
        if (found / "default").is_dir():
            return found
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "themes"


def theme_dir(config: SiteConfig) -> Path:
    local = config.root / "themes" / config.theme
    if local.is_dir():
        return local
    bundled = bundled_themes_dir() / config.theme
    if bundled.is_dir():
        return bundled
    raise ConfigError(f"theme {config.theme!r} not found in {config.root / 'themes'} or the bundled themes",
                      config.root / "sitegen.toml")


def template_dirs(config: SiteConfig) -> list[Path]:
    """Search order: the site's own templates/ override the theme's, file by file; a theme that
    lacks a template (say redirect.html, newer than the theme) borrows the bundled default's."""
    dirs = [config.root / config.templates_dir, theme_dir(config) / "templates"]
    default = bundled_themes_dir() / "default" / "templates"
    return dirs if default in dirs else [*dirs, default]


_CSS_TOKENS = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(/\*.*?\*/)|(\s+)|([^"'/\s]+|/)""", re.S)


def minify_css(text: str) -> str:
    """A theme stylesheet without comments and layout whitespace; strings kept as written.

    Conservative: a space before `:` or around `+`/`-` may be meaningful (`.a :is(…)`,
    `calc(1rem + 2px)`), so only the spaces around `{ } ; ,` and after `:` go.
    """
    out: list[str] = []
    for string, comment, space, other in _CSS_TOKENS.findall(text):
        if comment:
            continue
        if space:
            if out and out[-1] != " ":
                out.append(" ")
            continue
        out.append(string or other)
    joined = "".join(out).strip()
    # Outside strings only: split on them again and squeeze the code between.
    parts = re.split(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""", joined)
    for i in range(0, len(parts), 2):
        code = re.sub(r"\s*([{};,])\s*", r"\1", parts[i])
        parts[i] = re.sub(r":\s+", ":", code).replace(";}", "}")
    return "".join(parts)
