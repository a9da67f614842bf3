"""The Builder: one site into one output directory, incrementally.

A build scans the inputs (scan.py), parses the content files that changed (pages.py), works out
which dependency keys changed and which outputs read them (plan.py), renders those (render.py)
and puts the result in place (commit.py). The state between builds lives in the cache
(store.py); a build that finds nothing changed imports no Markdown or template library at all.
"""

from __future__ import annotations

import copy
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen import __version__
from sitegen.build.commit import StaticCopies, commit
from sitegen.build.images import ImageStep, image_stats
from sitegen.build.pages import PageLoader
from sitegen.build.plan import MISSING, plan_static, same_structure
from sitegen.build.render import RenderStep, outputs_by_path
from sitegen.build.scan import (
    Scan,
    input_roots,
    publish_fence,
    rescan_hinted,
    scan_inputs,
    tampered_outputs,
    template_names,
)
from sitegen.build.store import BodyStore, cache_dir_for, default_cache_root, load_manifest, save_manifest
from sitegen.build.verified import VerificationStep
from sitegen.build.watchset import WatchSet, watch_set
from sitegen.config import SiteConfig, load_config
from sitegen.content import PageRecord
from sitegen.model import Site, build_site, bundle_assets
from sitegen.views import Dep, field_bits, pack, query_values


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
    warnings: list[str] = field(default_factory=list)
    """Problems that did not stop the build (an unreadable image, an unreachable image host)."""
    images_encoded: int = 0
    """Images encoded (not found in the image cache)."""

    @property
    def changed_files(self) -> list[str]:
        return self.written + self.copied + self.removed

    @property
    def nothing(self) -> bool:
        return not (self.written or self.removed or self.copied)



