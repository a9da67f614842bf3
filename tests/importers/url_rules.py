"""The URLs another generator gives a site, derived from its sources by that generator's documented
rules — written apart from sitegen's code, so that URL parity is checked, not assumed.

- Zola (getzola.org/documentation/content/page/, …/section/): `path` wins; else the section's
  folder + the slug (front matter `slug`, else the file or bundle-folder name with a leading
  YYYY-MM-DD date removed), slugified by `slugify.paths`; `aliases` are paths from the root,
  `.html` ones are files. Files in a bundle folder sit beside its page.
- Hugo (gohugo.io/content-management/urls/): `url` wins; else `[permalinks]` for the section
  (its `:slug` is the `slug`, else the title urlized); else /section/ + `slug` or the file or
  bundle-folder name, lower-cased. A relative alias sits beside the page's URL.
- Jekyll (jekyllrb.com/docs/permalinks/): `permalink` front matter, else the site's style
  (`date` by default) with :categories, :year, :month, :day, :title.

Used by tests/importers and benchmarks/bench_import.py.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

import yaml

DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[_-]?")


def front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text("utf-8")
    fence = text[:3]
    if fence not in ("+++", "---"):
        return {}
    end = text.find("\n" + fence, 3)
    block = text[3:end]
    return (tomllib.loads(block) if fence == "+++" else yaml.safe_load(block)) or {}


def zola_slug(text: str, strategy: str) -> str:
    if strategy == "on":  # the `slug` crate: ASCII, lower case, runs of other characters → one '-'
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    stripped = re.sub(r'[<>:/|?*#\\"\n]', "", text.rstrip(" ."))
    return stripped.replace(" ", "-") if strategy == "safe" else stripped


def _as_file_or_folder(url: str) -> str:
    """The output file a URL names: /x/ → x/index.html, /x.html → x.html."""
    url = "/" + url.lstrip("/")
    last = url.rstrip("/").rsplit("/", 1)[-1]
    if not url.endswith("/") and "." in last:
        return url[1:]
    return url.strip("/") + "/index.html" if url.strip("/") else "index.html"


def alias_file(alias: str, suffixes: tuple[str, ...]) -> str:
    """The file Zola and Hugo write for an alias: the alias itself when its last segment ends with one
    of the HTML suffixes (Zola: `.html`, its `render_alias`; Hugo: `.html` or `.htm`, the suffixes of
    its HTML output format, `targetPathAlias`), case-sensitively; any other alias is a folder with an
    index.html (`/x.php` → x.php/index.html, `/Old.HTML` → Old.HTML/index.html)."""
    path = "/" + alias.strip().lstrip("/")
    last = path.rsplit("/", 1)[-1]
    if last.endswith(suffixes):
        return path[1:]
    return path.strip("/") + "/index.html" if path.strip("/") else "index.html"


def jekyll_alias_file(alias: str) -> str:
    """The file jekyll-redirect-from writes: a page whose permalink is the alias, written where Jekyll
    writes any page (`Page#destination`): a URL ending in `/` gets index.html, and `.html` (the redirect
    page's output extension) is added unless the URL ends with it (`/old` → old.html, `/x.htm` → x.htm.html)."""
    path = "/" + alias.strip().lstrip("/")
    if path.endswith("/"):
        path += "index"
    if not path.endswith(".html"):
        path += ".html"
    return path[1:]


def zola(site: Path, strategy: str = "on") -> dict[str, set[str]]:
    """{"pages": output files of pages, "aliases": of redirects, "assets": of bundle files}."""
    content = site / "content"
    found: dict[str, set[str]] = {"pages": set(), "aliases": set(), "assets": set()}
    _static(site, found)
    for page in sorted(content.rglob("*.md")):
        if page.name == "_index.md":
            continue
        meta = front_matter(page)
        if meta.get("draft"):
            continue
        rel = page.relative_to(content)
        bundle = page.stem == "index" and rel.parent != Path(".")
        folder = rel.parent.parent if bundle else rel.parent
        if "path" in meta:
            url = "/" + meta["path"].strip("/") + ("" if meta["path"].endswith(".html") else "/")
        else:
            name = meta.get("slug") or DATE_PREFIX.sub("", rel.parent.name if bundle else page.stem)
            slug = meta.get("slug") or zola_slug(name, strategy)
            url = "/" + "/".join([*folder.parts, slug]) + "/"
        found["pages"].add(_as_file_or_folder(url))
        for alias in meta.get("aliases", []):
            found["aliases"].add(alias_file(alias, (".html",)))
        if bundle:
            for other in page.parent.rglob("*"):
                if other.is_file() and other.suffix not in (".md", ".markdown"):
                    found["assets"].add(url.strip("/") + "/" + other.relative_to(page.parent).as_posix())
    return found


def _static(site: Path, found: dict[str, set[str]]) -> None:
    """Hugo and Zola copy static/ to the root of the site as it is."""
    static = site / "static"
    for path in static.rglob("*") if static.is_dir() else []:
        if path.is_file() and not path.name.startswith("."):
            found["assets"].add(path.relative_to(static).as_posix())


def hugo_sanitize(text: str) -> str:
    """Hugo's `paths.Sanitize` (common/paths/path.go): letters, digits, marks and `./\\_#+~-@` are kept
    (`%` only before two hex digits), a run of spaces between kept characters is one `-`, anything
    else is dropped: "Vim (text editor)" → "Vim-text-editor", "C++" → "C++"."""
    def allowed(i: int, ch: str) -> bool:
        if ch == " ":
            return False
        cat = unicodedata.category(ch)
        return (cat[0] in "LM" or cat == "Nd" or ch in "./\\_#+~-@"
                or (ch == "%" and re.fullmatch(r"[0-9A-Fa-f]{2}", text[i + 1:i + 3]) is not None))

    out: list[str] = []
    pending = was_hyphen = False
    for i, ch in enumerate(text):
        if allowed(i, ch):
            was_hyphen = ch == "-"
            if pending and not was_hyphen:
                out.append("-")
            pending = False
            out.append(ch)
        elif out and not was_hyphen and ch.isspace():
            pending = True
    return "".join(out)


def hugo(site: Path, permalinks: dict[str, str] | None = None, lower: bool = True,
         taxonomies: dict[str, str] | None = None) -> dict[str, set[str]]:
    """Hugo's files (gohugo.io/content-management/urls/): a page's path (its section folders and
    slug or file name, or its expanded permalink) is sanitized and lower-cased unless
    disablePathToLower (`MakePathSanitized`); a front matter `url` is kept as written; aliases are
    kept as written; term pages are at /PLURAL/ + `urlize(term)`. Terms that differ only in case are
    one term, and with disablePathToLower Hugo takes either spelling's URL (not always the same
    one), so such terms are left out of "terms"."""
    content = site / "content"
    found: dict[str, set[str]] = {"pages": set(), "aliases": set(), "assets": set(), "terms": set()}
    _static(site, found)

    def case(url: str) -> str:  # MakePathSanitized
        url = hugo_sanitize(url)
        return url.lower() if lower else url

    spellings: dict[tuple[str, str], set[str]] = {}
    for page in sorted([*content.rglob("*.md"), *content.rglob("*.markdown")]):
        if page.name == "_index.md":
            continue
        meta = {k.lower(): v for k, v in front_matter(page).items()}
        expiry, publish = meta.get("expirydate"), meta.get("publishdate")
        today = dt.date.today()
        if (meta.get("draft") or (expiry is not None and _day(expiry) <= today)
                or (publish is not None and _day(publish) > today)):
            continue  # Hugo builds neither drafts, nor expired nor future pages
        rel = page.relative_to(content)
        bundle = page.stem == "index" and rel.parent != Path(".")
        folder = rel.parent.parent if bundle else rel.parent
        section = folder.parts[0] if folder.parts else ""
        name = rel.parent.name if bundle else page.stem
        slug = meta.get("slug") or name
        if "url" in meta:
            url = "/" + meta["url"].strip("/") + "/"
        elif section in (permalinks or {}):
            date = meta.get("date")
            ymd = (f"{date.year:04d}", f"{date.month:02d}", f"{date.day:02d}") if date else ("", "", "")
            url = permalinks[section]
            title = case(meta.get("title", name))  # urlize
            for key, value in (("year", ymd[0]), ("month", ymd[1]), ("day", ymd[2]),
                               ("slug", meta.get("slug") or title), ("filename", name), ("section", section),
                               ("title", title)):
                url = url.replace(":" + key, value)
            url = case(url)
        else:
            url = case("/" + "/".join([*folder.parts, slug]) + "/")
        found["pages"].add(_as_file_or_folder(url))
        for alias in meta.get("aliases", []):
            if not alias.startswith("/"):
                alias = url.rstrip("/").rsplit("/", 1)[0] + "/" + alias
            found["aliases"].add(alias_file(alias, (".html", ".htm")))
        if bundle:
            for other in page.parent.rglob("*"):
                if other.is_file() and other.suffix not in (".md", ".markdown"):
                    found["assets"].add(url.strip("/") + "/" + other.relative_to(page.parent).as_posix())
        for plural in (taxonomies or {"tag": "tags", "category": "categories"}).values():
            terms = meta.get(plural) or []
            for term in [terms] if isinstance(terms, str) else terms:
                spellings.setdefault((plural, hugo_sanitize(str(term)).lower()), set()).add(case(str(term)))
    for (plural, _), urls in spellings.items():
        if len(urls) == 1:
            found["terms"].add(f"{plural}/{next(iter(urls))}/index.html")
    return found


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


JEKYLL_STYLES = {"date": "/:categories/:year/:month/:day/:title:output_ext",
                 "pretty": "/:categories/:year/:month/:day/:title/", "none": "/:categories/:title:output_ext",
                 "ordinal": "/:categories/:year/:y_day/:title:output_ext"}
JEKYLL_EXCLUDE = [".sass-cache", ".jekyll-cache", "gemfiles", "Gemfile", "Gemfile.lock", "node_modules",
                  "vendor/bundle", "vendor/cache", "vendor/gems", "vendor/ruby"]


def _jekyll_url(pattern: str, values: dict[str, str]) -> str:
    for key in sorted(values, key=len, reverse=True):  # :title before :t…, :output_ext whole
        pattern = pattern.replace(":" + key, values[key])
    return re.sub("/+", "/", pattern)


def _jekyll_file(url: str) -> str:
    """Jekyll writes a URL without extension or trailing slash as that name + .html."""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    return _as_file_or_folder(url if url.endswith("/") or "." in last else url + ".html")


def _has_front_matter(path: Path) -> bool:
    return path.read_bytes()[:3] == b"---"


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = (_deep_merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict)
                       else value)
    return merged


