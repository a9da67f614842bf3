"""Turn one content file into a `PageRecord`: validated front matter plus what rendering found.

Pure apart from the renderer it is handed. A record is small and picklable: the body HTML
lives in the body store, keyed by `body_key`, so the incremental engine can keep thousands of
records in memory and load bodies only for the outputs that need them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import posixpath
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol
from urllib.parse import unquote

from sitegen import defaults
from sitegen import frontmatter as fm
from sitegen.config import CollectionConfig, SiteConfig
from sitegen.errors import ContentError, SitegenError
from sitegen.importers import lift, translate
from sitegen.urls import expand, hugo_path, make_slug, slugify

# Keys with a meaning of their own; every other front matter key reaches templates as page.extra.
KNOWN_KEYS = frozenset({
    "title", "description", "published", "date", "updated", "draft", "slug", "layout", "mastodon", "bluesky",
    "url", "url_pattern", "aliases", "authors", "weight", "publish_date", "expiry_date",
})
BUNDLE_PAGE = "index.md"
BUNDLE_PAGES = ("index.md", "index.markdown")
"""`post/index.md` is the page of a bundle: it takes the folder's name, and the folder's other files
are published beside it."""
SECTION_PAGE = "_index.md"
SECTION_PAGES = ("_index.md", "_index.markdown")
"""`blog/_index.md` is a collection's own page: its title and intro text for the list, and settings."""


def is_section(key: str) -> bool:
    return key.rsplit("/", 1)[-1] in SECTION_PAGES


def is_bundle(key: str) -> bool:
    return "/" in key and key.rsplit("/", 1)[-1] in BUNDLE_PAGES


def page_stem(key: str) -> str:
    """The name a page's slug comes from: the file's name, or a bundle's folder name."""
    if is_bundle(key):
        return posixpath.basename(posixpath.dirname(key))
    return posixpath.splitext(posixpath.basename(key))[0]


def collection_name(key: str, folders: Mapping[str, str] | Collection[str]) -> str:
    """A file's collection: the one its top-level folder holds (`folders`, from
    `SiteConfig.folder_collections`, or a set of collection names), else
    `pages` (top-level pages, pages in other folders, and
    top-level bundles such as `my-post/index.md`)."""
    first = key.split("/", 1)[0] if "/" in key else ""
    if not isinstance(folders, Mapping):  # a set of collection names, each its own folder
        return first if first in folders else "pages"
    return folders.get(first, "pages")


def page_path(key: str, coll: CollectionConfig) -> str:
    """The `{path}` placeholder: the page's path under its collection's folder, without the
    extension (`docs/guide.md` → `docs/guide`; a bundle is its folder)."""
    first = key.split("/", 1)[0] if "/" in key else ""
    inside = key.split("/", 1)[1] if first and first in (coll.folder or coll.name, coll.drafts_folder) else key
    if is_bundle(inside) or is_bundle("/" + inside):
        return posixpath.dirname(inside) or page_stem(key)
    return posixpath.splitext(inside)[0]


class TocEntry(NamedTuple):
    level: int
    id: str
    text: str


class Rendered(Protocol):
    html: str
    toc: tuple[Any, ...]
    summary: str
    links: tuple[str, ...]
    md_links: tuple[str, ...]
    images: tuple[str, ...]
    has_math: bool
    steps: tuple[str, ...]
    step_hashes: tuple[str, ...]


