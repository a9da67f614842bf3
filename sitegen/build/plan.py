"""What a build must do: which dependency keys changed, which outputs read them, which static files to copy.

Every output remembers what it read while rendering (see views.py): (page key, field) pairs,
site-wide lists (`?q`) and templates (`?t`). This compares this build's values with the last
build's and turns the differences into reasons to render an output again.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.build.scan import Scan, file_stat
from sitegen.config import SiteConfig
from sitegen.content import PageRecord
from sitegen.errors import ContentError
from sitegen.model import Output, Site
from sitegen.views import Dep, describe, query_values, snapshot

if TYPE_CHECKING:
    from sitegen.build.builder import Report

MISSING = object()


def differing(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[str]:
    """Keys whose values differ between two mappings, a key missing on one side included."""
    return [k for k in new.keys() | old.keys() if new.get(k, MISSING) != old.get(k, MISSING)]


def structure(rec: PageRecord, config: SiteConfig) -> tuple:
    """What places a page in the site: a change here means the site model must be rebuilt."""
    coll = config.collection(rec.collection)
    # Undated collections are sorted by title; dated ones by date.
    title = rec.title if rec.section or (coll is not None and not coll.dated) else None
    # A section's settings (sort_by, paginate_by) shape its collection's lists.
    section = rec.extra if rec.section else None
    return (rec.collection, rec.date, rec.draft, rec.terms, rec.path_url, rec.layout, title,
            rec.aliases, rec.weight, section)


def same_structure(
    old: Mapping[str, PageRecord], new: Mapping[str, PageRecord], changed: set[str], config: SiteConfig
) -> bool:
    for key in changed:
        before, after = old.get(key), new.get(key)
        if before is None or after is None or structure(before, config) != structure(after, config):
            return False
    return True


def definition(out: Output) -> tuple:
    """What defines an output apart from the page fields it reads; stored as a plain tuple (fast to load)."""
    return (out.template, out.kind, out.page, out.items, out.params)



class Planner:
    """The Builder's comparisons with the last build (a mixin: the state lives on the Builder)."""

    _bits: dict[str, int]
    _index: dict[str, set[str]] | None
    _queries: dict[str, Any]
    _tampered: set[str]

    def _changed_deps(
        self,
        site: Site,
        state: dict[str, Any],
        old_records: Mapping[str, PageRecord],
        changed_pages: set[str],
        structure_same: bool = False,
    ) -> set[Dep]:
        """(page key, field) and site-list keys whose values differ from last build's.

        With `structure_same` (no page moved, appeared or vanished), neighbours, link targets
        and site lists cannot have changed, so only the edited pages are compared.
        """
        old_neigh = state.get("neighbours", {})
        touched = set(changed_pages)
        if not structure_same:
            for key, pair in site.neighbours.items():
                if old_neigh.get(key) != pair:
                    touched.add(key)
            touched |= {k for k, r in site.pages.items() if r.md_links}
            touched |= set(old_neigh) ^ set(site.pages)
        changed: set[Dep] = set()
        for key in touched:
            rec = site.pages.get(key)
            new = snapshot(rec, site.pages, site.neighbours) if rec is not None else {}
            old_rec = old_records.get(key) if key in old_neigh else None
            old = snapshot(old_rec, old_records, old_neigh) if old_rec is not None else {}
            changed.update((key, name) for name in differing(new, old))
        if structure_same:
            self._queries = state.get("queries", {})
            return changed
        self._queries = query_values(site)
        changed.update(("?q", name) for name in differing(self._queries, state.get("queries", {})))
        return changed

    def _changed_templates(self, scan: Scan, old_scan: Scan) -> set[Dep]:
        changed: set[Dep] = set()
        for part in ("theme_templates", "site_templates"):
            changed.update(("?t", name) for name in differing(scan[part], old_scan.get(part, {})))
        if changed:
            changed.add(("?t", "*"))
        return changed

    def _dep_index(self, outputs: Mapping[str, tuple]) -> dict[str, set[str]]:
        """Dependency key → paths of the outputs that read it (built once, then kept current)."""
        if self._index is None:
            index: dict[str, set[str]] = {}
            for path, entry in outputs.items():
                for key in entry[1]:
                    index.setdefault(key, set()).add(path)
            self._index = index
        return self._index

    def _reindex(self, path: str, old: tuple | None, new: tuple) -> None:
        assert self._index is not None
        if old is not None:
            for key in old[1]:
                self._index.get(key, set()).discard(path)
        for key in new[1]:
            self._index.setdefault(key, set()).add(path)

    def _why(self, out: Output, prev: tuple | None, changed: dict[str, int], full: bool) -> str | None:
        if full:
            return "full build (config, version or cache changed)"
        if prev is None:
            return "new"
        if prev[0] != definition(out):
            return "its list of pages or template changed"
        deps = prev[1]
        # Walk whichever is shorter: usually the few changed keys, not the output's dependencies.
        small, large = (changed, deps) if len(changed) < len(deps) else (deps, changed)
        for key, mask in small.items():
            hit = large.get(key, 0) & mask
            if hit:
                return describe(key, hit, self._bits)
        if out.path in self._tampered:
            return "missing or modified in the output directory"
        return None


def plan_static(
    config: SiteConfig,
    scan: Scan,
    old_final: Mapping[str, tuple],
    out_dir: Path,
    full: bool,
    generated: set[str],
    report: Report,
    assets: Mapping[str, str] | None = None,
    images: Mapping[str, tuple[Path, Any]] | None = None,
) -> dict[str, Any]:
    """Static files (theme's, then the site's, then the files of page bundles, then image variants
    from the image cache) to copy, the full list after this build, and those to remove."""
    from sitegen.theme import theme_dir

    sources = {rel: (theme_dir(config) / "static" / rel, st) for rel, st in scan["theme_static"].items()}
    theme_css = {rel for rel in sources if rel.endswith(".css")}
    sources.update({rel: (config.root / "static" / rel, st) for rel, st in scan["site_static"].items()})
    files = scan.get("content_files", {})
    for rel, src in (assets or {}).items():
        if rel in sources:
            raise ContentError(f"would be published at /{rel}, where static/ already has a file",
                               config.source_name(src))
        sources[rel] = (config.content_dir / src, files[src])
    if images:
        sources.update(images)
    copies: list[tuple[Path, str]] = []
    final: dict[str, tuple] = {}
    for rel, (src, st) in sources.items():
        if rel in generated:
            raise ContentError(f"static file {rel} would overwrite a generated page", src)
        prev = old_final.get(rel)
        dest_stat = file_stat(out_dir / rel)
        if full or prev is None or prev[0] != str(src) or prev[1] != st or dest_stat != prev[2]:
            copies.append((src, rel))
            report.copied.append(rel)
        final[rel] = (str(src), st, prev[2] if prev else None)
    removed = [rel for rel in old_final if rel not in final and rel not in generated]
    # The theme's own stylesheets are published minified (a site's static/ file of the same name,
    # which replaced it above, is published as written).
    minify = {rel for rel in theme_css if sources[rel][0] == theme_dir(config) / "static" / rel}
    # Image variants are hard-linked from the cache (never edited in place there), not copied.
    return {"copies": copies, "final": final, "removed": removed, "linked": set(images or ()), "vanished": [],
            "minify": minify}
