"""The incremental build engine: decide what changed, render only what used it, write atomically.

Every output remembers what it read while rendering (see views.py). A build compares this
build's page fields, site-wide lists and templates with the last build's, re-renders only the
outputs that read something that changed, and writes a file only when its bytes changed. A
build that finds nothing changed imports no Markdown or template library at all.

Nothing reaches the output directory until every page has rendered: files are staged beside it
and moved into place at the end, so a failed build leaves the previous site intact.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen import __version__
from sitegen.config import CONFIG_NAME, SiteConfig, load_config
from sitegen.content import PageRecord, apply_inline, apply_rendered, parse_page, source_digest
from sitegen.errors import ContentError, SitegenError, TemplateError
from sitegen.model import Output, Site, build_site
from sitegen.store import BodyStore, cache_dir_for, default_cache_root, load_manifest, save_manifest
from sitegen.views import RECORDER, Dep, Resolver, SiteView, describe, field_bits, pack, query_values, snapshot

_MISSING = object()
_IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".part")

Stat = tuple[int, int]


@dataclass
class Report:
    """What one build did."""

    rendered: list[tuple[str, str]] = field(default_factory=list)
    """(URL, reason) for every output rendered."""
    written: list[str] = field(default_factory=list)
    """Output files whose bytes changed and were written."""
    removed: list[str] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    """Static files copied."""
    parsed: list[str] = field(default_factory=list)
    """Content files read and rendered again."""
    seconds: float = 0.0
    full: bool = False
    processes: int = 1
    """Processes that rendered (more than one when a large build forked workers)."""

    @property
    def changed_files(self) -> list[str]:
        return self.written + self.copied + self.removed

    @property
    def nothing(self) -> bool:
        return not (self.written or self.removed or self.copied)


def _skipped(name: str, keep_dots: bool) -> bool:
    """Editor droppings always; other dot files unless asked to keep them (static/.well-known)."""
    if name.startswith(("#", ".#")) or name.endswith(_IGNORED_SUFFIXES) or name in (".git", ".DS_Store"):
        return True
    return name.startswith(".") and not keep_dots


def _walk(root: Path, keep_dots: bool = False) -> dict[str, Stat]:
    """rel path → (mtime_ns, size) for every file below root, dot files and editor droppings skipped."""
    found: dict[str, Stat] = {}
    stack = [("", str(root))]
    while stack:
        prefix, path = stack.pop()
        try:
            entries = os.scandir(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        with entries:
            for entry in entries:
                name = entry.name
                if _skipped(name, keep_dots):
                    continue
                rel = prefix + name
                if entry.is_dir():
                    stack.append((rel + "/", entry.path))
                elif entry.is_file():
                    st = entry.stat()
                    found[rel] = (st.st_mtime_ns, st.st_size)
    return found


def _differing(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[str]:
    """Keys whose values differ between two mappings, a key missing on one side included."""
    return [k for k in new.keys() | old.keys() if new.get(k, _MISSING) != old.get(k, _MISSING)]


def _is_content(rel: str) -> bool:
    return rel.endswith(".md") and not rel.startswith("_")


def _file_stat(path: Path) -> Stat | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class Builder:
    """Builds one site into one output directory, keeping its state between builds (for serve)."""

    def __init__(
        self,
        site_dir: Path,
        out_dir: Path | None = None,
        *,
        drafts: bool = False,
        cache_dir: Path | None = None,
        base_url: str | None = None,
        environ: Mapping[str, str] | None = None,
        jobs: int | None = None,
        clean: bool = False,
    ) -> None:
        self.site_dir = Path(site_dir).resolve()
        self.out_dir = Path(out_dir).resolve() if out_dir else self.site_dir / "public"
        self.drafts = drafts
        self.base_url = base_url.rstrip("/") if base_url else None
        env = os.environ if environ is None else environ
        self.cache_dir = Path(cache_dir) if cache_dir else cache_dir_for(
            default_cache_root(env), self.site_dir, self.out_dir, drafts
        )
        self.state: dict[str, Any] | None = None
        self.clean = clean
        """Render everything once, ignoring what the cache says (outputs it no longer makes are still removed)."""
        if jobs is None:
            jobs = int(env.get("SITEGEN_JOBS", "0") or 0) or min(os.cpu_count() or 1, 4)
        self.jobs = max(1, jobs)
        """Processes used for large builds (1 = no forking)."""
        self.site: Site | None = None
        self.config: SiteConfig | None = None
        self._renderer: Any = None
        self._templates: Any = None
        self._templates_key: Any = None
        self._bodies = BodyStore(self.cache_dir)
        self._tampered: set[str] = set()
        self._memory: dict[str, bytes] = {}
        self._index: dict[str, set[str]] | None = None
        self._bits: dict[str, int] = {}
        self.autosave = True
        """Save the manifest after each build; serve turns this off and calls save() after reloading."""
        self._body_cache: dict[str, str] = {}
        self._project_root: Path | None = None
        self._identity: tuple = ()
        self._queries: dict[str, Any] = {}
        self._processes = 1
        self._dirty = False
        """The manifest in memory differs from the one on disk."""
        self._prune = False
        """A full build ran: cached bodies no page uses can go."""

    # -- inputs -----------------------------------------------------------------------------

    def _load_config(self) -> SiteConfig:
        config = load_config(self.site_dir)
        if self.base_url:
            from dataclasses import replace

            config = replace(config, base_url=self.base_url)
        return config

    @staticmethod
    def _input_roots(config: SiteConfig) -> dict[str, Path]:
        """Each part of a scan and the folder it comes from."""
        from sitegen.theme import theme_dir

        theme = theme_dir(config)
        return {
            "content": config.content_dir,
            "theme_templates": theme / "templates",
            "site_templates": config.root / "templates",
            "theme_static": theme / "static",
            "site_static": config.root / "static",
        }

    def _scan(self, config: SiteConfig) -> dict[str, dict[str, Stat]]:
        roots = self._input_roots(config)
        # Dot files are published from static/ (.well-known); elsewhere they are editor state.
        scan = {part: _walk(root, keep_dots=part.endswith("static")) for part, root in roots.items()}
        # Folders starting with "_" are not collections (see discover_collections): skip them.
        scan["content"] = {k: v for k, v in scan["content"].items() if _is_content(k)}
        return scan

    def _rescan_hinted(
        self, config: SiteConfig, old_scan: dict[str, dict[str, Stat]], changed: Iterable[str | Path]
    ) -> dict[str, dict[str, Stat]] | None:
        """Update last build's scan for just the paths a watcher reported; None means scan everything."""
        if not old_scan:
            return None
        roots = self._input_roots(config)
        scan = {part: dict(entries) for part, entries in old_scan.items()}
        for raw in changed:
            path = Path(raw).absolute()
            for part, root in roots.items():
                try:
                    rel = path.relative_to(root)
                except ValueError:
                    continue
                name = rel.as_posix()
                if any(_skipped(p, part.endswith("static")) for p in rel.parts):
                    break
                if path.is_dir() or (name not in scan[part] and not path.exists() and
                                     any(k.startswith(name + "/") for k in scan[part])):
                    return None  # a folder came or went: scan everything
                if part == "content" and not _is_content(name):
                    break
                st = _file_stat(path)
                if st is None:
                    scan[part].pop(name, None)
                else:
                    scan[part][name] = st
                break
            else:
                if path.name != CONFIG_NAME:
                    continue  # e.g. a file outside every input: nothing to do
        return scan

    def _tampered_outputs(self, outputs: Mapping[str, tuple]) -> set[str]:
        """Outputs deleted or edited by hand since we wrote them (they get written again)."""
        base = str(self.out_dir) + os.sep
        tampered = set()
        for path, rec in outputs.items():
            try:
                st = os.stat(base + path)
            except OSError:
                tampered.add(path)
                continue
            if (st.st_mtime_ns, st.st_size) != rec[2]:
                tampered.add(path)
        return tampered

    # -- the build --------------------------------------------------------------------------

    def build(self, changed: Iterable[str | Path] | None = None) -> Report:
        """Bring the output directory up to date.

        `changed` (optional) lists the paths a watcher saw change; with it, unchanged parts of
        the tree are not re-scanned. Without it, every input is checked.
        """
        started = time.perf_counter()
        report = Report()
        config = self._load_config()
        self.config = config
        identity = (config.digest, self.base_url, self.drafts, str(self.out_dir), __version__)
        if self.state is None:
            self.state = load_manifest(self.cache_dir) or {}
        state = self.state
        self._identity = identity
        full = state.get("identity") != identity or self.clean
        self.clean = False
        old_scan = state.get("scan", {})
        hinted = None if full or changed is None else self._rescan_hinted(config, old_scan, changed)
        scan = hinted if hinted is not None else self._scan(config)
        includes_now = self._include_stats(state.get("records", {}))
        # With hints from a watcher, the output dir is ours alone: skip stat()ing every output.
        self._tampered = set() if hinted is not None else self._tampered_outputs(state.get("outputs", {}))
        if not full and scan == old_scan and includes_now == state.get("includes") and not self._tampered:
            report.seconds = time.perf_counter() - started
            return report

        report.full = full
        self._processes = 1
        old_records: dict[str, PageRecord] = state.get("records", {})
        records = dict(old_records)
        changed_pages = self._refresh_pages(config, scan["content"], old_scan.get("content", {}), records,
                                            includes_now, state.get("includes", {}), full, report)

        # A long-lived builder (serve) keeps its site model when an edit moves nothing:
        # rebuilding it costs more than the edit at 10,000 posts.
        reuse = (
            not full and self.site is not None and _same_structure(old_records, records, changed_pages, config)
        )
        if reuse:
            assert self.site is not None
            site = copy.copy(self.site)
            site.pages = dict(site.pages)
            for key in changed_pages:
                if key in site.pages:
                    site.pages[key] = records[key]
            self._check_md_links(site, changed_pages)
        else:
            site = build_site(config, records, self.drafts)
            self._check_md_links(site)
            self._index = None
        self._bits = field_bits(t.name for t in config.taxonomies)
        if full:  # everything renders anyway: no need to compare page fields
            self._queries = query_values(site)
            deps: set[Dep] = set()
        else:
            deps = self._changed_deps(site, state, old_records, changed_pages, structure_same=reuse)
        changed = pack(deps, self._bits)
        changed.update(pack(self._changed_templates(scan, old_scan), self._bits))
        templates = self._get_templates(config, scan, state, old_scan)

        staging = self.out_dir.parent / f".{self.out_dir.name}.sitegen-staging-{os.getpid()}"
        if staging.exists():
            shutil.rmtree(staging)
        self._memory = {}
        try:
            new_outputs = self._render(site, templates, state.get("outputs", {}), changed, full, staging, report,
                                       use_index=reuse)
            static_plan = self._plan_static(config, scan, old_scan, full, set(new_outputs), report)
            self._bodies.flush()
            self._commit(staging, new_outputs, state.get("outputs", {}), static_plan, report)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

        self.site = site
        self.state = {
            "identity": identity,
            "scan": scan,
            "includes": self._include_stats(records),
            "records": records,
            "neighbours": site.neighbours,
            "queries": self._queries,
            "outputs": new_outputs,
            "static": static_plan["final"],
            "closures": templates.closures,
        }
        report.processes = self._processes
        self._dirty = True
        if full:
            self._prune = True
        if self.autosave:
            self.save()
        report.seconds = time.perf_counter() - started
        return report

    def save(self) -> None:
        """Write the manifest (and drop unused cached bodies after a full build)."""
        if not self._dirty or self.state is None:
            return
        save_manifest(self.cache_dir, self.state)
        if self._prune:
            self._bodies.prune({r.body_key for r in self.state["records"].values()})
            self._prune = False
        self._dirty = False

    # -- pages ------------------------------------------------------------------------------

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
        return {p: _file_stat(self.project_root / p) for p in sorted(paths)}

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
    ) -> set[str]:
        changed: set[str] = set()
        stale_includes = {p for p, st in includes_now.items() if includes_then.get(p, _MISSING) != st}
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
            except OSError as exc:
                raise ContentError(f"cannot read: {exc.strerror}", f"content/{key}") from None
            if not full and old is not None and old.source_hash == source_digest(data) and not uses_stale:
                continue
            todo.append((key, data))
        for key, record, html in self._load_pages(config, todo):
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
        self, config: SiteConfig, todo: list[tuple[str, bytes]]
    ) -> list[tuple[str, PageRecord, str | None]]:
        """Parse and render pages; many at once are spread over the CPU cores."""
        self._get_renderer()  # import and set up before forking, so workers inherit it
        workers = self.jobs
        # fork() is only safe without other threads (serve has some), and pays off past a few dozen pages.
        if len(todo) < PARALLEL_THRESHOLD or workers < 2 or threading.active_count() > 1:
            return [self._load_page(config, key, data) for key, data in todo]
        self._bodies.flush()
        chunks = [todo[i::workers] for i in range(workers)]
        self._processes = max(self._processes, workers)
        results = _in_workers(lambda chunk: self._load_and_store(config, chunk), chunks)
        done = {key: (record, html) for part in results for key, record, html in part}
        return [(key, *done[key]) for key, _ in todo]

    def _load_and_store(
        self, config: SiteConfig, chunk: list[tuple[str, bytes]]
    ) -> list[tuple[str, PageRecord, str | None]]:
        """Worker side: bodies go straight into the cache, so only small records travel back."""
        done = []
        for key, data in chunk:
            key, record, html = self._load_page(config, key, data)
            self._bodies.put(record.body_key, html)
            done.append((key, record, None))
        self._bodies.flush()
        return done

    def _collection_for(self, config: SiteConfig, key: str) -> Any:
        name = key.split("/", 1)[0] if "/" in key else "pages"
        coll = config.collection(name)
        if coll is None:  # pragma: no cover - discover_collections registers every folder
            raise ContentError(f"no collection {name!r} for this file", f"content/{key}")
        return coll

    def _load_page(self, config: SiteConfig, key: str, data: bytes) -> tuple[str, PageRecord, str]:
        doc, record = parse_page(data, key, self._collection_for(config, key), config)
        renderer = self._get_renderer()
        from sitegen.markdown import RENDERER_VERSION

        doc_id = f"{record.collection}-{record.slug}"
        includes: list[tuple[str, str]] = []
        read_include = self._include_reader(key, includes)
        rendered = renderer.render(doc.body, doc_id=doc_id, source=f"content/{key}",
                                   line_offset=doc.body_line, read_include=read_include)
        # The body depends on the included files too, so their text is part of its key.
        digest = hashlib.blake2b(f"{RENDERER_VERSION}\0{doc_id}\0{doc.body}".encode(), digest_size=16)
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

    def _get_renderer(self) -> Any:
        if self._renderer is None:
            from sitegen.markdown import Renderer

            self._renderer = Renderer()
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

    def _check_md_links(self, site: Site, only: set[str] | None = None) -> None:
        pages = site.pages.values() if only is None else [site.pages[k] for k in only if k in site.pages]
        for rec in pages:
            for written in rec.md_links:
                if rec.md_target(written) not in site.pages:
                    raise ContentError(
                        f"link to {written!r}, but there is no such page in content/", f"content/{rec.key}"
                    )

    # -- what changed -----------------------------------------------------------------------

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
            changed.update((key, name) for name in _differing(new, old))
        if structure_same:
            self._queries = state.get("queries", {})
            return changed
        self._queries = query_values(site)
        changed.update(("?q", name) for name in _differing(self._queries, state.get("queries", {})))
        return changed

    def _changed_templates(self, scan: dict[str, dict[str, Stat]], old_scan: dict[str, dict[str, Stat]]) -> set[Dep]:
        changed: set[Dep] = set()
        for part in ("theme_templates", "site_templates"):
            changed.update(("?t", name) for name in _differing(scan[part], old_scan.get(part, {})))
        if changed:
            changed.add(("?t", "*"))
        return changed

    def _get_templates(
        self, config: SiteConfig, scan: dict[str, dict[str, Stat]], state: dict[str, Any], old_scan: dict[str, Any]
    ) -> Any:
        key = (config.digest, config.root, config.theme, repr(scan["theme_templates"]), repr(scan["site_templates"]))
        if self._templates is None or self._templates_key != key:
            from sitegen.templates import Templates

            same = all(scan[p] == old_scan.get(p) for p in ("theme_templates", "site_templates"))
            closures = state.get("closures") if same and state.get("identity") == self._identity else None
            self._templates = Templates(config, self.cache_dir, closures)
            self._templates_key = key
        return self._templates

    # -- rendering and writing --------------------------------------------------------------

    def _render(
        self,
        site: Site,
        templates: Any,
        old_outputs: Mapping[str, tuple],
        changed: set[Any],
        full: bool,
        staging: Path,
        report: Report,
        use_index: bool = False,
    ) -> dict[str, tuple]:
        outputs: dict[str, tuple] = {}
        dirty: list[tuple[Output, tuple | None]] = []
        if use_index:
            # Same outputs as last build: look up the ones that read a changed key instead
            # of asking every output (12,000 of them at 10,000 posts).
            outputs = dict(old_outputs)
            index = self._dep_index(old_outputs)
            by_path = _outputs_by_path(site)
            candidates = {p for key in changed for p in index.get(key, ())} | self._tampered
            for path in sorted(candidates):
                out = by_path.get(path)
                reason = self._why(out, old_outputs[path], changed, full) if out is not None else None
                if reason is not None:
                    dirty.append((out, old_outputs[path]))
                    report.rendered.append((out.url, reason))
        else:
            for out in [*site.outputs, _HIGHLIGHT_CSS]:
                prev = old_outputs.get(out.path)
                reason = self._why(out, prev, changed, full)
                if reason is None:
                    outputs[out.path] = prev
                else:
                    dirty.append((out, prev))
                    report.rendered.append((out.url, reason))
        workers = self.jobs
        if len(dirty) < PARALLEL_THRESHOLD:
            # Small builds (a serve edit) keep the new bytes in memory: no staging tree to make and remove.
            results = [_RenderJob(self, site, templates, None, self._memory).run(dirty)]
        elif workers > 1 and threading.active_count() == 1:
            # Large builds write into a staging folder beside the output, moved into place at the end
            # (a first build moves the whole folder with one rename).
            job = _RenderJob(self, site, templates, staging)
            results = _in_workers(job.run_in_worker, [dirty[i::workers] for i in range(workers)])
            self._processes = max(self._processes, workers)
            # Workers found the templates' include closures; keep them for the next build.
            for part in results:
                templates.closures.update(part.closures)
        else:
            results = [_RenderJob(self, site, templates, staging).run(dirty)]
        for part in results:
            for path, entry, written in part:
                if self._index is not None:
                    self._reindex(path, old_outputs.get(path), entry)
                outputs[path] = entry
                if written:
                    report.written.append(path)
        return outputs

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
        if prev[0] != _definition(out):
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

    def _plan_static(
        self,
        config: SiteConfig,
        scan: dict[str, dict[str, Stat]],
        old_scan: dict[str, dict[str, Stat]],
        full: bool,
        generated: set[str],
        report: Report,
    ) -> dict[str, Any]:
        from sitegen.theme import theme_dir

        sources = {rel: (theme_dir(config) / "static" / rel, st) for rel, st in scan["theme_static"].items()}
        sources.update({rel: (config.root / "static" / rel, st) for rel, st in scan["site_static"].items()})
        old_final: dict[str, tuple] = (self.state or {}).get("static", {})
        copies: list[tuple[Path, str]] = []
        final: dict[str, tuple] = {}
        for rel, (src, st) in sources.items():
            if rel in generated:
                raise ContentError(f"static file {rel} would overwrite a generated page", src)
            prev = old_final.get(rel)
            dest_stat = _file_stat(self.out_dir / rel)
            if full or prev is None or prev[0] != str(src) or prev[1] != st or dest_stat != prev[2]:
                copies.append((src, rel))
                report.copied.append(rel)
            final[rel] = (str(src), st, prev[2] if prev else None)
        removed = [rel for rel in old_final if rel not in final and rel not in generated]
        return {"copies": copies, "final": final, "removed": removed}

    def _commit(
        self,
        staging: Path,
        outputs: dict[str, tuple],
        old_outputs: Mapping[str, tuple],
        static_plan: dict[str, Any],
        report: Report,
    ) -> None:
        out_dir = self.out_dir
        for src, rel in static_plan["copies"]:
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
        if not out_dir.exists() and staging.exists() and not self._memory:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staging, out_dir)
        else:
            for rel in [*report.written, *report.copied]:
                target = out_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                data = self._memory.get(rel)
                if data is None:
                    os.replace(staging / rel, target)
                else:
                    # Each file still appears whole: written beside its target, then renamed.
                    tmp = target.with_name(f".{target.name}.sitegen-tmp")
                    tmp.write_bytes(data)
                    os.replace(tmp, target)
        self._memory = {}
        out_dir.mkdir(parents=True, exist_ok=True)
        gone = [p for p in old_outputs if p not in outputs] + list(static_plan["removed"])
        for rel in gone:
            target = out_dir / rel
            try:
                target.unlink()
                report.removed.append(rel)
            except FileNotFoundError:
                pass
            _prune_empty_dirs(target.parent, out_dir)
        for rel in report.written:
            out, deps, _stat, digest = outputs[rel]
            outputs[rel] = (out, deps, _file_stat(out_dir / rel), digest)
        for rel in report.copied:
            src, st, _ = static_plan["final"][rel]
            static_plan["final"][rel] = (src, st, _file_stat(out_dir / rel))