@dataclass
class PageRecord:
    key: str
    """Source path relative to content/, with '/' separators; the page's identity."""
    collection: str
    title: str
    slug: str
    path_url: str
    """URL path, not percent-encoded ('/tags/c++/'); `href()` encodes it."""
    date: dt.datetime | None
    updated: dt.datetime | None
    draft: bool
    terms: dict[str, tuple[str, ...]]
    """Taxonomy name → terms as written (tags)."""
    description: str
    """Front matter description, or the first paragraph cut at a word boundary."""
    mastodon: str | None
    bluesky_url: str | None
    layout: str | None
    extra: dict[str, Any]
    body_key: str
    """Key of the rendered body in the body store."""
    source_hash: str
    toc: tuple[Any, ...] = ()
    md_links: tuple[str, ...] = ()
    """Link targets of other pages as written (`../x.md#y`, `@/blog/x.md`); resolved to URLs
    when the body is used."""
    md_link_lines: tuple[int, ...] = ()
    """The source line of each of `md_links`, for reporting one that leads nowhere."""
    unknown_shortcodes: tuple[tuple[str, int], ...] = ()
    """(shortcode, line) of each Hugo/Zola shortcode left as written."""
    has_math: bool = False
    steps: tuple[str, ...] = ()
    step_hashes: tuple[str, ...] = ()
    """Hash of each step's text (parallel to `steps`), compared with the verification record."""
    verification: tuple[Any, ...] = ()
    """Each step's `sitegen.verification.StepState`, from the record the build read."""
    word_count: int = 0
    title_html: str = ""
    """The title with its inline Markdown rendered (`code`, *emphasis*)."""
    title_text: str = ""
    """The title as plain words, for <title>, meta tags and feeds."""
    description_html: str = ""
    """The description as HTML: inline Markdown when written, the escaped summary otherwise."""
    includes: tuple[str, ...] = field(default_factory=tuple)
    """Project files pulled in by `include=` step blocks; a change to one re-renders the page."""
    images: tuple[str, ...] = ()
    """`src` of each Markdown image, as the renderer left it (placeholders in the body)."""
    image_files: tuple[str, ...] = ()
    """Site-relative image files those resolve to; a change to one processes the page again."""
    pictures: dict[str, Any] = field(default_factory=dict)
    """src → `sitegen.images.markup.Picture` (size and variant URLs) for each processed image."""
    aliases: tuple[str, ...] = ()
    """Old URL paths of this page (`aliases`, Jekyll's `redirect_from`): each gets a redirect page."""
    authors: tuple[str, ...] = ()
    weight: int | None = None
    """Order in collections sorted by weight (Zola's and Hugo's `weight`)."""
    section: bool = False
    """The collection's own page (`_index.md`): shown on its list, not published or listed itself."""

    @property
    def link(self) -> str | None:
        """The page a link post shares (`link:` or `repost_link:`)."""
        value = self.extra.get("link") or self.extra.get("repost_link")
        return value if isinstance(value, str) else None

    def md_target(self, written: str, pages: Mapping[str, Any] | None = None) -> str:
        """Resolve a link to another page, as written in this page, to a page key.

        A relative path starts from this page's folder; `@/path` from content/ (Zola). Given
        the site's `pages`, a path that is no page's file is also tried as Hugo's `ref` finds
        pages: with `.md`, as a bundle (`path/index.md`, `path/_index.md`), then from content/.
        """
        target = unquote(written.split("#", 1)[0].split("?", 1)[0])
        if target.startswith("@/"):
            key = posixpath.normpath(target[2:]).lstrip("/")
            from_root = key
        else:
            key = posixpath.normpath(posixpath.join(posixpath.dirname(self.key), target)).lstrip("/")
            from_root = posixpath.normpath(target).lstrip("/")
        if pages is None or key in pages:
            return key
        for base in dict.fromkeys((key, from_root)):
            stem = base[:-3] if base.endswith(".md") else base
            for candidate in (base, f"{base}.md", f"{stem}/index.md", f"{stem}/_index.md"):
                if candidate in pages:
                    return candidate
        return key


