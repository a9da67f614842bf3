"""The site model: from page records to collections, taxonomies, archives and the list of outputs.

Pure and cheap (no Markdown, no templates): the engine recomputes it on every build from the
cached records, and compares each `Output` with last build's to decide what to render.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sitegen.config import CollectionConfig, SiteConfig
from sitegen.content import PageRecord
from sitegen.errors import ContentError
from sitegen.urls import expand, hugo_path, output_file, slugify


@dataclass(frozen=True)
class Output:
    """One file the build produces, and everything that defines it apart from page fields."""

    path: str
    """Relative file path in the output directory."""
    url: str
    """URL path (not percent-encoded)."""
    template: str
    kind: str
    """post, page, redirect, home, index, terms, term, archives, archive, feed, sitemap, robots, 404, asset."""
    page: str | None = None
    """Key of the page rendered (post and page kinds)."""
    items: tuple[str, ...] = ()
    """Page keys listed (lists, feeds)."""
    params: tuple = ()
    """Other defining values (pagination numbers, term, year, collection…)."""


@dataclass
class Paging:
    number: int
    total: int
    urls: tuple[str, ...]
    """URL of every page of this list, first to last."""


@dataclass
class Site:
    config: SiteConfig
    pages: dict[str, PageRecord]
    """Published pages by key (drafts left out unless asked for)."""
    collections: dict[str, list[str]] = field(default_factory=dict)
    """Collection name → keys, newest first for dated collections, by title otherwise."""
    neighbours: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    """Key → (older, newer) within its collection."""
    terms: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """Taxonomy → term → keys, newest first."""
    term_urls: dict[tuple[str, str], str] = field(default_factory=dict)
    term_alias: dict[tuple[str, str], str] = field(default_factory=dict)
    """(taxonomy, spelling) → the term's name, for spellings merged into one term."""
    years: dict[str, dict[int, list[str]]] = field(default_factory=dict)
    """Collection with archives → year → keys."""
    by_url: dict[str, str] = field(default_factory=dict)
    """URL path → page key, for resolving links written as URLs."""
    sections: dict[str, str] = field(default_factory=dict)
    """Collection name → key of its own page (`_index.md`), when it has one."""
    own_files: frozenset[str] = frozenset()
    """Files the site publishes as they are (static/, or read in place); see build_site."""
    outputs: list[Output] = field(default_factory=list)

    def feed_url(self, base: str) -> str:
        return base + self.config.feed_filename


def _sort_key(rec: PageRecord) -> tuple:
    return (rec.date.timestamp() if rec.date else 0.0, rec.key)


def _paginate(keys: list[str], per_page: int, first_url: str) -> list[tuple[Paging, tuple[str, ...]]]:
    chunks = [keys[i : i + per_page] for i in range(0, len(keys), per_page)] if per_page > 0 else [keys]
    if not chunks:
        chunks = [[]]
    urls = tuple(first_url if n == 0 else f"{first_url}page/{n + 1}/" for n in range(len(chunks)))
    return [(Paging(n + 1, len(chunks), urls), tuple(chunk)) for n, chunk in enumerate(chunks)]


_SORTS = {
    "title": lambda r: (r.title.lower(), r.key),
    "title_bytes": lambda r: (r.title, r.key),
    "weight": lambda r: (r.weight is None, r.weight or 0, r.key),
    "slug": lambda r: (r.slug, r.key),
    "none": lambda r: r.key,
}


def _with_section(coll: CollectionConfig, section: PageRecord | None) -> tuple[CollectionConfig, str]:
    """A collection as its `_index.md` sets it up (title, paginate_by, sort_by), and how to sort it."""
    order = "date" if coll.dated else "title"
    if section is None:
        return coll, order
    extra = section.extra
    changes: dict[str, object] = {}
    if section.title and section.title != "_index":
        changes["title"] = section.title
    paginate = extra.get("paginate_by")
    if isinstance(paginate, int) and not isinstance(paginate, bool) and paginate >= 0:
        changes["paginate"] = paginate
    sort_by = extra.get("sort_by")
    if isinstance(sort_by, str) and sort_by in _SORTS:
        order = sort_by
    return (replace(coll, **changes) if changes else coll), order  # type: ignore[arg-type]