PARALLEL_THRESHOLD = 48
_TASK: Any = None


def _run_task(chunk: list[Any]) -> Any:
    """Runs in a forked worker, which inherited the task (and everything it refers to) from the parent."""
    return _TASK(chunk)


def _in_workers(task: Any, chunks: list[list[Any]]) -> list[Any]:
    """Run task(chunk) for each chunk in forked processes; results come back in order.

    fork() lets workers share the parent's parsed site model and warmed-up renderer without
    pickling them; callers only use it when the process has no other threads.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _TASK
    _TASK = task
    try:
        with ProcessPoolExecutor(len(chunks), mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run_task, chunks))
    finally:
        _TASK = None


_HIGHLIGHT_CSS = Output(path="highlight.css", url="/highlight.css", template="", kind="asset")


def _outputs_by_path(site: Site) -> dict[str, Output]:
    found = getattr(site, "_by_path", None)
    if found is None:
        found = {o.path: o for o in site.outputs}
        found[_HIGHLIGHT_CSS.path] = _HIGHLIGHT_CSS
        site._by_path = found  # type: ignore[attr-defined]
    return found


def _structure(rec: PageRecord, config: SiteConfig) -> tuple:
    """What places a page in the site: a change here means the site model must be rebuilt."""
    coll = config.collection(rec.collection)
    # Undated collections are sorted by title; dated ones by date.
    title = rec.title if coll is not None and not coll.dated else None
    return (rec.collection, rec.date, rec.draft, rec.terms, rec.path_url, rec.layout, title)


def _same_structure(
    old: Mapping[str, PageRecord], new: Mapping[str, PageRecord], changed: set[str], config: SiteConfig
) -> bool:
    for key in changed:
        before, after = old.get(key), new.get(key)
        if before is None or after is None or _structure(before, config) != _structure(after, config):
            return False
    return True


def _definition(out: Output) -> tuple:
    """What defines an output apart from the page fields it reads; stored as a plain tuple (fast to load)."""
    return (out.template, out.kind, out.page, out.items, out.params)


class _WorkerResults(list):
    """A worker's rendered outputs, plus what it learnt about templates."""

    closures: dict[str, frozenset[str]]