def source_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def cut_summary(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:.—-")
    return (cut or text[:limit]) + "…"


def _str_field(doc: fm.Document, source: str, key: str, required: bool = False) -> str | None:
    value = doc.meta.get(key)
    if value is None:
        if required:
            raise ContentError(f"`{key}` is required in the front matter", source, 2)
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key == "title":
        return str(value)
    if not isinstance(value, str):
        raise fm.field_error(doc, source, key, f"must be text, not {type(value).__name__} {value!r}")
    return value


def _date_field(doc: fm.Document, source: str, key: str, site: SiteConfig) -> dt.datetime | None:
    if key not in doc.meta or doc.meta[key] is None:
        return None
    when = fm.parse_date(doc.meta[key], site.tz)
    if when is None:
        raise fm.field_error(
            doc, source, key,
            f"{doc.meta[key]!r} is not a date (use Unix seconds, 2024-05-01 or 2024-05-01T09:30:00+02:00)",
        )
    return when


def _terms(doc: fm.Document, source: str, name: str) -> tuple[str, ...]:
    value = doc.meta.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    names_ok = isinstance(value, list) and all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
    )
    if not names_ok:
        raise fm.field_error(doc, source, name, f"must be a list of names, like [rust, nix], not {value!r}")
    seen: dict[str, None] = {}
    for v in value:
        text = str(v).strip()
        if text:
            seen[text] = None
    return tuple(seen)


def _string_list(doc: fm.Document, source: str, key: str) -> tuple[str, ...]:
    value = doc.meta.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fm.field_error(doc, source, key, f"must be a list of text, like [\"a\", \"b\"], not {value!r}")
    return tuple(v for v in value if v.strip())


def _alias_paths(doc: fm.Document, source: str, page_url: str, relative_to_page: bool) -> tuple[str, ...]:
    """Old URLs as paths from the root. A relative one is from the root too (Zola, Jekyll), or
    beside the page (Hugo: `old.html` on /2021/05/post/ is /2021/05/old.html)."""
    paths = []
    base = posixpath.dirname(page_url.rstrip("/")) if relative_to_page else "/"
    for alias in _string_list(doc, source, "aliases"):
        alias = alias.strip()
        if alias.startswith(("http://", "https://")):
            raise fm.field_error(doc, source, "aliases", f"{alias!r} is a full URL; give the old path, like /2016/old/")
        if not alias.startswith("/"):
            joined = posixpath.normpath(posixpath.join(base, alias))
            alias = joined + ("/" if alias.endswith("/") and joined != "/" else "")
        paths.append("/" + alias.lstrip("/"))
    return tuple(dict.fromkeys(paths))


def _explicit_url(doc: fm.Document, source: str) -> str | None:
    url = _str_field(doc, source, "url")
    if url is None:
        return None
    if not url.startswith("/") or "//" in url:
        raise fm.field_error(doc, source, "url", f"{url!r} must be a path from the site root, like /2016/09/29/x/")
    return url


def _slug(doc: fm.Document, source: str, stem: str, site: SiteConfig) -> str:
    slug = _str_field(doc, source, "slug")
    if slug is not None:
        if not slug or "/" in slug or "\\" in slug or slug in (".", ".."):
            raise fm.field_error(doc, source, "slug", f"{slug!r} must be one URL segment without '/'")
        return hugo_path(slug, site.slugs != "safe") if site.conventions == "hugo" else slug
    if site.conventions == "hugo":  # Hugo keeps a date at the front of a file name in the URL
        return hugo_path(stem, site.slugs != "safe")
    return make_slug(fm.strip_date_prefix(stem), site.slugs)


