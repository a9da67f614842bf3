"""What templates see: read-only views over the site model that record what they are asked for.

Every attribute a template reads from a page (`page.title`, `post.content`) or a site-wide list
(`site.collections.blog.pages`) is noted as a dependency of the output being rendered. The
engine stores those per output, so the next build re-renders an output only when something it
actually read has changed — the early cutoff that keeps one-post edits cheap.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import posixpath
from collections.abc import Callable, Iterable, Iterator, Mapping
from html import unescape
from typing import Any

from markupsafe import Markup, escape

from sitegen import __version__
from sitegen.content import PageRecord
from sitegen.model import Site
from sitegen.urls import href, slugify

Dep = tuple[str, str]
"""(page key, field) for page fields; ("?q", query) for site-wide lists; ("?t", name) for templates."""

# Fields a page view exposes; anything else is looked up in `extra` (and recorded as "extra").
PAGE_FIELDS = frozenset({
    "key", "title", "slug", "url", "permalink", "path", "date", "updated", "draft", "description",
    "summary", "mastodon", "bluesky_url", "link", "extra", "collection", "word_count", "reading_time",
    "toc", "has_math", "steps", "source", "content", "older", "newer", "terms", "layout", "md_links",
    "title_html", "title_text", "description_html", "verification", "aliases", "authors", "weight", "section",
})


def field_bits(taxonomies: Iterable[str]) -> dict[str, int]:
    """A bit per page field, so an output's dependencies pack into {page key: bitmask}.

    Stable for a given config (a config change rebuilds everything anyway).
    """
    names = [*sorted(PAGE_FIELDS), *sorted(set(taxonomies) - PAGE_FIELDS)]
    return {name: 1 << i for i, name in enumerate(names)}


def pack(deps: Iterable[Dep], bits: Mapping[str, int]) -> dict[str, int]:
    """{(key, field)} → {key: mask}; site lists and templates become their own keys with mask 1.

    The packed form keeps the manifest small: thousands of outputs × dozens of dependencies
    would otherwise cost more to pickle and load than a whole incremental build.
    """
    packed: dict[str, int] = {}
    extra = bits["extra"]
    for key, name in deps:
        if key[0] == "?":
            packed[key + name] = 1
        else:
            packed[key] = packed.get(key, 0) | bits.get(name, extra)
    return packed


def describe(key: str, mask: int, bits: Mapping[str, int]) -> str:
    """Say which dependency changed, for `build --verbose`."""
    if key.startswith("?t"):
        return f"template {key[2:]} changed"
    if key.startswith("?q"):
        return f"site list {key[2:]} changed"
    names = [name for name, bit in bits.items() if mask & bit]
    return f"{', '.join(names[:3])} of content/{key} changed"


def reading_time(words: int) -> int:
    """Minutes to read, at 220 words a minute; never less than one."""
    return max(1, round(words / 220))


class Recorder:
    """Collects the dependencies of the output currently being rendered (rendering is serial)."""

    def __init__(self) -> None:
        self.deps: set[Dep] = set()

    def take(self) -> frozenset[Dep]:
        deps, self.deps = frozenset(self.deps), set()
        return deps


RECORDER = Recorder()


class Resolver:
    """Turns a record into the values templates read; shared by all views of one build."""

    def __init__(self, site: Site, load_body: Callable[[str], str]) -> None:
        self.site = site
        self.load_body = load_body
        self.base_url = site.config.base_url
        self.taxonomies = {t.name for t in site.config.taxonomies}
        self._hrefs: dict[str, str] = {}
        # Fields that are not plain record attributes.
        self._computed: dict[str, Callable[[PageRecord], Any]] = {
            "content": self._content,
            "verification": _verification,
            "url": self.href,
            "permalink": lambda r: self.base_url + self.href(r),
            "older": lambda r: self._neighbour(r, 0),
            "newer": lambda r: self._neighbour(r, 1),
            "terms": lambda r: {t: [TermView(self, t, term) for term in terms] for t, terms in r.terms.items()},
            "summary": lambda r: r.description,
            "title_html": lambda r: Markup(r.title_html or escape(r.title)),
            "title_text": lambda r: r.title_text or r.title,
            "description_html": lambda r: Markup(r.description_html or escape(r.description)),
            "link": lambda r: r.link,
            "reading_time": lambda r: reading_time(r.word_count),
            "source": lambda r: f"content/{r.key}",
            "path": lambda r: r.path_url,
        }
        self.getters = {name: self._field(name) for name in PAGE_FIELDS}
        """Page field → how to read it (one lookup per `page.x` a template reads)."""

    def _content(self, rec: PageRecord) -> Markup:
        html = self.resolve_images(rec, self.resolve_md_links(rec, self.load_body(rec.body_key)))
        if rec.verification:
            from sitegen.verification import apply_cards

            html = apply_cards(html, rec.verification)
        return Markup(html)

    def view(self, key: str | None) -> PageView | None:
        if key is None or key not in self.site.pages:
            return None
        return PageView(self.site.pages[key], self)

    def resolve_md_links(self, rec: PageRecord, html: str) -> str:
        if not rec.md_links:
            return html
        from sitegen.markdown import md_link_placeholder

        for written in rec.md_links:
            target = self.site.pages.get(rec.md_target(written, self.site.pages))
            frag = "#" + written.split("#", 1)[1] if "#" in written else ""
            url = self.href(target) + frag if target else written
            # Same escaping as the renderer used for the placeholder (`&` → `&amp;`).
            html = html.replace(f'"{md_link_placeholder(written)}"', f'"{url}"')
        return html

    def resolve_images(self, rec: PageRecord, html: str) -> str:
        """Put each image's `<picture>` (or its plain `<img>`, with its size when known) in place."""
        if not rec.images:
            return html
        from sitegen.images.markup import picture_html
        from sitegen.markdown import IMG_TAG_RE

        pictures = rec.pictures
        sizes = self.site.config.images.sizes
        page_url = self.href(rec)

        def replace(match: Any) -> str:
            in_link, src, rest = match.groups()
            pic = pictures.get(unescape(src))
            if pic is None:
                return f'<img src="{src}"{rest}>'
            if not src.startswith("/") and ":" not in src.split("/", 1)[0]:
                # Resolved against the page as the browser would, so the original is also
                # found from a feed or a list page that shows this body.
                src = posixpath.normpath(posixpath.join(page_url, src))
            return picture_html(pic, src, rest, sizes, linked=bool(in_link))

        return IMG_TAG_RE.sub(replace, html)

    def href(self, rec: PageRecord) -> str:
        # Percent-encoding is the costliest part of a URL and list pages ask for it a lot.
        url = self._hrefs.get(rec.key)
        if url is None:
            url = self._hrefs[rec.key] = href(rec.path_url)
        return url

    def field(self, rec: PageRecord, name: str) -> Any:
        get = self.getters.get(name)
        return get(rec) if get is not None else self._field(name)(rec)

    def _field(self, name: str) -> Callable[[PageRecord], Any]:
        """How a field's value is read from a record: computed, a taxonomy's terms, or the attribute."""
        compute = self._computed.get(name)
        if compute is not None:
            return compute
        if name in self.taxonomies:
            return lambda rec: [TermView(self, name, t) for t in rec.terms.get(name, ())]
        return operator.attrgetter(name)

    def _neighbour(self, rec: PageRecord, index: int) -> PageView | None:
        return self.view(self.site.neighbours.get(rec.key, (None, None))[index])


