"""Build the template context for each kind of output (pure: model in, dict out)."""

from __future__ import annotations

from typing import Any

from sitegen.model import Output, Site
from sitegen.urls import href
from sitegen.views import CollectionView, PageView, Resolver, SiteView, TermView


class Paginator:
    def __init__(self, items: list[PageView], number: int, urls: tuple[str, ...]) -> None:
        self.items = items
        """The pages listed on this page."""
        self.number = number
        self.total = len(urls)
        self.urls = [href(u) for u in urls]
        self.prev_url = self.urls[number - 2] if number > 1 else None
        """Newer entries."""
        self.next_url = self.urls[number] if number < self.total else None
        """Older entries."""


def context_for(output: Output, site: Site, res: Resolver, site_view: SiteView) -> dict[str, Any]:
    cfg = site.config
    url = href(output.url)
    ctx: dict[str, Any] = {
        "site": site_view,
        "kind": output.kind,
        "url": url,
        "canonical_url": cfg.base_url + url,
        "page": None,
        "feeds": [{"title": cfg.title, "url": site_view.feed_url}],
        "title": cfg.title,
    }
    items = [v for k in output.items if (v := res.view(k)) is not None]
    kind = output.kind
    if kind in ("post", "page"):
        page = res.view(output.page)
        ctx["page"] = page
        coll = CollectionView(res, output.params[0])
        ctx["collection"] = coll
        ctx["title"] = page.title_text if page is not None else cfg.title
        if coll.config.feed:
            ctx["feeds"].append({"title": f"{cfg.title}: {coll.config.title}", "url": coll.feed_url})
    elif kind == "redirect":
        page = res.view(output.page)
        ctx.update(page=page, title=page.title_text if page is not None else cfg.title)
    elif kind == "index":
        coll = CollectionView(res, output.params[0])
        ctx.update(collection=coll, paginator=Paginator(items, output.params[1], output.params[2]),
                   title=coll.config.title)
        if coll.config.feed:
            ctx["feeds"].insert(0, {"title": f"{cfg.title}: {coll.config.title}", "url": coll.feed_url})
    elif kind == "home":
        ctx["paginator"] = Paginator(items, output.params[0], output.params[1])
    elif kind == "terms":
        tax = site_view.taxonomies[output.params[0]]
        ctx.update(taxonomy=tax, terms=site_view.terms(tax.name), title=tax.title)
    elif kind == "term":
        tax_name, term_name, number, urls = output.params
        term = TermView(res, tax_name, term_name)
        tax = site_view.taxonomies[tax_name]
        ctx.update(taxonomy=tax, term=term, paginator=Paginator(items, number, urls), title=f"#{term_name}")
        if tax.feed:
            ctx["feeds"].insert(0, {"title": f"{cfg.title}: #{term_name}", "url": term.feed_url})
    elif kind == "archives":
        coll = CollectionView(res, output.params[0])
        years = [
            {"year": y, "count": len(keys), "url": href(f"{coll.config.url}archives/{y}/")}
            for y, keys in site.years.get(output.params[0], {}).items()
        ]
        ctx.update(collection=coll, years=years, title=f"{coll.config.title} archives", pages=items)
    elif kind == "archive":
        coll = CollectionView(res, output.params[0])
        ctx.update(collection=coll, year=output.params[1], pages=items,
                   title=f"{coll.config.title}: {output.params[1]}")
    elif kind == "feed":
        ctx["feed"] = _feed(output, site, res, items)
    elif kind == "sitemap":
        ctx["pages"] = items
        ctx["lists"] = [cfg.base_url + href(url) for url in output.params[0]]
    return ctx


def _feed(output: Output, site: Site, res: Resolver, items: list[PageView]) -> dict[str, Any]:
    cfg = site.config
    what = output.params[0]
    if what == "collection":
        coll = cfg.collection(output.params[1])
        title, alt = f"{cfg.title}: {coll.title}", coll.url
    elif what == "term":
        title, alt = f"{cfg.title}: #{output.params[2]}", site.term_urls[(output.params[1], output.params[2])]
    else:
        title, alt = cfg.title, "/"
    self_url = cfg.base_url + href(output.url)
    dates = [(p.updated or p.date) for p in items]
    updated = max((d for d in dates if d is not None), default=None)
    return {
        "title": title,
        "id": self_url,
        "self_url": self_url,
        "alternate_url": cfg.base_url + href(alt),
        "updated": updated,
        "entries": items,
        "author": cfg.author,
        "subtitle": cfg.description,
    }