def parse_page(
    data: bytes, key: str, coll: CollectionConfig, site: SiteConfig
) -> tuple[fm.Document, PageRecord]:
    """Validate front matter and work out URL and dates; the body is rendered separately."""
    source = site.source_name(key)
    doc = fm.split(fm.decode(data, source), source, required=site.conventions == "sitegen")
    if site.defaults:
        # `[[content.defaults]]` (Jekyll's `defaults:`) under the page's own front matter; a draft
        # in the collection's drafts folder is also of the type `drafts`.
        in_drafts = bool(coll.drafts_folder) and key.startswith(coll.drafts_folder + "/")
        kinds = (coll.name, "drafts") if in_drafts else (coll.name,)
        found = defaults.for_page(site.defaults, key, kinds)
        if found:
            doc = dataclasses.replace(doc, meta=defaults.merge(found, doc.meta))
    if site.conventions != "sitegen":
        found = translate(doc.meta, key, site.conventions)
        doc = dataclasses.replace(doc, meta=found.meta, written_as=found.written_as)
    meta = doc.meta
    # Jekyll's index.md at the top, or a page whose permalink is `/`, is the home page's own text,
    # like a root `_index.md`.
    section = is_section(key) or (site.conventions == "jekyll" and coll.name == "pages"
                                  and (key in ("index.md", "index.markdown") or meta.get("url_pattern") == "/"))
    stem = page_stem(key)

    title = _str_field(doc, source, "title") or ""
    date = _date_field(doc, source, "published" if "published" in meta else "date", site)
    publish = _date_field(doc, source, "publish_date", site)
    if date is None:
        date = publish
    if date is None and site.conventions != "hugo":
        date = fm.date_from_filename(stem, site.tz)
    if date is None and coll.dated and site.conventions == "sitegen" and not section:
        raise ContentError(
            "no date: add `published:` (Unix seconds or 2024-05-01) or name the file 2024-05-01-title.md",
            source, 1,
        )
    updated = _date_field(doc, source, "updated", site)
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        raise fm.field_error(doc, source, "draft", f"must be true or false, not {draft!r}")
    # A page in the collection's drafts folder (Jekyll's `_drafts/`) is a draft.
    draft = draft or bool(coll.drafts_folder and key.startswith(coll.drafts_folder + "/"))
    # Hugo's publishDate in the future and expiryDate in the past keep a page out, like a draft.
    expiry = _date_field(doc, source, "expiry_date", site)
    if publish is not None or expiry is not None:
        now = dt.datetime.now(site.tz)
        draft = draft or (publish is not None and publish > now) or (expiry is not None and expiry <= now)

    slug = _slug(doc, source, stem, site)
    hugo = site.conventions == "hugo"
    # Hugo's paths are sanitized, and lower-cased unless `disablePathToLower` ([content] slugs = "safe").
    title_slug = hugo_path(title or stem, site.slugs != "safe") if hugo else slugify(title or stem)
    terms = {tax.name: _terms(doc, source, tax.name) for tax in site.taxonomies}
    categories = _terms(doc, source, "categories") if "categories" not in terms else terms["categories"]
    placeholders = {
        "slug": slug,
        "stem": stem.lower(),
        "collection": coll.name,
        "section": coll.name,
        "path": page_path(key, coll),
        "title": title_slug,
        # Hugo's :slug is the front matter slug, else the title (not the file name).
        "slugortitle": slug if meta.get("slug") is not None else title_slug,
        "categories": "/".join(slugify(c) for c in categories),
        "year": f"{date.year:04d}" if date else "",
        "month": f"{date.month:02d}" if date else "",
        "day": f"{date.day:02d}" if date else "",
        "i_month": str(date.month) if date else "",
        "i_day": str(date.day) if date else "",
        "short_year": f"{date.year % 100:02d}" if date else "",
    }
    pattern = _str_field(doc, source, "url_pattern")
    try:
        explicit = _explicit_url(doc, source)
        if pattern is not None:
            try:
                explicit = expand(pattern, placeholders)
            except SitegenError as exc:
                raise fm.field_error(doc, source, "url_pattern", exc.message) from None
        if section:
            path_url = "/" if "/" not in key or not is_section(key) else coll.url
        else:
            path_url = explicit or expand(coll.permalink, placeholders)
            if hugo and not explicit:  # the whole path, section folders too; a `url` is kept as written
                path_url = hugo_path(path_url, site.slugs != "safe")
            # Jekyll writes a permalink without an extension or a trailing slash as NAME.html.
            last = path_url.rsplit("/", 1)[-1]
            if site.conventions == "jekyll" and last and "." not in last:
                path_url += ".html"
    except SitegenError as exc:
        if isinstance(exc, ContentError):
            raise
        raise ContentError(f"collection {coll.name!r}: {exc.message}", "sitegen.toml") from None

    description = _str_field(doc, source, "description")
    mastodon = _str_field(doc, source, "mastodon")
    if mastodon is not None and not mastodon.startswith(("https://", "http://")):
        raise fm.field_error(doc, source, "mastodon", f"must be the post's https:// URL, not {mastodon!r}")
    bluesky = _str_field(doc, source, "bluesky")
    bluesky_url = None
    if bluesky is not None:
        bluesky_url = bluesky if bluesky.startswith("https://bsky.app/") else fm.bluesky_web_url(bluesky)
        if bluesky_url is None:
            raise fm.field_error(
                doc, source, "bluesky", f"must look like at://<did>/app.bsky.feed.post/<id>, not {bluesky!r}"
            )
    layout = _str_field(doc, source, "layout")
    weight = meta.get("weight")
    if weight is not None and (not isinstance(weight, int) or isinstance(weight, bool)):
        raise fm.field_error(doc, source, "weight", f"must be a whole number, not {weight!r}")
    extra = {k: v for k, v in meta.items() if k not in KNOWN_KEYS and k not in terms}
    # `[extra] team = …` (Zola) is page.extra.team, not page.extra.extra.team.
    lift(extra, "extra")

    record = PageRecord(
        key=key,
        collection=coll.name,
        title=title or fm.strip_date_prefix(stem),
        slug=slug,
        path_url=path_url,
        date=date,
        updated=updated,
        draft=draft,
        terms=terms,
        description=(description or "").strip(),
        mastodon=mastodon,
        bluesky_url=bluesky_url,
        layout=layout,
        extra=extra,
        body_key="",
        source_hash=source_digest(data),
        aliases=() if is_section(key) else _alias_paths(doc, source, path_url, site.conventions == "hugo"),
        authors=_string_list(doc, source, "authors"),
        weight=weight,
        section=section,
    )
    return doc, record