def jekyll_defaults(config: dict[str, Any], rel_path: str, kind: str) -> dict[str, Any]:
    """Jekyll's front matter defaults for a file (lib/jekyll/frontmatter_defaults.rb, `all`): a set
    applies when its scope's `type` is the file's (`posts`, `pages`, a collection's label) or absent,
    and its `path` is empty or a prefix of the file's path from the site (a `*` pattern: any file it
    globs); walking the sets in order, one with a longer path, or as long with a `type`, merges over
    what came before, any other one under it."""
    found: dict[str, Any] = {}
    old: dict[str, Any] | None = None
    for entry in config.get("defaults") or []:
        scope, values = entry.get("scope") or {}, entry.get("values")
        if not isinstance(values, dict):
            continue
        kind_ok = "type" not in scope or {"post": "posts", "page": "pages"}.get(scope["type"], scope["type"]) == kind
        path = str(scope.get("path") or "").lstrip("/")
        if "*" in path:
            pattern = re.escape(path).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*")
            parts = rel_path.split("/")
            path_ok = any(re.fullmatch(pattern, "/".join(parts[:i])) for i in range(1, len(parts) + 1))
        else:
            path_ok = rel_path.startswith(path)
        if not (kind_ok and path_ok):
            continue
        old_path = str((old or {}).get("path") or "").lstrip("/")
        if old is None or (len(path) >= len(old_path) if len(path) != len(old_path)
                           else "type" in scope or "type" not in old):
            found, old = _deep_merge(found, values), scope
        else:
            found = _deep_merge(values, found)
    return found


