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
    "categories": "{categories}", "output_ext": ".html", "path": "{stem}", "collection": "{collection}",
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


def plan(raw: dict[str, Any], site_dir: Path) -> Plan:
    """_config.yml (jekyllrb.com/docs/configuration/) → sitegen.toml.

    sitegen reads posts from content/, so Jekyll's `_posts/` is read as content/posts/: the one
    step left to the user is moving the folder (its files stay as they are).
    """
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
    s["content"] = {"conventions": "jekyll", "slugs": "safe"}
    style = raw.get("permalink", "date")
    permalink, unknown = pattern(str(style))
    if unknown:
        out.unmapped.append(f"permalink {style!r}: {', '.join(unknown)} have no sitegen equivalent (left as text)")
    plugins = [str(p) for p in (raw.get("plugins") or raw.get("gems") or [])]
    feed = "jekyll-feed" in plugins
    s["feeds"] = {"filename": "feed.xml"}
    paginate = raw.get("paginate", 0) if isinstance(raw.get("paginate"), int) else 0
    s["collections"] = {
        "posts": {"permalink": permalink, "url": "/posts/", "listed": True, "dated": True, "paginate": paginate,
                  "feed": False, "archives": False},
        "pages": {"permalink": "/{slug}/" if str(style) == "pretty" else "/{slug}.html", "url": "/pages/"},
    }
    s["home"] = {"paginate": paginate or 10}
    s["taxonomies"] = {"tags": {"feed": False}, "categories": {"feed": False}}
    out.unmapped.insert(0, "posts: sitegen reads content/posts/; move _posts/ there as it is "
                           "(`mkdir content && git mv _posts content/posts`), and your pages into content/")
    if not feed:
        out.unmapped.append("no jekyll-feed plugin: sitegen still writes /feed.xml (Atom)")
    for plugin in plugins:
        if plugin not in ("jekyll-feed", "jekyll-redirect-from", "jekyll-sitemap", "jekyll-paginate", "jekyll-seo-tag"):
            out.unmapped.append(f"plugin {plugin}: not mapped")
    if raw.get("paginate_path") and raw["paginate_path"] not in ("/page:num/", "/page:num"):
        out.unmapped.append(f"paginate_path {raw['paginate_path']!r}: sitegen's list pages are /page/N/")
    if isinstance(raw.get("collections"), dict):
        out.unmapped.append(f"collections {', '.join(raw['collections'])}: add them as [collections.NAME]")
    if raw.get("theme") or (site_dir / "_layouts").is_dir():
        out.unmapped.append("theme and _layouts/ (Liquid): sitegen renders with its own theme (Jinja)")
    if raw.get("excerpt_separator"):
        out.unmapped.append(f"excerpt_separator {raw['excerpt_separator']!r}: set per post, or use <!-- more -->")
    return out