class _RenderJob:
    """Renders outputs and stages the files whose bytes changed; picklable results only."""

    def __init__(
        self, builder: Builder, site: Site, templates: Any, staging: Path | None, memory: dict[str, bytes] | None = None
    ) -> None:
        from sitegen.render import context_for

        self.builder = builder
        self.site = site
        self.templates = templates
        self.staging = staging
        self.memory = memory
        self.context_for = context_for
        self.bits = builder._bits
        self.resolver = Resolver(site, builder._load_body)
        self.site_view = SiteView(self.resolver, dt.datetime.now(site.config.tz))

    def _layout_line(self, key: str) -> int | None:
        from sitegen import frontmatter as fm

        try:
            text = (self.site.config.content_dir / key).read_text("utf-8")
            return fm.key_line(fm.split(text, key), "layout")
        except (OSError, UnicodeDecodeError, SitegenError):
            return None

    def run_in_worker(self, dirty: list[tuple[Output, tuple | None]]) -> _WorkerResults:
        results = _WorkerResults(self.run(dirty))
        results.closures = dict(self.templates.closures)
        return results

    def run(self, dirty: list[tuple[Output, tuple | None]]) -> list[tuple[str, tuple, bool]]:
        results = []
        for out, prev in dirty:
            RECORDER.take()
            if out.kind == "asset":
                from sitegen.markdown import highlight_css

                cfg = self.site.config
                text = highlight_css(cfg.highlight_light, cfg.highlight_dark)
                deps: dict[str, int] = {}
            else:
                ctx = self.context_for(out, self.site, self.resolver, self.site_view)
                try:
                    text = self.templates.render(out.template, ctx, out.url)
                except TemplateError as exc:
                    if exc.path is None and out.page:  # e.g. a `layout:` naming no template
                        raise TemplateError(exc.message, f"content/{out.page}", self._layout_line(out.page)) from None
                    raise
                recorded = RECORDER.take() | {("?t", n) for n in self.templates.closure(out.template)}
                deps = pack(recorded, self.bits)
            data = text.encode("utf-8")
            digest = hashlib.blake2b(data, digest_size=16).hexdigest()
            stat = prev[2] if prev is not None else None
            written = prev is None or prev[3] != digest or out.path in self.builder._tampered
            if written:
                if self.memory is not None:
                    self.memory[out.path] = data
                else:
                    assert self.staging is not None
                    target = self.staging / out.path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                stat = None  # filled in once the file is in place
            results.append((out.path, (_definition(out), deps, stat, digest), written))
        return results


def _prune_empty_dirs(directory: Path, stop: Path) -> None:
    while directory != stop and stop in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def build(site_dir: Path, out_dir: Path | None = None, **kwargs: Any) -> Report:
    """One-shot build for the CLI and tests."""
    return Builder(site_dir, out_dir, **kwargs).build()


def input_kind(path: Path, site_dir: Path, theme: Path | None = None) -> str:
    """Sort a changed path into content, templates, static, config or other (for serve)."""
    try:
        rel = path.resolve().relative_to(site_dir.resolve())
    except ValueError:
        rel = None
    if rel is not None:
        first = rel.parts[0] if rel.parts else ""
        if rel.as_posix() == CONFIG_NAME:
            return "config"
        if first in ("content", "templates", "static"):
            return {"content": "content", "templates": "templates", "static": "static"}[first]
    if theme is not None:
        try:
            trel = path.resolve().relative_to(theme.resolve())
            return "templates" if trel.parts and trel.parts[0] == "templates" else "static"
        except ValueError:
            pass
    return "other"