def apply_inline(record: PageRecord, render_inline: Callable[..., tuple[str, str]]) -> None:
    """Render the title and a written description as inline Markdown (before apply_rendered)."""
    record.title_html, record.title_text = render_inline(record.title, links=False)
    if record.description:
        record.description_html, record.description = render_inline(record.description)


def apply_rendered(record: PageRecord, rendered: Rendered, body_key: str, summary_length: int) -> None:
    """Fill in what rendering the body found."""
    record.body_key = body_key
    # Plain tuples, so loading the manifest never imports the Markdown renderer.
    record.toc = tuple(TocEntry(h.level, h.id, h.text) for h in rendered.toc)
    record.md_links = tuple(rendered.md_links)
    record.md_link_lines = tuple(rendered.md_link_lines)
    record.unknown_shortcodes = tuple(rendered.unknown_shortcodes)
    record.images = tuple(dict.fromkeys(rendered.images))
    record.has_math = rendered.has_math
    record.steps = tuple(rendered.steps)
    record.step_hashes = tuple(rendered.step_hashes)
    record.word_count = len(rendered.summary.split()) if not rendered.html else _count_words(rendered.html)
    if not record.description:
        # A summary the author ended with `<!-- more -->` is kept whole.
        summary = rendered.summary
        record.description = summary if rendered.summary_marked else cut_summary(summary, summary_length)
        record.description_html = html.escape(record.description, quote=False)


def _count_words(html: str) -> int:
    # Counting words in HTML without parsing it: tags are dropped by splitting on '<' and '>'
    # (every other chunk is a tag's inside). The text chunks are joined by a space, so a word
    # never runs on into the next chunk's, and split once.
    return len(" ".join(html.replace(">", "<").split("<")[::2]).split())
