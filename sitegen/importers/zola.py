"""Zola's conventions (getzola.org/documentation/content/page/): front matter and config."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from sitegen.importers import Translated, lift, rename
from sitegen.importers.convert import Plan

_DATED_PATH = re.compile(r"^/?(\d{4})/(\d{2})/(\d{2})(?:/|$)")


def page_url(path: str) -> str:
    """Zola's `path` is relative to the site root; a page is a folder unless it names a file."""
    url = "/" + path.strip().strip("/")
    if url == "/":
        return url
    last = url.rsplit("/", 1)[-1]
    return url if "." in last and last.rsplit(".", 1)[1] in ("html", "htm", "xml", "txt") else url + "/"


def translate(meta: dict[str, Any], key: str) -> Translated:
    meta = dict(meta)
    out = Translated(meta)
    # [taxonomies] tags = [...] → the page's terms, like sitegen's top-level `tags:`.
    lift(meta, "taxonomies")
    if isinstance(meta.get("path"), str):
        path = meta.pop("path")
        meta["url"] = page_url(path)
        out.written_as["url"] = "path"
        # Zola itself would leave such a page undated; the date in the path is the only one it has.
        match = _DATED_PATH.match(path.strip())
        if match and meta.get("date") is None:
            meta["date"] = f"{match[1]}-{match[2]}-{match[3]}"
            out.written_as["date"] = "path"
    if isinstance(meta.get("aliases"), list):
        meta["aliases"] = [a if not isinstance(a, str) else "/" + a.lstrip("/") for a in meta["aliases"]]
    # Zola's `template` names one of its Tera templates: kept as page.extra.template.
    rename(meta, out.written_as, "template", "zola_template")
    return out


def _front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text("utf-8", errors="replace").removeprefix("\ufeff")
    if not text.startswith("+++"):
        return {}
    end = text.find("\n+++", 3)
    try:
        return tomllib.loads(text[3:end]) if end != -1 else {}
    except tomllib.TOMLDecodeError:
        return {}


def plan(raw: dict[str, Any], site_dir: Path) -> Plan:
    """config.toml (getzola.org/documentation/getting-started/configuration/) → sitegen.toml."""
    out = Plan({})
    s = out.settings
    content = site_dir / "content"
    root = content / "_index.md"
    root_meta = _front_matter(root) if root.is_file() else {}
    s["title"] = raw.get("title") or root_meta.get("title") or site_dir.resolve().name
    s["base_url"] = raw.get("base_url", "https://example.org")
    for key in ("description", "author"):
        if isinstance(raw.get(key), str):
            s[key] = raw[key]
    if isinstance(raw.get("default_language"), str):
        s["language"] = raw["default_language"]
    slug_mode = (raw.get("slugify") or {}).get("paths", "on")
    s["content"] = {"conventions": "zola", "slugs": "slugify" if slug_mode == "on" else "safe"}
    if slug_mode == "off":
        out.unmapped.append('slugify.paths = "off": sitegen uses "safe" (only characters a path cannot hold change)')
    anchors = (raw.get("slugify") or {}).get("anchors", "on")
    # Heading ids as Zola made them, so #fragment links into old posts keep working.
    s["markdown"] = {"heading_ids": "zola"}
    if anchors != "on":
        out.unmapped.append(f'slugify.anchors = "{anchors}": heading ids follow Zola\'s "on" rule')

    feeds_on = raw.get("generate_feeds", raw.get("generate_feed", False))
    names = raw.get("feed_filenames") or [raw.get("feed_filename", "atom.xml")]
    feed_name = next((n for n in names if n.endswith(".xml")), "atom.xml")
    s["feeds"] = {"filename": feed_name}
    for other in names:
        if other != feed_name:
            out.unmapped.append(f"feed {other}: sitegen writes one Atom feed per list ({feed_name})")
    if feed_name == "rss.xml":
        out.unmapped.append("rss.xml: sitegen's feeds are Atom, at the same URL")

    taxonomies: dict[str, Any] = {}
    for tax in raw.get("taxonomies", []):
        if not isinstance(tax, dict) or "name" not in tax:
            continue
        entry: dict[str, Any] = {"feed": bool(tax.get("feed", tax.get("rss", False)))}
        if isinstance(tax.get("paginate_by"), int):
            entry["paginate"] = tax["paginate_by"]
        taxonomies[tax["name"]] = entry
    s["taxonomies"] = taxonomies

    collections: dict[str, Any] = {}
    root_pages = [p for p in content.glob("*.md") if p.name != "_index.md"]
    root_pages += [p / "index.md" for p in content.iterdir() if p.is_dir() and (p / "index.md").is_file()
                   and not (p / "_index.md").is_file()] if content.is_dir() else []
    for folder in sorted(p for p in content.iterdir() if p.is_dir()) if content.is_dir() else []:
        section = folder / "_index.md"
        if not section.is_file():
            continue
        meta = _front_matter(section)
        collections[folder.name] = _collection(folder.name, meta, feeds_on, out)
    # Zola's root section lists its pages on the home page when it sorts or paginates them;
    # otherwise the top-level pages are plain pages (about, contact).
    if root_pages and ("sort_by" in root_meta or "paginate_by" in root_meta):
        pages = _collection("", root_meta, feeds_on, out)
        pages.update(url="/", permalink="/{slug}/")
        collections["pages"] = pages
    else:
        collections["pages"] = {"permalink": "/{slug}/", "url": "/pages/"}
    s["collections"] = collections
    s["home"] = {"paginate": root_meta.get("paginate_by", 0) if isinstance(root_meta.get("paginate_by"), int) else 0}
    if isinstance(raw.get("extra"), dict) and raw["extra"]:
        s["extra"] = raw["extra"]

    _note_unmapped(raw, site_dir, out)
    return out


