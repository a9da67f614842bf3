"""Hugo's conventions (gohugo.io/content-management/front-matter/): front matter and config."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sitegen.importers import Translated, as_list, lift, rename
from sitegen.importers.convert import Plan, author_name
from sitegen.urls import hugo_path

# Hugo accepts these spellings for the same field (front matter keys are case-insensitive).
_SYNONYMS = {
    "lastmod": "updated", "modified": "updated",
    "publishdate": "publish_date", "pubdate": "publish_date", "published": "publish_date",
    "expirydate": "expiry_date", "unpublishdate": "expiry_date",
    "author": "authors",
}


def page_url(url: str) -> str:
    """Hugo's `url` is a path from the site root; without an extension it is a folder."""
    path = "/" + url.strip().lstrip("/")
    if path == "/":
        return path
    last = path.rsplit("/", 1)[-1]
    return path if path.endswith("/") or "." in last else path + "/"


def translate(meta: dict[str, Any], key: str) -> Translated:
    meta = {k.lower() if k.lower() in _SYNONYMS or k.lower() in ("params", "url") else k: v for k, v in meta.items()}
    out = Translated(meta)
    for hugo_key, ours in _SYNONYMS.items():
        rename(meta, out.written_as, hugo_key, ours)
    if "authors" in meta:
        meta["authors"] = as_list(meta["authors"])
    lift(meta, "params")
    # Hugo's `summary` is the list-page summary; sitegen calls it description.
    rename(meta, out.written_as, "summary", "description")
    if isinstance(meta.get("url"), str):
        meta["url"] = page_url(meta["url"])
    # `layout` and `type` pick Hugo templates, not sitegen's: kept as page.extra.
    rename(meta, out.written_as, "layout", "hugo_layout")
    return out


# Hugo's permalink tokens (gohugo.io/content-management/urls/#tokens) → sitegen's placeholders.
_TOKENS = {
    "year": "{year}", "month": "{month}", "day": "{day}", "slug": "{slugortitle}", "title": "{title}",
    "filename": "{stem}", "section": "{section}", "slugorfilename": "{slug}", "contentbasename": "{slug}",
    "slugorcontentbasename": "{slug}",
}