def _verification(rec: PageRecord) -> Any:
    """`page.verification`: the steps' states and their summary, or None for a page without steps."""
    if not rec.verification:
        return None
    from sitegen.verification import PageVerification

    return PageVerification.of(rec.verification)


def snapshot(
    rec: PageRecord, pages: Mapping[str, PageRecord], neighbours: Mapping[str, tuple[str | None, str | None]]
) -> dict[str, Any]:
    """Comparable values of every page field: a field whose value differs between builds is a change.

    Cheap on purpose: the body is represented by its key and the URLs its .md links resolve to.
    Computed from records alone, so last build's values come from last build's records.
    """
    pair = neighbours.get(rec.key, (None, None))
    md_urls = tuple(pages[t].path_url if (t := rec.md_target(w, pages)) in pages else None for w in rec.md_links)
    values = {
        "key": rec.key, "title": rec.title, "slug": rec.slug, "url": rec.path_url, "permalink": rec.path_url,
        "path": rec.path_url, "date": rec.date, "updated": rec.updated, "draft": rec.draft,
        "description": rec.description, "summary": rec.description, "mastodon": rec.mastodon,
        "bluesky_url": rec.bluesky_url, "link": rec.link, "extra": rec.extra, "collection": rec.collection,
        "word_count": rec.word_count, "reading_time": reading_time(rec.word_count), "toc": rec.toc,
        "has_math": rec.has_math, "steps": rec.steps, "source": rec.key,
        "content": (rec.body_key, md_urls, rec.pictures, rec.verification), "verification": rec.verification,
        "older": pair[0], "newer": pair[1], "terms": rec.terms, "layout": rec.layout,
        "md_links": rec.md_links, "title_html": rec.title_html, "title_text": rec.title_text,
        "description_html": rec.description_html, "aliases": rec.aliases, "authors": rec.authors,
        "weight": rec.weight, "section": rec.section,
    }
    for tax, terms in rec.terms.items():
        values[tax] = terms
    return values