def build_site(config: SiteConfig, records: dict[str, PageRecord], drafts: bool,
               own_files: frozenset[str] = frozenset()) -> Site:
    """`own_files`: what the site publishes as it is (static/, files read in place); a robots.txt
    among them replaces the generated one, as in Hugo and Zola."""
    pages = {k: r for k, r in records.items() if drafts or not r.draft}
    sections = {r.collection: k for k, r in pages.items() if r.section}
    orders: dict[str, str] = {}
    if sections:
        colls = []
        for coll in config.collections:
            coll, orders[coll.name] = _with_section(coll, pages.get(sections.get(coll.name, "")))
            colls.append(coll)
        config = replace(config, collections=tuple(colls))
    site = Site(config=config, pages=pages, sections=sections, own_files=own_files)
    # A section page has no neighbours, but an entry: the engine tells pages that came or went
    # by the keys of this map.
    for key in sections.values():
        site.neighbours[key] = (None, None)

    for coll in config.collections:
        keys = [k for k, r in pages.items() if r.collection == coll.name and not r.section]
        order = orders.get(coll.name, "date" if coll.dated else "title")
        if order == "date":
            keys.sort(key=lambda k: _sort_key(pages[k]), reverse=True)
        else:
            keys.sort(key=lambda k: _SORTS[order](pages[k]))
        site.collections[coll.name] = keys
        for i, key in enumerate(keys):
            older = keys[i + 1] if coll.dated and i + 1 < len(keys) else None
            newer = keys[i - 1] if coll.dated and i > 0 else None
            site.neighbours[key] = (older, newer)
        if coll.archives:
            years: dict[int, list[str]] = defaultdict(list)
            for key in keys:
                date = pages[key].date
                if date is not None:
                    years[date.year].append(key)
            site.years[coll.name] = dict(sorted(years.items(), reverse=True))

    listed = {c.name for c in config.collections if c.listed}
    for tax in config.taxonomies:
        found: dict[str, list[str]] = defaultdict(list)
        for coll_name, keys in site.collections.items():
            if coll_name not in listed:
                continue
            for key in keys:
                for term in pages[key].terms.get(tax.name, ()):
                    found[term].append(key)
        # Spellings that share a URL ("Rust" and "rust" under /tags/{slug}/) are one term,
        # named by its most used spelling. Hugo's terms are its `urlize`d names, and terms that
        # differ only in case are one term even where `disablePathToLower` keeps the case of URLs:
        # the most used spelling's URL is the term's (Hugo takes either; not always the same one).
        hugo = hugo_case(config)
        urls = {term: expand(tax.permalink, {"slug": hugo_path(term, hugo == "lower") if hugo else slugify(term),
                                             "name": term}) for term in found}
        by_url: dict[str, list[str]] = defaultdict(list)
        for term, url in urls.items():
            by_url[url.lower() if hugo else url].append(term)
        merged: dict[str, list[str]] = {}
        for names in by_url.values():
            canonical = max(names, key=lambda n: (len(found[n]), n))
            url = urls[canonical]
            keys = list(dict.fromkeys(k for n in names for k in found[n]))
            keys.sort(key=lambda k: _sort_key(pages[k]), reverse=True)
            merged[canonical] = keys
            for name in names:
                site.term_urls[(tax.name, name)] = url
                site.term_alias[(tax.name, name)] = canonical
        site.terms[tax.name] = dict(sorted(merged.items(), key=lambda kv: kv[0].lower()))

    site.outputs = _outputs(site)
    _check_unique(site)
    return site


def hugo_case(config: SiteConfig) -> str | None:
    """For a site read with Hugo's conventions, how its paths are cased: "lower" (Hugo's default) or
    "keep" (`disablePathToLower = true`, which `init` writes as `[content] slugs = "safe"`)."""
    if config.conventions != "hugo":
        return None
    return "keep" if config.slugs == "safe" else "lower"


def home_keys(site: Site) -> list[str]:
    names = site.config.home_collections or tuple(c.name for c in site.config.collections if c.listed)
    keys = [k for name in names for k in site.collections.get(name, [])]
    keys.sort(key=lambda k: _sort_key(site.pages[k]), reverse=True)
    return keys


def _feed_items(site: Site, keys: list[str]) -> tuple[str, ...]:
    limit = site.config.feed_limit
    return tuple(keys[:limit] if limit > 0 else keys)