def _lower_keys(value: Any) -> Any:
    """Hugo's config keys are case-insensitive (baseURL, baseurl)."""
    if isinstance(value, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value


def permalink(pattern: str) -> tuple[str, list[str]]:
    unknown: list[str] = []

    def sub(match: re.Match[str]) -> str:
        name = match[1].lower()
        if name in _TOKENS:
            return _TOKENS[name]
        unknown.append(":" + match[1])
        return ""

    text = re.sub(r":([A-Za-z_]+)", sub, pattern.replace("{", "{{").replace("}", "}}"))
    text = "/" + text.lstrip("/")
    return (text if text.endswith("/") or "." in text.rsplit("/", 1)[-1] else text + "/"), unknown


def plan(raw: dict[str, Any], site_dir: Path) -> Plan:
    """hugo.toml / config.yaml (gohugo.io/getting-started/configuration/) → sitegen.toml."""
    raw = _lower_keys(raw)
    out = Plan({})
    s = out.settings
    params = raw.get("params") if isinstance(raw.get("params"), dict) else {}
    s["title"] = raw.get("title") or site_dir.resolve().name
    s["base_url"] = str(raw.get("baseurl") or "https://example.org").rstrip("/")
    description = params.get("description") or raw.get("description")
    if isinstance(description, str):
        s["description"] = description
    author = author_name(raw.get("author"), params.get("author"))
    if author:
        s["author"] = author
    if isinstance(raw.get("languagecode"), str):
        s["language"] = raw["languagecode"]
    if isinstance(raw.get("timezone"), str):
        s["timezone"] = raw["timezone"]
    # disablePathToLower keeps the case of page and term paths; sitegen spells it slugs = "safe".
    lower = not raw.get("disablepathtolower")
    s["content"] = {"conventions": "hugo", "slugs": "lower" if lower else "safe"}
    # Heading ids as goldmark made them (markup.goldmark.parser.autoHeadingIDType, default github).
    id_type = ((((raw.get("markup") or {}).get("goldmark") or {}).get("parser") or {}).get("autoHeadingIDType"))
    s["markdown"] = {"heading_ids": "hugo"}
    if id_type not in (None, "github"):
        out.unmapped.append(f'markup.goldmark.parser.autoHeadingIDType = "{id_type}": heading ids follow "github"')
    if raw.get("uglyurls"):
        out.unmapped.append("uglyURLs = true: sitegen writes /post/ folders, not /post.html")

    pager = (raw.get("pagination") or {}).get("pagersize", raw.get("paginate", 10))
    rss_limit = (raw.get("services") or {}).get("rss", {}).get("limit", raw.get("rsslimit", -1))
    # Hugo's feeds are RSS at index.xml; sitegen's are Atom: the URLs stay, the format changes.
    s["feeds"] = {"filename": "index.xml", "limit": rss_limit if isinstance(rss_limit, int) and rss_limit > 0 else 0}
    out.unmapped.append("feeds: Hugo writes RSS at index.xml; sitegen writes Atom at the same URLs")

    taxonomies = raw.get("taxonomies", {"tag": "tags", "category": "categories"})
    s["taxonomies"] = {plural: {"feed": True} for plural in taxonomies.values()} if isinstance(taxonomies, dict) else {}

    links = raw.get("permalinks") or {}
    if isinstance(links.get("page"), dict):
        links = links["page"]
    content = site_dir / "content"
    collections: dict[str, Any] = {}
    folders = sorted(p for p in content.iterdir() if p.is_dir()) if content.is_dir() else []
    for folder in folders:
        if (any((folder / n).is_file() for n in ("index.md", "index.markdown"))
                and not any((folder / n).is_file() for n in ("_index.md", "_index.markdown"))):
            continue  # a leaf bundle at the top: a page, not a section
        section = hugo_path(folder.name, lower)  # the section's path, as Hugo writes it
        coll: dict[str, Any] = {"permalink": f"/{section}/{{slug}}/", "url": f"/{section}/",
                                "listed": True, "dated": True, "paginate": pager, "archives": False, "feed": True}
        if isinstance(links.get(folder.name), str):
            pattern, unknown = permalink(links[folder.name])
            coll["permalink"] = pattern
            if unknown:
                out.unmapped.append(f"permalinks.{folder.name}: {', '.join(unknown)} (no sitegen equivalent, left out)")
        collections[folder.name] = coll
    collections["pages"] = {"permalink": "/{slug}/", "url": "/pages/"}
    s["collections"] = collections
    s["home"] = {"paginate": pager}
    main = (raw.get("menu") or {}).get("main") or (raw.get("menus") or {}).get("main")
    if isinstance(main, list):
        items = [m for m in main if isinstance(m, dict) and m.get("name") and (m.get("url") or m.get("pageref"))]
        items.sort(key=lambda m: m.get("weight", 0))
        s["menu"] = [{"name": m["name"], "url": m.get("url") or "/" + str(m["pageref"]).strip("/") + "/"}
                     for m in items]
    if params:
        s["extra"] = params
    for key, what in (("theme", "theme"), ("outputs", "outputs"), ("outputformats", "outputFormats"),
                      ("languages", "languages"), ("markup", "markup settings"), ("module", "Hugo modules")):
        if key in raw:
            out.unmapped.append(f"{what}: not mapped (sitegen renders with its own theme and Markdown settings)")
    layouts = site_dir / "layouts"
    if layouts.is_dir():
        shortcodes = sorted(p.stem for p in (layouts / "shortcodes").glob("*.html"))
        count = sum(1 for _ in layouts.rglob("*.html")) - len(shortcodes)
        if count:
            out.unmapped.append(f"{count} Go templates in layouts/: sitegen renders with its theme (Jinja)")
        if shortcodes:
            out.unmapped.append(f"shortcodes in layouts/shortcodes/ ({', '.join(shortcodes)}): sitegen warns "
                                "where a post uses one")
    return out