def jekyll(site: Path, permalink: str | None = None) -> dict[str, set[str]]:
    """Jekyll's URLs for a site read in place (jekyllrb.com/docs/permalinks/, /collections/,
    /static-files/, /configuration/options/): posts by the `permalink` style; collection documents
    by their collection's permalink (default /:collection/:path:output_ext); pages with front
    matter at /:path/:basename:output_ext (a folder with `pretty`); files without front matter
    copied at their own path (not Markdown ones: sitegen leaves those out, and Liquid pages such
    as feed.xml, which sitegen makes its own way, are not counted). `_` and `.` paths, `exclude:`
    and Jekyll's default excludes are never published, nor are drafts, `published: false` and
    collections without `output`."""
    config = yaml.safe_load((site / "_config.yml").read_text("utf-8")) or {}
    style = permalink or str(config.get("permalink") or "date")
    post_pattern = JEKYLL_STYLES.get(style, style)
    exclude = [*JEKYLL_EXCLUDE, *(str(e).rstrip("/") for e in config.get("exclude") or [])]
    collections = {str(k): (v or {}) for k, v in (config.get("collections") or {}).items()}
    found: dict[str, set[str]] = {"pages": set(), "aliases": set(), "assets": set()}

    def redirects(meta: dict[str, Any]) -> None:
        value = meta.get("redirect_from") or []
        for alias in [value] if isinstance(value, str) else value:
            found["aliases"].add(jekyll_alias_file(alias))

    def read(path: Path, kind: str) -> dict[str, Any]:  # front matter over the defaults
        return _deep_merge(jekyll_defaults(config, path.relative_to(site).as_posix(), kind), front_matter(path))

    for page in sorted([*(site / "_posts").rglob("*.md"), *(site / "_posts").rglob("*.markdown")]):
        meta = read(page, "posts")
        if meta.get("published") is False:
            continue
        match = re.match(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$", page.stem)
        assert match, page
        year, month, day, title = match.groups()
        if meta.get("date"):  # "A date here overrides the date from the name of the post."
            when = meta["date"]
            when = when if isinstance(when, (dt.date, dt.datetime)) else dt.date.fromisoformat(str(when)[:10])
            year, month, day = f"{when.year:04d}", f"{when.month:02d}", f"{when.day:02d}"
        cats = meta.get("categories") or meta.get("category") or []
        cats = cats.split() if isinstance(cats, str) else cats
        url = _jekyll_url(meta.get("permalink") or post_pattern, {
            "categories": "/".join(str(c).lower() for c in cats), "year": year, "month": month, "day": day,
            "title": meta.get("slug") or title, "output_ext": ".html"})
        found["pages"].add(_jekyll_file(url))
        redirects(meta)
    for name, settings in collections.items():
        if name == "posts" or not settings.get("output"):
            continue
        folder = site / f"_{name}"
        for doc in sorted([*folder.rglob("*.md"), *folder.rglob("*.markdown")]):
            meta = read(doc, name)
            inside = doc.relative_to(folder).with_suffix("").as_posix()
            url = _jekyll_url(meta.get("permalink") or settings.get("permalink") or "/:collection/:path:output_ext",
                              {"collection": name, "path": inside, "name": doc.stem, "title": doc.stem,
                               "output_ext": ".html"})
            found["pages"].add(_jekyll_file(url))
            redirects(meta)
    included = {str(p).strip("/") for p in config.get("include") or []}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site)
        parts = rel.parts
        if not path.is_file() or rel.as_posix() == "sitegen.toml" or any(
                p.startswith(("_", ".")) and not (i == 0 and p in included and len(parts) > 1)
                for i, p in enumerate(parts)):
            continue
        if any(rel.as_posix() == e or rel.as_posix().startswith(e + "/") or re.fullmatch(
                re.escape(e).replace("\\*", ".*"), parts[0]) for e in exclude):
            continue
        if path.suffix in (".md", ".markdown") and not _has_front_matter(path):
            continue  # Jekyll copies it as it is; sitegen leaves it out (init lists it)
        if not _has_front_matter(path):
            found["assets"].add(rel.as_posix())  # a static file, copied as it is
        elif path.suffix in (".md", ".markdown"):
            meta = read(path, "pages")
            if rel.as_posix() == "index.md":
                continue  # the home page
            stem = rel.with_suffix("").as_posix()
            url = meta.get("permalink") or ("/" + stem + ("/" if style == "pretty" else ".html"))
            found["pages"].add(_jekyll_file(url))
            redirects(meta)
    return found


def parity(expected: dict[str, set[str]], out: Path) -> dict[str, tuple[int, int, list[str]]]:
    """Per kind: (present, expected, a few missing) against the files of a built site."""
    result = {}
    for kind, files in expected.items():
        missing = sorted(f for f in files if not (out / f).is_file())
        result[kind] = (len(files) - len(missing), len(files), missing[:10])
    return result