def _outputs(site: Site) -> list[Output]:
    cfg = site.config
    out: list[Output] = []

    def add(url: str, template: str, kind: str, blame: str | None = None, **kw: object) -> None:
        try:
            path = output_file(url)
        except ValueError as exc:
            page = kw.get("page") or blame
            raise ContentError(f"refusing to write outside the output directory: {exc}",
                               cfg.source_name(str(page)) if page else "sitegen.toml") from None
        out.append(Output(path=path, url=url, template=template, kind=kind, **kw))  # type: ignore[arg-type]

    for coll in cfg.collections:
        keys = site.collections[coll.name]
        for key in keys:
            rec = site.pages[key]
            kind = "post" if coll.dated else "page"
            add(rec.path_url, rec.layout or coll.template, kind, page=key, params=(coll.name,))
        if coll.listed:
            for paging, chunk in _paginate(keys, coll.paginate, coll.url):
                add(paging.urls[paging.number - 1], coll.index_template, "index", items=chunk,
                    params=(coll.name, paging.number, paging.urls))
        if coll.feed and coll.url != "/":  # at "/", the site feed is the collection's
            add(site.feed_url(coll.url), "atom.xml", "feed", items=_feed_items(site, keys),
                params=("collection", coll.name))
        if coll.archives:
            years = site.years.get(coll.name, {})
            add(f"{coll.url}archives/", "archives.html", "archives",
                items=tuple(k for ks in years.values() for k in ks), params=(coll.name, tuple(years)))
            for year, year_keys in years.items():
                add(f"{coll.url}archives/{year}/", "archive.html", "archive", items=tuple(year_keys),
                    params=(coll.name, year))

    home = home_keys(site)
    # A collection listed at "/" (Zola's root section, Hugo's home list) is the home page.
    if not any(c.listed and c.url == "/" for c in cfg.collections):
        for paging, chunk in _paginate(home, cfg.home_paginate, "/"):
            add(paging.urls[paging.number - 1], "home.html", "home", items=chunk,
                params=(paging.number, paging.urls))
    add(site.feed_url("/"), "atom.xml", "feed", items=_feed_items(site, home), params=("site",))

    for tax in cfg.taxonomies:
        terms = site.terms[tax.name]
        add(tax.url, "terms.html", "terms", items=(), params=(tax.name, tuple((t, len(k)) for t, k in terms.items())))
        for term, keys in terms.items():
            base = site.term_urls[(tax.name, term)]
            for paging, chunk in _paginate(keys, tax.paginate, base):
                # A term that cannot be a URL segment is the fault of the post that uses it.
                add(paging.urls[paging.number - 1], "term.html", "term", blame=keys[-1], items=chunk,
                    params=(tax.name, term, paging.number, paging.urls))
            if tax.feed:
                add(site.feed_url(base), "atom.xml", "feed", items=_feed_items(site, keys),
                    params=("term", tax.name, term))

    # A page of the site's own at /404.html (Jekyll's 404.md) replaces the generated one.
    if not any(r.path_url == "/404.html" for r in site.pages.values()):
        add("/404.html", "404.html", "404")
    # The list pages are part of the sitemap's definition, so a new or vanished page of a list
    # re-renders it (page fields are tracked as dependencies; URLs of lists are not fields).
    list_kinds = ("home", "index", "terms", "term", "archives", "archive")
    lists = tuple(o.url for o in out if o.kind in list_kinds)
    # Collection order, not dict order: the sitemap must not depend on which pages a cache held.
    in_order = tuple(k for keys in site.collections.values() for k in keys)
    add("/sitemap.xml", "sitemap.xml", "sitemap", items=in_order, params=(lists,))
    if "robots.txt" not in site.own_files:
        add("/robots.txt", "robots.txt", "robots")
    # Old URLs of pages: small pages pointing at the new one, in no list, feed or sitemap.
    fallbacks: list[tuple[str, str]] = []
    for coll in cfg.collections:
        for key in [*site.collections[coll.name], *([site.sections[coll.name]] if coll.name in site.sections else [])]:
            for alias in site.pages[key].aliases:
                url, fallback = alias_urls(alias, cfg.conventions)
                add(url, "redirect.html", "redirect", page=key)
                if fallback:
                    fallbacks.append((fallback, key))
    # The folder beside a Jekyll alias's NAME.html, for servers that do not add `.html` themselves:
    # only where nothing else is written.
    taken = {o.path for o in out}
    for url, key in fallbacks:
        if output_file(url) not in taken:
            taken.add(output_file(url))
            add(url, "redirect.html", "redirect", page=key)
    return out