class PageView:
    """A page as templates see it."""

    __slots__ = ("_rec", "_res")

    def __init__(self, rec: PageRecord, res: Resolver) -> None:
        self._rec = rec
        self._res = res

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # never ask self._rec here: it may not be set yet (a copy)
            raise AttributeError(name)
        rec = self._rec
        get = self._res.getters.get(name)  # the page fields
        if get is not None:
            RECORDER.deps.add((rec.key, name))
            return get(rec)
        if name in rec.terms:
            RECORDER.deps.add((rec.key, name))
            return self._res.field(rec, name)
        RECORDER.deps.add((rec.key, "extra"))
        if name in rec.extra:
            return rec.extra[name]
        raise AttributeError(name)

    def __getitem__(self, name: str) -> Any:
        try:
            return self.__getattr__(name)
        except AttributeError:
            raise KeyError(name) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PageView) and other._rec.key == self._rec.key

    def __hash__(self) -> int:
        return hash(self._rec.key)

    def __repr__(self) -> str:
        return f"<page {self._rec.key}>"


class TermView:
    """A tag (or other taxonomy term) with its URLs; its count is read from the site model."""

    __slots__ = ("_res", "name", "taxonomy")

    def __init__(self, res: Resolver, taxonomy: str, name: str) -> None:
        self._res = res
        self.taxonomy = taxonomy
        self.name = name

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def url(self) -> str:
        return href(self._res.site.term_urls.get((self.taxonomy, self.name), ""))

    @property
    def feed_url(self) -> str:
        return href(self._res.site.feed_url(self._res.site.term_urls.get((self.taxonomy, self.name), "")))

    @property
    def count(self) -> int:
        RECORDER.deps.add(("?q", f"terms:{self.taxonomy}"))
        site = self._res.site
        name = site.term_alias.get((self.taxonomy, self.name), self.name)
        return len(site.terms.get(self.taxonomy, {}).get(name, ()))

    def __str__(self) -> str:
        return self.name


