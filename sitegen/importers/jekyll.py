"""Jekyll's conventions (jekyllrb.com/docs/front-matter/, /docs/permalinks/): front matter and config."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sitegen.importers import Translated, as_list, rename
from sitegen.importers.convert import Plan, author_name

# Jekyll's URL placeholders → sitegen's permalink placeholders.
PLACEHOLDERS = {
    "year": "{year}", "month": "{month}", "day": "{day}", "i_month": "{i_month}", "i_day": "{i_day}",
    "short_year": "{short_year}", "title": "{slug}", "slug": "{slug}", "name": "{stem}",
    "categories": "{categories}", "output_ext": ".html", "path": "{path}", "collection": "{collection}",
}
# Jekyll's built-in permalink styles (the `permalink` setting of _config.yml).
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_PLACEHOLDER = re.compile(r":([a-z_]+)")


def pattern(permalink: str) -> tuple[str, list[str]]:
    """A Jekyll permalink (style name or `:year/:title` pattern) → a sitegen pattern, and the
    placeholders sitegen has no value for."""
    text = STYLES.get(permalink, permalink)
    unknown: list[str] = []

    def sub(match: re.Match[str]) -> str:
        name = match[1]
        if name in PLACEHOLDERS:
            return PLACEHOLDERS[name]
        unknown.append(":" + name)
        return match[0]

    text = _PLACEHOLDER.sub(sub, text.replace("{", "{{").replace("}", "}}"))
    if not text.startswith("/"):
        text = "/" + text
    return text, unknown


def translate(meta: dict[str, Any], key: str) -> Translated:
    meta = dict(meta)
    out = Translated(meta)
    # `published: false` keeps a post out of the site; sitegen's `published` is a date.
    if isinstance(meta.get("published"), bool) and not meta.pop("published"):
        meta["draft"] = True
        out.written_as["draft"] = "published"
    rename(meta, out.written_as, "redirect_from", "aliases")
    if "aliases" in meta:
        meta["aliases"] = as_list(meta["aliases"])
    rename(meta, out.written_as, "category", "categories")
    rename(meta, out.written_as, "tag", "tags")
    for name in ("categories", "tags"):
        if name in meta:
            meta[name] = as_list(meta[name], split=True)
    rename(meta, out.written_as, "author", "authors")
    if "authors" in meta:
        meta["authors"] = as_list(meta["authors"])
    if isinstance(meta.get("permalink"), str):
        meta["url_pattern"] = pattern(meta.pop("permalink"))[0]
        out.written_as["url_pattern"] = "permalink"
    rename(meta, out.written_as, "layout", "jekyll_layout")
    return out


# Jekyll's own `exclude` defaults (jekyllrb.com/docs/configuration/default/), and what a Jekyll
# site holds that is neither a page nor a file to publish.
DEFAULT_EXCLUDE = (".sass-cache", ".jekyll-cache", "gemfiles", "Gemfile", "Gemfile.lock", "node_modules",
                   "vendor/bundle/", "vendor/cache/", "vendor/gems/", "vendor/ruby/")
ALWAYS_EXCLUDE = ("Gemfile*", "vendor", "node_modules", "_site")
_TEXT_SUFFIXES = (".html", ".htm", ".xml", ".txt", ".json", ".scss", ".sass", ".css", ".js", ".md", ".markdown")


def _has_front_matter(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4).rstrip(b"\r\n ") == b"---"
    except OSError:
        return False


def _excluded(rel: str, patterns: list[str]) -> bool:
    import fnmatch

    parts = rel.split("/")
    return any(fnmatch.fnmatchcase("/".join(parts[:i]), p) for i in range(1, len(parts) + 1) for p in patterns)


def _liquid_and_plain(site_dir: Path, exclude: list[str]) -> tuple[list[str], list[str]]:
    """Files Jekyll would render with Liquid (front matter, not Markdown: index.html, feed.xml,
    main.scss), and Markdown files it would copy as they are (no front matter, like README.md)."""
    liquid, plain = [], []
    for path in sorted(site_dir.rglob("*")):
        rel = path.relative_to(site_dir).as_posix()
        if (not path.is_file() or any(p.startswith((".", "_")) for p in rel.split("/"))
                or _excluded(rel, exclude) or not rel.endswith(_TEXT_SUFFIXES)):
            continue
        front = _has_front_matter(path)
        if rel.endswith((".md", ".markdown")):
            if not front:
                plain.append(rel)
        elif front:
            liquid.append(rel)
    return liquid, plain


def plan(raw: dict[str, Any], site_dir: Path) -> Plan:
    """_config.yml (jekyllrb.com/docs/configuration/) → sitegen.toml, reading the site in place:
    `_posts/` and `_drafts/`, collections `_NAME/`, pages anywhere else, other files as they are."""
    out = Plan({})
    s = out.settings
    s["title"] = raw.get("title") or site_dir.resolve().name
    base = str(raw.get("url") or "https://example.org").rstrip("/") + "/" + str(raw.get("baseurl") or "").strip("/")
    s["base_url"] = base.rstrip("/")
    if raw.get("baseurl"):
        out.unmapped.append(f"baseurl {raw['baseurl']!r}: folded into base_url; sitegen's URLs start at the root")
    for key in ("description", "timezone"):
        if isinstance(raw.get(key), str):
            s[key] = raw[key]
    author = author_name(raw.get("author"))
    if author:
        s["author"] = author
    if isinstance(raw.get("lang"), str):
        s["language"] = raw["lang"]

    own = [str(p).strip().rstrip("/") for p in (raw.get("exclude") or []) if str(p).strip("/ ")]
    exclude = list(dict.fromkeys([*(p.rstrip("/") for p in DEFAULT_EXCLUDE), *ALWAYS_EXCLUDE, *own]))
    liquid, plain = _liquid_and_plain(site_dir, exclude)
    if liquid:
        out.unmapped.append(f"{len(liquid)} Liquid pages ({', '.join(liquid[:6])}{', …' if len(liquid) > 6 else ''}): "
                            "left out (content.exclude); sitegen makes its own home page, lists and feed")
    if plain:
        out.unmapped.append(f"Markdown without front matter ({', '.join(plain[:6])}): Jekyll copies it as it is; "
                            "left out (content.exclude)")
    s["content"] = {"conventions": "jekyll", "slugs": "safe", "dir": ".", "publish_files": "all",
                    "exclude": [*exclude, *liquid, *plain]}
    style = raw.get("permalink", "date")
    permalink, unknown = pattern(str(style))
    if unknown:
        out.unmapped.append(f"permalink {style!r}: {', '.join(unknown)} have no sitegen equivalent (left as text)")
    plugins = [str(p) for p in (raw.get("plugins") or raw.get("gems") or [])]
    feed = "jekyll-feed" in plugins
    s["feeds"] = {"filename": "feed.xml"}
    paginate = raw.get("paginate", 0) if isinstance(raw.get("paginate"), int) else 0
    collections: dict[str, Any] = {
        "posts": {"folder": "_posts", "drafts_folder": "_drafts", "permalink": permalink, "url": "/posts/",
                  "listed": True, "dated": True, "paginate": paginate, "feed": False, "archives": False},
    }
    declared = raw.get("collections") if isinstance(raw.get("collections"), dict) else {}
    for name, settings in declared.items():
        settings = settings if isinstance(settings, dict) else {}
        if name == "posts":
            continue
        if not settings.get("output"):
            out.unmapped.append(f"collection {name}: output is false, so Jekyll publishes no pages for it; "
                                "neither does sitegen")
            continue
        link, missing = pattern(str(settings.get("permalink") or "/:collection/:path:output_ext"))
        if missing:
            out.unmapped.append(f"collections.{name}.permalink: {', '.join(missing)} have no sitegen equivalent")
        collections[str(name)] = {"folder": f"_{name}", "permalink": link, "url": f"/{name}/", "listed": False,
                                  "dated": False, "feed": False}
    collections["pages"] = {"permalink": "/{path}/" if str(style) == "pretty" else "/{path}.html", "url": "/pages/"}
    # `include: [_pages]` makes Jekyll read an underscore folder as pages (the academicpages layout).
    included = [str(p).strip("/") for p in (raw.get("include") or []) if str(p).startswith("_")
                and (site_dir / str(p).strip("/")).is_dir()]
    if included:
        collections["pages"]["folder"] = included[0]
        if len(included) > 1:
            out.unmapped.append(f"include {', '.join(included[1:])}: sitegen reads one folder of pages "
                                f"({included[0]}); move the others' pages there")
    s["collections"] = collections
    defaults = _defaults(raw.get("defaults"), set(collections), out.unmapped)
    if defaults:
        s["content"]["defaults"] = defaults
    s["home"] = {"paginate": paginate or 10}
    s["taxonomies"] = {"tags": {"feed": False}, "categories": {"feed": False}}
    if not feed:
        out.unmapped.append("no jekyll-feed plugin: sitegen still writes /feed.xml (Atom)")
    for plugin in plugins:
        if plugin not in ("jekyll-feed", "jekyll-redirect-from", "jekyll-sitemap", "jekyll-paginate", "jekyll-seo-tag"):
            out.unmapped.append(f"plugin {plugin}: not mapped")
    if raw.get("paginate_path") and raw["paginate_path"] not in ("/page:num/", "/page:num"):
        out.unmapped.append(f"paginate_path {raw['paginate_path']!r}: sitegen's list pages are /page/N/")
    if raw.get("theme") or (site_dir / "_layouts").is_dir():
        out.unmapped.append("theme, _layouts/ and _includes/ (Liquid): sitegen renders with its own theme (Jinja)")
    if (site_dir / "_sass").is_dir():
        out.unmapped.append("_sass/: compile it yourself and put the CSS in static/")
    if raw.get("include"):
        out.unmapped.append(f"include {raw['include']!r}: sitegen publishes no dot files from the site's folder; "
                            "put them in static/")
    if raw.get("excerpt_separator"):
        out.unmapped.append(f"excerpt_separator {raw['excerpt_separator']!r}: set per post, or use <!-- more -->")
    return out


def _toml_ready(value: Any) -> Any:
    """A YAML value as TOML can hold it: no nulls (a key set to null is left out), dates as text."""
    if isinstance(value, dict):
        return {str(k): _toml_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_ready(v) for v in value if v is not None]
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _defaults(raw: Any, collections: set[str], unmapped: list[str]) -> list[dict[str, Any]]:
    """`defaults:` (jekyllrb.com/docs/configuration/front-matter-defaults/) → `[[content.defaults]]`,
    which sitegen applies at build time as Jekyll does: scope path and type, the most specific set
    winning, front matter over all. Their `layout` names a Liquid layout (page.extra.jekyll_layout)."""
    if not isinstance(raw, list):
        return []
    found: list[dict[str, Any]] = []
    nulls: list[str] = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
            unmapped.append(f"defaults: {entry!r} has no `values` table; Jekyll ignores it too")
            continue
        scope = entry.get("scope") if isinstance(entry.get("scope"), dict) else {}
        kept: dict[str, Any] = {}
        if scope.get("path"):
            kept["path"] = str(scope["path"])
        if scope.get("type"):
            kind = str(scope["type"])
            kind = {"post": "posts", "page": "pages", "draft": "drafts"}.get(kind, kind)
            if kind not in collections and kind != "drafts":
                unmapped.append(f"defaults for type {kind!r}: no such collection is published; left out")
                continue
            kept["type"] = kind
        nulls += [k for k, v in entry["values"].items() if v is None]
        found.append({"scope": kept, "values": _toml_ready(entry["values"])})
    layouts = sorted({str(e["values"]["layout"]) for e in found if "layout" in e["values"]})
    if layouts:
        unmapped.append(f"defaults: the layouts they set ({', '.join(layouts)}) are Liquid: each page gets "
                        "page.extra.jekyll_layout and renders with sitegen's theme (the rest of the "
                        f"{len(found)} sets is applied as Jekyll applies it: [[content.defaults]])")
    if nulls:
        unmapped.append(f"defaults setting {', '.join(sorted(set(nulls)))} to null: left out (TOML has no null)")
    return found