class Builder(PageLoader, RenderStep, VerificationStep):
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
        secrets: Mapping[str, str] | None = None,
    ) -> None:
        self.site_dir = Path(site_dir).resolve()
        self.out_dir = Path(out_dir).resolve() if out_dir else self.site_dir / "public"
        self.drafts = drafts
        self.base_url = base_url.rstrip("/") if base_url else None
        env = os.environ if environ is None else environ
        self.environ = env
        self.secrets = dict(secrets or {})
        """Values from a secrets file; with the environment, what the secret guard looks for."""
        self.cache_dir = Path(cache_dir) if cache_dir else cache_dir_for(
            default_cache_root(env), self.site_dir, self.out_dir, drafts
        )
        # Encoded images are shared by every site and by serve's preview (same photo, same
        # settings, one encode), unless the caller keeps this build's cache somewhere of its own.
        self.image_cache_dir = self.cache_dir / "images" if cache_dir else default_cache_root(env) / "images"
        self._images: ImageStep | None = None
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
        self._renderer_options: dict[str, str] = {}
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

    def watch_set(self) -> WatchSet:
        """Where the last build read from (before any build: the input folders); serve watches it."""
        config = self.config or self._load_config()
        return watch_set(config, self.state or {}, self.project_root)

    def _load_config(self) -> SiteConfig:
        config = load_config(self.site_dir)
        if self.base_url:
            from dataclasses import replace

            config = replace(config, base_url=self.base_url)
        return config


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
        hinted = None if full or changed is None else rescan_hinted(config, old_scan, changed)
        scan = hinted if hinted is not None else scan_inputs(config)
        includes_now = self._include_stats(state.get("records", {}))
        verified_then = state.get("verified", {})
        verified_now = self._verified_stats(config, state.get("records", {}))
        images_now = image_stats(config, state.get("records", {}), scan)
        # With hints from a watcher, the output dir is ours alone: skip stat()ing every output.
        self._tampered = set() if hinted is not None else tampered_outputs(self.out_dir, state.get("outputs", {}))
        secrets_then = state.get("secrets", "")
        secrets_same = self._secret_values(state.get("records", {}))[1] == secrets_then
        if (not full and scan == old_scan and includes_now == state.get("includes")
                and verified_now == verified_then and secrets_same and images_now == state.get("images", {})
                and not self._tampered):
            report.seconds = time.perf_counter() - started
            return report

        report.full = full
        self._processes = 1
        old_records: dict[str, PageRecord] = state.get("records", {})
        records = dict(old_records)
        # While workers parse, this process loads Jinja and compiles the templates the render step will need.
        changed_pages = self._refresh_pages(
            config, scan["content"], old_scan.get("content", {}), records, includes_now, state.get("includes", {}),
            full, report, meanwhile=lambda: self._get_templates(config, scan, state, old_scan).prepare(
                template_names(scan)),
        )
        verified = self._apply_verification(config, records, changed_pages, verified_then, full)
        images = self._image_step(config)
        # Images of the pages just parsed, and of those showing an image file that changed.
        parsed = set(report.parsed)
        stale = {f for f, st in images_now.items() if state.get("images", {}).get(f, MISSING) != st}
        redo = parsed | {k for k, r in records.items() if stale and not stale.isdisjoint(r.image_files)}
        changed_pages |= images.attach(records, redo, report.warnings, fresh=parsed)

        # A long-lived builder (serve) keeps its site model when an edit moves nothing:
        # rebuilding it costs more than the edit at 10,000 posts.
        reuse = (
            not full and self.site is not None and same_structure(old_records, records, changed_pages, config)
        )
        if reuse:
            assert self.site is not None
            site = copy.copy(self.site)
            site.pages = dict(site.pages)
            for key in changed_pages:
                if key in site.pages:
                    site.pages[key] = records[key]
            self._check_md_links(site, report.warnings, changed_pages)
        else:
            own = set(scan["site_static"])
            if config.publish_files == "all":
                own.update(scan.get("content_files", {}))
            site = build_site(config, records, self.drafts, frozenset(own))
            self._check_md_links(site, report.warnings)
            self._index = None
        self._bits = field_bits(t.name for t in config.taxonomies)
        if full:  # everything renders anyway: no need to compare page fields
            self._queries = query_values(site)
            deps: set[Dep] = set()
        else:
            deps = self._changed_deps(site, state, old_records, changed_pages, structure_same=reuse)
        changed = pack(deps, self._bits)
        changed.update(pack(self._changed_templates(scan, old_scan), self._bits))
        variants, lost = images.publish(site.pages.values())
        if lost:  # variants deleted from the image cache: encode them again
            images.attach(records, lost, report.warnings)
        static_plan = plan_static(config, scan, (self.state or {}).get("static", {}), self.out_dir, full,
                                  set(outputs_by_path(site)), report,
                                  bundle_assets(site, scan.get("content_files", {})), images=variants)

        templates = self._get_templates(config, scan, state, old_scan)
        staging = self.out_dir.parent / f".{self.out_dir.name}.sitegen-staging-{os.getpid()}"
        if staging.exists():
            shutil.rmtree(staging)
        self._memory = {}
        try:
            copies = StaticCopies(staging, static_plan, report, publish_fence(config))
            new_outputs = self._render(site, templates, state.get("outputs", {}), changed, full, staging, report,
                                       use_index=reuse, meanwhile=copies)
            self._bodies.flush()
            secrets = self._guard_secrets(records, new_outputs, secrets_then, staging, report)
            commit(self.out_dir, staging, self._memory, new_outputs, state.get("outputs", {}), copies, report)
            self._memory = {}
            if static_plan["vanished"]:
                _forget(scan, config, set(static_plan["vanished"]))
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

        self.site = site
        self.state = {
            "identity": identity,
            "scan": scan,
            "includes": self._include_stats(records),
            "verified": verified,
            "secrets": secrets,
            "images": image_stats(config, records, scan),
            "records": records,
            "neighbours": site.neighbours,
            "queries": self._queries,
            "outputs": new_outputs,
            "static": static_plan["final"],
            "closures": templates.closures,
        }
        report.processes = self._processes
        report.images_encoded = images.encoded
        self._dirty = True
        if full:
            self._prune = True
        if self.autosave:
            self.save()
        report.seconds = time.perf_counter() - started
        return report

    def _secret_values(self, records: Mapping[str, PageRecord]) -> tuple[dict[str, str], str, dict[str, str]]:
        """Declared secrets (name → declaring page), the fingerprint of their values here, the values."""
        from sitegen.build import guard

        declared = guard.declared_secrets(records)
        values = guard.secret_values(declared, self.environ, self.secrets) if declared else {}
        return declared, guard.fingerprint(values) if values else "", values

    def _guard_secrets(self, records: Mapping[str, PageRecord], outputs: Mapping[str, tuple], then: str,
                       staging: Path, report: Report) -> str:
        """Refuse the build when an output would hold a declared secret's value; returns its fingerprint.

        Outputs written in this build are always looked at; when the values changed since the
        last build (a secret newly set), every output is, read from the output folder if unchanged.
        """
        from sitegen.build import guard
        from sitegen.errors import ContentError

        declared, now, values = self._secret_values(records)
        if not values:
            return now
        written = set(report.written)

        def read(rel: str) -> bytes | None:
            data = self._memory.get(rel)
            if data is not None:
                return data
            for folder in ((staging,) if rel in written else ()) + (self.out_dir,):
                try:
                    return (folder / rel).read_bytes()
                except OSError:
                    continue
            return None

        # Pages first, so the error names the page a feed or a list merely repeats.
        paths = sorted(outputs if now != then else written, key=lambda rel: (not outputs[rel][0][2], rel))
        leak = guard.find_leak(paths, read, values)
        if leak is None:
            return now
        rel, name = leak
        page = outputs[rel][0][2]
        what = f"the page ({rel})" if page else rel
        raise ContentError(
            f"{what} would publish the value of secret {name}, declared by content/{declared[name]}; "
            "nothing was written", f"content/{page}" if page else None,
        )

    def close(self) -> None:
        """Close the cache database (a builder used again opens it again)."""
        self._bodies.close()

    def save(self) -> None:
        """Write the manifest (and drop unused cached bodies after a full build)."""
        if not self._dirty or self.state is None:
            return
        save_manifest(self.cache_dir, self.state)
        if self._prune:
            self._bodies.prune({r.body_key for r in self.state["records"].values()})
            self._prune = False
        self._dirty = False


    def _image_step(self, config: SiteConfig) -> ImageStep:
        if self._images is None or self._images.config != config:
            self._images = ImageStep(config, self.image_cache_dir, self.jobs)
        self._images.encoded = 0
        return self._images

    # -- templates --------------------------------------------------------------------------

    def _get_templates(
        self, config: SiteConfig, scan: Scan, state: dict[str, Any], old_scan: dict[str, Any]
    ) -> Any:
        key = (config.digest, config.root, config.theme, repr(scan["theme_templates"]), repr(scan["site_templates"]))
        if self._templates is None or self._templates_key != key:
            from sitegen.templates import Templates

            same = all(scan[p] == old_scan.get(p) for p in ("theme_templates", "site_templates"))
            closures = state.get("closures") if same and state.get("identity") == self._identity else None
            self._templates = Templates(config, self.cache_dir, closures)
            self._templates_key = key
        return self._templates


def build(site_dir: Path, out_dir: Path | None = None, **kwargs: Any) -> Report:
    """One-shot build for the CLI and tests."""
    return Builder(site_dir, out_dir, **kwargs).build()


def _forget(scan: Scan, config: SiteConfig, gone: set[str]) -> None:
    """Drop files that vanished before they could be copied from the scan this build saves, so the
    next build sees them as new even if they come back with the same (mtime, size)."""
    roots = {**input_roots(config), "content_files": config.content_dir}
    for part in ("theme_static", "site_static", "content_files"):
        entries = scan.get(part, {})
        for key in [k for k in entries if str(roots[part] / k) in gone]:
            del entries[key]
