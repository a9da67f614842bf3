"""Content files → page records and rendered bodies (spread over processes for large builds).

A mixin of the Builder: the renderer, the body store and its in-memory cache live on the Builder
so a long-lived one (serve) keeps them warm between builds.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.build.plan import MISSING
from sitegen.build.render import PARALLEL_THRESHOLD, in_workers, split_weighted
from sitegen.build.scan import Stat, file_stat
from sitegen.build.store import BodyStore
from sitegen.config import SiteConfig
from sitegen.content import PageRecord, apply_inline, apply_rendered, collection_name, parse_page, source_digest
from sitegen.errors import ContentError, SitegenError
from sitegen.model import Site

if TYPE_CHECKING:
    from sitegen.build.builder import Report


class PageLoader:
    """Reads, parses and renders content files for the Builder."""

    site_dir: Path
    jobs: int
    _bodies: BodyStore
    _body_cache: dict[str, str]
    _project_root: Path | None
    _processes: int
    _renderer: Any
    _renderer_options: dict[str, str]

    @property
    def project_root(self) -> Path:
        """Where `include=` paths start (found once: every page with steps asks)."""
        if self._project_root is None:
            from sitegen.includes import find_project_root

            self._project_root = find_project_root(self.site_dir)
        return self._project_root

    def _include_stats(self, records: Mapping[str, PageRecord]) -> dict[str, Stat | None]:
        paths = {inc for rec in records.values() for inc in rec.includes}
        if not paths:
            return {}
        return {p: file_stat(self.project_root / p) for p in sorted(paths)}

    def _refresh_pages(
        self,
        config: SiteConfig,
        content: dict[str, Stat],
        old_content: dict[str, Stat],
        records: dict[str, PageRecord],
        includes_now: dict[str, Stat | None],
        includes_then: dict[str, Stat | None],
        full: bool,
        report: Report,
        meanwhile: Callable[[], None] | None = None,
    ) -> set[str]:
        """Parse the pages that changed; `meanwhile()` runs here while forked workers parse."""
        changed: set[str] = set()
        stale_includes = {p for p, st in includes_now.items() if includes_then.get(p, MISSING) != st}
        todo: list[tuple[str, bytes]] = []
        if full:
            keys = list(content)
        else:
            keys = [k for k, st in content.items() if old_content.get(k) != st or k not in records]
            if stale_includes:
                listed = set(keys)
                keys += [k for k, r in records.items()
                         if k in content and k not in listed and not stale_includes.isdisjoint(r.includes)]
        for key in keys:
            old = records.get(key)
            uses_stale = old is not None and not stale_includes.isdisjoint(old.includes)
            path = config.content_dir / key
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # deleted since the scan: a deleted page, not an error
                content.pop(key, None)
                continue
            except OSError as exc:
                raise ContentError(f"cannot read: {exc.strerror}", config.source_name(key)) from None
            if not full and old is not None and old.source_hash == source_digest(data) and not uses_stale:
                continue
            todo.append((key, data))
        for key, record, html in self._load_pages(config, todo, meanwhile):
            if html is not None:  # None: a worker process stored the body itself
                self._bodies.put(record.body_key, html)
                self._body_cache[record.body_key] = html
            records[key] = record
            changed.add(key)
            report.parsed.append(key)
        for key in set(records) - set(content):
            del records[key]
            changed.add(key)
        return changed

    def _load_pages(
        self, config: SiteConfig, todo: list[tuple[str, bytes]], meanwhile: Callable[[], None] | None = None
    ) -> list[tuple[str, PageRecord, str | None]]:
        """Parse and render pages; many at once are spread over the CPU cores."""
        self._get_renderer(config)  # import and set up before forking, so workers inherit it
        workers = self.jobs
        # fork() is only safe without other threads (serve has some), and pays off past a few dozen pages.
        if len(todo) < PARALLEL_THRESHOLD or workers < 2 or threading.active_count() > 1:
            return [self._load_page(config, key, data) for key, data in todo]
        self._bodies.flush()
        self._bodies.open()  # before the fork: the workers write into it at once
        lookups = self._bodies.has_blocks()
        self._processes = max(self._processes, workers)
        # A page costs about its length (posts vary 100-fold), plus a little for any page.
        chunks = split_weighted(todo, [len(data) + 2000 for _, data in todo], workers)
        results = in_workers(lambda chunk: self._load_and_store(config, chunk, lookups), chunks, workers, meanwhile)
        done = {key: found for part in results for key, found in part}
        # The error a one-process build reports: the first page in file order that has one.
        for key, _ in todo:
            if isinstance(done[key], SitegenError):
                raise done[key]
        return [(key, *done[key]) for key, _ in todo]

    def _load_and_store(
        self, config: SiteConfig, chunk: list[tuple[str, bytes]], block_lookups: bool = True
    ) -> list[tuple[str, tuple[PageRecord, None] | SitegenError]]:
        """Worker side: bodies go straight into the cache, so only small records travel back.
        A page's error comes back in its place; the parent decides which one to report.
        `block_lookups`: whether the cache held highlighted code blocks when the build began."""
        done: list[tuple[str, tuple[PageRecord, None] | SitegenError]] = []
        self._bodies.block_lookups = block_lookups
        try:
            for key, data in chunk:
                try:
                    key, record, html = self._load_page(config, key, data)
                except SitegenError as exc:
                    done.append((key, exc))
                    continue
                self._bodies.put(record.body_key, html)
                done.append((key, (record, None)))
            self._bodies.flush()
        finally:
            self._bodies.block_lookups = True
        return done

    def _collection_for(self, config: SiteConfig, key: str) -> Any:
        name = collection_name(key, config.folder_collections())
        coll = config.collection(name)
        if coll is None:  # pragma: no cover - discover_collections registers every folder
            raise ContentError(f"no collection {name!r} for this file", config.source_name(key))
        return coll

    def _load_page(self, config: SiteConfig, key: str, data: bytes) -> tuple[str, PageRecord, str]:
        doc, record = parse_page(data, key, self._collection_for(config, key), config)
        renderer = self._get_renderer(config)
        from sitegen.markdown import RENDERER_VERSION

        doc_id = f"{record.collection}-{record.slug}"
        includes: list[tuple[str, str]] = []
        read_include = self._include_reader(key, includes)
        rendered = renderer.render(doc.body, doc_id=doc_id, source=config.source_name(key),
                                   line_offset=doc.body_line, read_include=read_include)
        # The body depends on the included files too, so their text is part of its key.
        digest = hashlib.blake2b(
            f"{RENDERER_VERSION}\0{renderer.options_key}\0{doc_id}\0{doc.body}".encode(), digest_size=16
        )
        for rel, text in includes:
            digest.update(f"\0{rel}\0{text}".encode())
        apply_inline(record, renderer.render_inline)
        apply_rendered(record, rendered, digest.hexdigest(), config.summary_length)
        record.includes = tuple(rel for rel, _ in includes)
        return key, record, rendered.html

    def _include_reader(self, key: str, used: list[tuple[str, str]]) -> Any:
        from sitegen.includes import resolve_include

        root = self.project_root

        def read(rel: str) -> str:
            path = resolve_include(root, rel)
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ContentError(f"cannot read include {rel!r}: {exc}", f"content/{key}") from None
            used.append((path.relative_to(root).as_posix(), text))
            return text

        return read

    def _get_renderer(self, config: SiteConfig) -> Any:
        options = {"heading_ids": config.heading_ids, "summary_separator": config.summary_separator,
                   "footnote_words": (config.strings["notes"], config.strings["note"],
                                      config.strings["back_to_reference"]), "youtube": config.youtube}
        # A long-lived builder (serve) makes a new one when sitegen.toml changes its options.
        if self._renderer is None or self._renderer_options != options:
            from sitegen.markdown import Renderer

            self._renderer_options = options
            self._renderer = Renderer(**options)
            self._renderer.use_highlight_cache(self._bodies.blocks())
        return self._renderer

    def _load_body(self, body_key: str) -> str:
        html = self._body_cache.get(body_key)
        if html is None:
            html = self._bodies.get(body_key)
            if html is None:
                raise SitegenError("the build cache lost a rendered page; run `sitegen build --clean`")
            if len(self._body_cache) > 2000:
                self._body_cache.clear()
            self._body_cache[body_key] = html
        return html

    def _check_md_links(self, site: Site, warnings: list[str], only: set[str] | None = None) -> None:
        """A link to a page that does not exist stops the build at the first one, naming its
        line; with `[links] missing = "warn"` the build goes on and every one is listed."""
        warn = site.config.links_missing == "warn"
        # Warnings cover every page each build, so the list stays complete after small edits.
        if warn or only is None:
            pages: Any = site.pages.values()
        else:
            pages = [site.pages[k] for k in only if k in site.pages]
        for rec in pages:
            lines = rec.md_link_lines
            for i, written in enumerate(rec.md_links):
                if rec.md_target(written, site.pages) in site.pages:
                    continue
                line = lines[i] if i < len(lines) else None
                problem = ContentError(
                    f"link to {written!r}, but there is no such page in {site.config.content_root}/",
                    site.config.source_name(rec.key), line
                )
                if not warn:
                    raise problem
                warnings.append(str(problem))
        self._shortcode_warnings(site, warnings)

    @staticmethod
    def _shortcode_warnings(site: Site, warnings: list[str]) -> None:
        """One warning per kind of unknown shortcode, naming its first use and how many there are."""
        first: dict[str, tuple[str, int]] = {}
        count: dict[str, int] = {}
        for key in sorted(site.pages):
            for kind, line in site.pages[key].unknown_shortcodes:
                first.setdefault(kind, (key, line))
                count[kind] = count.get(kind, 0) + 1
        for kind, (key, line) in first.items():
            more = f" ({count[kind]} uses)" if count[kind] > 1 else ""
            warnings.append(f"{site.config.source_name(key)}:{line}: unknown shortcode {kind}, "
                            f"left in the page as written{more}")