def _collection(name: str, meta: dict[str, Any], feeds_on: bool, out: Plan) -> dict[str, Any]:
    where = f"content/{name}/_index.md" if name else "content/_index.md"
    coll: dict[str, Any] = {"permalink": f"/{name}/{{slug}}/", "url": f"/{name}/", "listed": True, "dated": True,
                            # no paginate_by in _index.md: Zola lists every page on one page
                            "paginate": 0, "archives": False,
                            "feed": bool(meta.get("generate_feeds", meta.get("generate_feed", feeds_on)))}
    if isinstance(meta.get("title"), str):
        coll["title"] = meta["title"]
    sort_by = meta.get("sort_by", "none")
    if sort_by not in ("date", "update_date", "title", "title_bytes", "weight", "slug", "none", "permalink"):
        out.unmapped.append(f"{where}: sort_by = {sort_by!r} (sitegen sorts by date)")
    for key in ("template", "page_template"):
        if key in meta:
            out.unmapped.append(f"{where}: {key} = {meta[key]!r} is a Tera template; sitegen uses its theme's "
                                "list.html and post.html (copy and adapt yours into templates/)")
    if meta.get("transparent"):
        out.unmapped.append(f"{where}: transparent = true (its pages are not listed in the parent section)")
    return coll


def _note_unmapped(raw: dict[str, Any], site_dir: Path, out: Plan) -> None:
    if (site_dir / "templates").is_dir():
        # Zola's templates/ holds Tera templates; sitegen's own overrides must live elsewhere.
        out.settings["templates_dir"] = "sitegen-templates"
        tera = sorted(p.relative_to(site_dir).as_posix() for p in (site_dir / "templates").rglob("*.html"))
        shortcodes = [t for t in tera if t.startswith("templates/shortcodes/")]
        if tera:
            out.unmapped.append(f"{len(tera) - len(shortcodes)} Tera templates in templates/: sitegen renders "
                                "with its theme (Jinja) and reads its own from sitegen-templates/ "
                                "(templates_dir), so port the ones you need there")
        if shortcodes:
            names = ", ".join(Path(t).stem for t in shortcodes)
            out.unmapped.append(f"shortcodes in templates/shortcodes/ ({names}): sitegen warns where a post uses one")
    if raw.get("compile_sass") or (site_dir / "sass").is_dir():
        out.unmapped.append("sass/: compile it yourself and put the CSS in static/")
    if raw.get("build_search_index"):
        out.unmapped.append("build_search_index: sitegen builds no search index")
    if raw.get("languages") or raw.get("translations"):
        out.unmapped.append("languages/translations: sitegen builds one language")
    markdown = raw.get("markdown") or {}
    for key in ("highlight_theme", "highlighting", "insert_anchor_links", "external_links_target_blank",
                "smart_punctuation", "bottom_footnotes", "extra_syntaxes_and_themes"):
        if key in markdown:
            out.unmapped.append(f"[markdown] {key}: not mapped (sitegen's [markdown] settings differ)")
    for page in sorted((site_dir / "content").rglob("*.md")) if (site_dir / "content").is_dir() else []:
        meta = _front_matter(page)
        if "template" in meta and page.name != "_index.md":
            rel = page.relative_to(site_dir).as_posix()
            out.unmapped.append(f"{rel}: template = {meta['template']!r} (rendered with post.html; "
                                "the value is page.extra.zola_template)")