class CollectionView:
    __slots__ = ("_res", "config")

    def __init__(self, res: Resolver, name: str) -> None:
        self._res = res
        self.config = res.site.config.collection(name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "pages":
            RECORDER.deps.add(("?q", f"coll:{self.config.name}"))
            res = self._res
            return [PageView(res.site.pages[k], res) for k in res.site.collections.get(self.config.name, ())]
        if name == "feed_url":
            if not self.config.feed:
                return None
            return href(self._res.site.feed_url(self.config.url))
        if name == "section":
            # The collection's own page (`_index.md`): its title, intro text and extra values.
            RECORDER.deps.add(("?q", "keys"))
            return self._res.view(self._res.site.sections.get(self.config.name))
        return getattr(self.config, name)


class _Lookup:
    """`site.collections.blog` and `site.collections["blog"]` both work."""

    def __init__(self, make: Callable[[str], Any], names: Callable[[], Iterator[str]]) -> None:
        self._make = make
        self._names = names

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in set(self._names()):
            raise AttributeError(name)
        return self._make(name)

    __getitem__ = __getattr__

    def __iter__(self) -> Iterator[Any]:
        return (self._make(n) for n in self._names())


class SiteView:
    """Site-wide values. Config values need no recording: a config change rebuilds everything."""

    def __init__(self, res: Resolver, build_time: dt.datetime) -> None:
        cfg = res.site.config
        self._res = res
        self.title = cfg.title
        self.base_url = cfg.base_url
        self.author = cfg.author
        self.description = cfg.description
        self.language = cfg.language
        self.timezone = cfg.timezone
        self.menu = cfg.menu
        self.extra = cfg.extra
        self.strings = cfg.strings
        self.sitegen_version = __version__
        self.intro = cfg.intro
        self.intro_page = cfg.intro_page
        self.og_image = cfg.og_image
        self.author_profile = cfg.author_profile
        self.author_block = cfg.author_block
        self.replies = cfg.replies.mode
        self.build_time = build_time
        self.feed_url = href(res.site.feed_url("/"))
        self.collections = _Lookup(lambda n: CollectionView(res, n), lambda: iter(res.site.collections))
        self.taxonomies = {t.name: t for t in cfg.taxonomies}

    @property
    def has_author_card(self) -> bool:
        """Whether `[author]` has more than a name to show (a bio, an avatar or links)."""
        a = self._res.site.config.author_profile
        return bool(a.name and (a.bio or a.avatar or a.links))

    @property
    def author_bio_html(self) -> Markup:
        """`[author] bio` rendered as Markdown (no raw HTML)."""
        return _bio_html(self._res.site.config.author_profile.bio)

    @property
    def highlight_css(self) -> str:
        """The code colours ([markdown] highlight_light/dark), compact; the theme inlines them
        on pages that have highlighted code."""
        cfg = self._res.site.config
        return _highlight_css(cfg.highlight_light, cfg.highlight_dark)

    def terms(self, taxonomy: str = "tags") -> list[TermView]:
        RECORDER.deps.add(("?q", f"terms:{taxonomy}"))
        return [TermView(self._res, taxonomy, t) for t in self._res.site.terms.get(taxonomy, {})]

    def page(self, key: str) -> PageView | None:
        """Look a page up by its source path under content/ (`site.page("pages/about.md")`)."""
        RECORDER.deps.add(("?q", "keys"))
        return self._res.view(key)


@functools.lru_cache(maxsize=4)
def _bio_html(text: str) -> Markup:
    from markdown_it import MarkdownIt

    if not text:
        return Markup("")
    return Markup(MarkdownIt("commonmark", {"html": False}).enable(["strikethrough"]).render(text))


@functools.lru_cache(maxsize=4)
def _highlight_css(light: str, dark: str) -> str:
    from sitegen.markdown import highlight_css

    return Markup(highlight_css(light, dark))  # generated here from Pygments styles: no markup in it


def query_values(site: Site) -> dict[str, Any]:
    """Values of the site-wide lists templates can read; compared between builds like fields."""
    values: dict[str, Any] = {f"coll:{n}": tuple(k) for n, k in site.collections.items()}
    for tax, terms in site.terms.items():
        values[f"terms:{tax}"] = tuple((t, len(k)) for t, k in terms.items())
    values["keys"] = frozenset(site.pages)
    return values
