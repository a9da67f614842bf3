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


def zola(site: Path, strategy: str = "on") -> dict[str, set[str]]:
    """{"pages": output files of pages, "aliases": of redirects, "assets": of bundle files}."""
    content = site / "content"
    found: dict[str, set[str]] = {"pages": set(), "aliases": set(), "assets": set()}
    for page in sorted(content.rglob("*.md")):
        if page.name == "_index.md":
            continue
        meta = front_matter(page)
        if meta.get("draft"):
            continue
        rel = page.relative_to(content)
        bundle = page.name == "index.md" and rel.parent != Path(".")
        folder = rel.parent.parent if bundle else rel.parent
        if "path" in meta:
            url = "/" + meta["path"].strip("/") + ("" if meta["path"].endswith(".html") else "/")
        else:
            name = meta.get("slug") or DATE_PREFIX.sub("", rel.parent.name if bundle else page.stem)
            slug = meta.get("slug") or zola_slug(name, strategy)
            url = "/" + "/".join([*folder.parts, slug]) + "/"
        found["pages"].add(_as_file_or_folder(url))
        for alias in meta.get("aliases", []):
            found["aliases"].add(_as_file_or_folder(alias))
        if bundle:
            for other in page.parent.rglob("*"):
                if other.is_file() and other.suffix != ".md":
                    found["assets"].add(url.strip("/") + "/" + other.relative_to(page.parent).as_posix())
    return found


def hugo(site: Path, permalinks: dict[str, str] | None = None) -> dict[str, set[str]]:
    content = site / "content"
    found: dict[str, set[str]] = {"pages": set(), "aliases": set(), "assets": set()}
    for page in sorted(content.rglob("*.md")):
        if page.name == "_index.md":
            continue
        meta = {k.lower(): v for k, v in front_matter(page).items()}
        expiry, publish = meta.get("expirydate"), meta.get("publishdate")
        today = dt.date.today()
        if (meta.get("draft") or (expiry is not None and _day(expiry) <= today)
                or (publish is not None and _day(publish) > today)):
            continue  # Hugo builds neither drafts, nor expired nor future pages
        rel = page.relative_to(content)
        bundle = page.name == "index.md" and rel.parent != Path(".")
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
            title_slug = meta.get("slug") or zola_slug(meta.get("title", name), "on")
            for key, value in (("year", ymd[0]), ("month", ymd[1]), ("day", ymd[2]), ("slug", title_slug),
                               ("filename", name), ("section", section),
                               ("title", zola_slug(meta.get("title", name), "on"))):
                url = url.replace(":" + key, value)
        else:
            url = "/" + "/".join([*folder.parts, slug]) + "/"
        found["pages"].add(_as_file_or_folder(url.lower()))
        for alias in meta.get("aliases", []):
            if not alias.startswith("/"):
                alias = url.lower().rstrip("/").rsplit("/", 1)[0] + "/" + alias
            found["aliases"].add(_as_file_or_folder(alias))
        if bundle:
            for other in page.parent.rglob("*"):
                if other.is_file() and other.suffix != ".md":
                    found["assets"].add(url.lower().strip("/") + "/" + other.relative_to(page.parent).as_posix())
    return found


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def jekyll(site: Path, permalink: str = "date", posts: str = "_posts") -> dict[str, set[str]]:
    styles = {"date": "/:categories/:year/:month/:day/:title:output_ext",
              "pretty": "/:categories/:year/:month/:day/:title/", "none": "/:categories/:title:output_ext"}
    found: dict[str, set[str]] = {"pages": set(), "aliases": set(), "assets": set()}
    for page in sorted([*(site / posts).rglob("*.md"), *(site / posts).rglob("*.markdown")]):
        meta = front_matter(page)
        if meta.get("published") is False:
            continue
        match = re.match(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$", page.stem)
        assert match, page
        year, month, day, title = match.groups()
        cats = meta.get("categories") or meta.get("category") or []
        cats = cats.split() if isinstance(cats, str) else cats
        pattern = meta.get("permalink") or styles.get(permalink, permalink)
        url = pattern
        for key, value in (("categories", "/".join(c.lower() for c in cats)), ("year", year), ("month", month),
                           ("day", day), ("title", meta.get("slug") or title), ("output_ext", ".html")):
            url = url.replace(":" + key, value)
        url = re.sub("/+", "/", url)
        found["pages"].add(_as_file_or_folder(url))
        redirects = meta.get("redirect_from") or []
        for alias in [redirects] if isinstance(redirects, str) else redirects:
            found["aliases"].add(_as_file_or_folder(alias))
    return found


def parity(expected: dict[str, set[str]], out: Path) -> dict[str, tuple[int, int, list[str]]]:
    """Per kind: (present, expected, a few missing) against the files of a built site."""
    result = {}
    for kind, files in expected.items():
        missing = sorted(f for f in files if not (out / f).is_file())
        result[kind] = (len(files) - len(missing), len(files), missing[:10])
    return result