def alias_urls(alias: str, conventions: str) -> tuple[str, str | None]:
    """The URL an alias's redirect page is written at, as the generator the site comes from writes it,
    and a second one where a plain static server finds it too (or None).

    An alias ending in `/` is a folder (its index.html). Otherwise Zola writes the alias as a file
    when it ends with `.html`, Hugo (and sitegen) when it ends with `.html` or `.htm`, and any
    other alias as a folder: `/x.php` is x.php/index.html, which a plain server answers for /x.php
    too (by its redirect to /x.php/). jekyll-redirect-from makes the alias a page's permalink, and
    Jekyll writes a page `/old` as old.html (`.html` added unless it ends with it): that file, and
    the folder old/ as the second URL, since only some hosts (GitHub Pages) serve old.html for /old.
    """
    if alias.endswith("/"):
        return alias, None
    last = alias.rsplit("/", 1)[-1]
    if conventions == "jekyll":
        return (alias, None) if last.endswith(".html") else (alias + ".html", alias + "/")
    suffixes = (".html",) if conventions == "zola" else (".html", ".htm")
    return (alias, None) if last.endswith(suffixes) else (alias + "/", None)


def bundle_assets(site: Site, files: Iterable[str]) -> dict[str, str]:
    """Output path → content file, for the files of page bundles: `post/index.md`'s `diagram.png`
    is published beside the page, wherever its URL is, so `![](diagram.png)` works. A section's
    folder (`_index.md`) publishes its files beside the section's list. With `publish_files =
    "all"` every other file is published at its own path (the root's own section does not move them)."""
    owners: dict[str, PageRecord] = {}
    for key, rec in site.pages.items():
        name = key.rsplit("/", 1)[-1]
        if ("/" in key and name in ("index.md", "index.markdown", "_index.md", "_index.markdown")) or rec.section:
            owners[key.rsplit("/", 1)[0] if "/" in key else ""] = rec
    found: dict[str, str] = {}
    everything = site.config.publish_files == "all"
    if not owners and not everything:
        return found
    for rel in files:
        folder = rel
        while folder:
            folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
            rec = owners.get(folder)
            if rec is not None and (folder or not everything):
                inside = rel[len(folder) + 1:] if folder else rel
                base = rec.path_url if rec.path_url.endswith("/") else rec.path_url.rsplit("/", 1)[0] + "/"
                found[output_file(base + inside)] = rel
                break
        else:
            # `[content] publish_files = "all"` (Jekyll's static files): at its own path.
            if everything:
                found[output_file("/" + rel)] = rel
    return found


def _check_unique(site: Site) -> None:
    seen: dict[str, Output] = {}
    for output in site.outputs:
        prev = seen.get(output.path)
        if prev is not None:
            raise _clash(site, prev, output)
        seen[output.path] = output
        if output.page and output.kind != "redirect":
            site.by_url[output.url] = output.page


def _clash(site: Site, first: Output, second: Output) -> ContentError:
    """Two outputs at one URL: name both sources, and the change that separates them."""
    where = site.config.source_name(second.page) if second.page else "sitegen.toml"
    if second.kind == "redirect":
        what = "the page of " if first.kind != "redirect" else "an alias of "
        return ContentError(
            f"alias {second.url} would overwrite {what}{_describe(first, site.config)}"
            " (remove the alias: that URL already has a page)", where)
    if first.page and second.page:
        hint = "give one a different `slug`" + (" or `path`" if site.config.conventions == "zola" else "")
    elif first.kind == "home" or second.kind == "home":
        hint = ("the home page lives at /: give the page another `slug` or `url`, or, to make a collection "
                "the home page, set its `url = \"/\"` in sitegen.toml")
    elif first.page or second.page:
        hint = "give the page a different `slug`, or move the list with its `url` in sitegen.toml"
    else:
        hint = "give one of them a different `url` or `permalink` in sitegen.toml"
    both = f"{_describe(first, site.config)} and {_describe(second, site.config)}"
    return ContentError(f"two pages would be written to {second.url}: {both}"
                        f" ({hint})", where)


def _describe(output: Output, config: SiteConfig) -> str:
    if output.page:
        return config.source_name(output.page)
    if output.kind == "term":
        return f"the page of {output.params[0]} {output.params[1]!r}"
    if output.kind == "index":
        return f"the list of [collections.{output.params[0]}] in sitegen.toml"
    if output.kind == "feed" and output.params and output.params[0] == "collection":
        return f"the feed of [collections.{output.params[1]}] in sitegen.toml"
    return f"the {output.kind} page"
