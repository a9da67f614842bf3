"""Rendering outputs: pick the ones whose dependencies changed, render them (forked workers for
large builds), stage the files whose bytes changed.

Small builds (a serve edit) keep new bytes in memory; large ones write into a staging folder
beside the output directory, which commit.py moves into place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.build.commit import make_dirs, write_file
from sitegen.build.plan import Planner, definition
from sitegen.errors import SitegenError, TemplateError
from sitegen.model import Output, Site
from sitegen.views import RECORDER, Resolver, SiteView, pack

if TYPE_CHECKING:
    from sitegen.build.builder import Builder, Report
    from sitegen.build.store import BodyStore

PARALLEL_THRESHOLD = 48
_TASK: Any = None


def run_task(chunk: list[Any]) -> Any:
    """Runs in a forked worker, which inherited the task (and everything it refers to) from the parent."""
    return _TASK(chunk)


# Chunks per worker: a worker that finishes early (short posts, or a core less busy with other
# programs) takes the next chunk instead of waiting for the slowest one.
CHUNKS_PER_WORKER = 6


def split(items: list[Any], workers: int) -> list[list[Any]]:
    """Items in contiguous chunks, several per worker, in order."""
    count = max(1, min(len(items), workers * CHUNKS_PER_WORKER))
    size, extra = divmod(len(items), count)
    chunks, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        chunks.append(items[start:end])
        start = end
    return chunks


def split_weighted(items: list[Any], weights: list[float], workers: int) -> list[list[Any]]:
    """Items, heaviest first, in chunks that shrink as the work left does ("guided" scheduling):
    each chunk is about 1/(2 x workers) of what remains, down to 1/(16 x workers) of the whole.
    Workers take the next chunk when done, so the last chunks, which decide when the slower
    worker finishes, are small, while there are few chunks to hand out (each costs a round trip)."""
    order = sorted(range(len(items)), key=lambda i: weights[i], reverse=True)
    total = float(sum(weights)) or 1.0
    floor = total / (16 * workers)
    chunks: list[list[Any]] = []
    current: list[Any] = []
    weight, left = 0.0, total
    for i in order:
        current.append(items[i])
        weight += weights[i]
        if weight >= max(left / (2 * workers), floor):
            chunks.append(current)
            left -= weight
            current, weight = [], 0.0
    if current:
        chunks.append(current)
    return chunks


def in_workers(
    task: Any, chunks: list[list[Any]], processes: int | None = None, meanwhile: Callable[[], None] | None = None
) -> list[Any]:
    """Run task(chunk) for each chunk in `processes` forked processes (one per chunk by default),
    each taking the next chunk when done; results come back in order.

    fork() lets workers share the parent's parsed site model and warmed-up renderer without
    pickling them; callers only use it when the process has no other threads.
    `meanwhile()` runs in the parent once the workers are forked, while they work: the parent
    would otherwise only wait (the workers never see what it does).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _TASK
    _TASK = task
    try:
        with ProcessPoolExecutor(processes or len(chunks), mp_context=multiprocessing.get_context("fork")) as pool:
            results = pool.map(run_task, chunks)  # submits every chunk: the workers start now
            if meanwhile is not None:
                meanwhile()
            return list(results)
    finally:
        _TASK = None


HIGHLIGHT_CSS = Output(path="highlight.css", url="/highlight.css", template="", kind="asset")


def outputs_by_path(site: Site) -> dict[str, Output]:
    found = getattr(site, "_by_path", None)
    if found is None:
        found = {o.path: o for o in site.outputs}
        found[HIGHLIGHT_CSS.path] = HIGHLIGHT_CSS
        site._by_path = found  # type: ignore[attr-defined]
    return found



class RenderStep(Planner):
    """The Builder's render step (a mixin: the state lives on the Builder)."""

    jobs: int
    _index: dict[str, set[str]] | None
    _memory: dict[str, bytes]
    _processes: int
    _tampered: set[str]
    _bodies: BodyStore

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
        meanwhile: Callable[[], None] | None = None,
    ) -> dict[str, tuple]:
        """The outputs after this build; `meanwhile()` runs in this process while forked workers
        render (not at all when rendering here: the caller runs it)."""
        outputs: dict[str, tuple] = {}
        dirty: list[tuple[Output, tuple | None]] = []
        if use_index:
            # Same outputs as last build: look up the ones that read a changed key instead
            # of asking every output (12,000 of them at 10,000 posts).
            outputs = dict(old_outputs)
            index = self._dep_index(old_outputs)
            by_path = outputs_by_path(site)
            candidates = {p for key in changed for p in index.get(key, ())} | self._tampered
            for path in sorted(candidates):
                out = by_path.get(path)
                reason = self._why(out, old_outputs[path], changed, full) if out is not None else None
                if reason is not None:
                    dirty.append((out, old_outputs[path]))
                    report.rendered.append((out.url, reason))
        else:
            for out in [*site.outputs, HIGHLIGHT_CSS]:
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
            results = [RenderJob(self, site, templates, None, self._memory).run(dirty)]
        elif workers > 1 and threading.active_count() == 1:
            # Large builds write into a staging folder beside the output, moved into place at the end
            # (a first build moves the whole folder with one rename).
            job = RenderJob(self, site, templates, staging)
            self._bodies.open()  # before the fork: the workers read bodies from it at once
            templates.prepare({out.template for out, _ in dirty if out.template})
            results = in_workers(job.run_in_worker, split(dirty, workers), workers, meanwhile)
            self._processes = max(self._processes, workers)
            # Workers found the templates' include closures; keep them for the next build.
            for part in results:
                templates.closures.update(part.closures)
        else:
            results = [RenderJob(self, site, templates, staging).run(dirty)]
        for part in results:
            for path, entry, written in part:
                if self._index is not None:
                    self._reindex(path, old_outputs.get(path), entry)
                outputs[path] = entry
                if written:
                    report.written.append(path)
        return outputs


class WorkerResults(list):
    """A worker's rendered outputs, plus what it learnt about templates."""

    closures: dict[str, frozenset[str]]


class RenderJob:
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
        self._by_template: dict[str, dict[str, int]] = {}
        if staging is not None:
            # A large build: the workers forked after this share the code colours (~4 ms to make).
            self.site_view.highlight_css  # noqa: B018

    def _layout_line(self, key: str) -> int | None:
        from sitegen import frontmatter as fm

        try:
            text = (self.site.config.content_dir / key).read_text("utf-8")
            return fm.key_line(fm.split(text, key), "layout")
        except (OSError, UnicodeDecodeError, SitegenError):
            return None

    def _template_deps(self, name: str) -> dict[str, int]:
        """The packed dependencies on a template and all it includes (the same for each output)."""
        deps = self._by_template.get(name)
        if deps is None:
            deps = self._by_template[name] = pack({("?t", n) for n in self.templates.closure(name)}, self.bits)
        return deps

    def run_in_worker(self, dirty: list[tuple[Output, tuple | None]]) -> WorkerResults:
        results = WorkerResults(self.run(dirty))
        results.closures = dict(self.templates.closures)
        return results

    def run(self, dirty: list[tuple[Output, tuple | None]]) -> list[tuple[str, tuple, bool]]:
        results = []
        for out, prev in dirty:
            RECORDER.take()
            if out.kind == "asset":
                text = str(self.site_view.highlight_css)  # made once per process for pages and this file
                deps: dict[str, int] = {}
            else:
                ctx = self.context_for(out, self.site, self.resolver, self.site_view)
                try:
                    text = self.templates.render(out.template, ctx, out.url)
                except TemplateError as exc:
                    if exc.path is None and out.page:  # e.g. a `layout:` naming no template
                        raise TemplateError(exc.message, f"content/{out.page}", self._layout_line(out.page)) from None
                    raise
                deps = pack(RECORDER.take(), self.bits)
                deps.update(self._template_deps(out.template))
            data = text.encode("utf-8")
            digest = hashlib.blake2b(data, digest_size=16).hexdigest()
            stat = prev[2] if prev is not None else None
            written = prev is None or prev[3] != digest or out.path in self.builder._tampered
            if written:
                if self.memory is not None:
                    self.memory[out.path] = data
                    stat = None  # commit writes it, and records its stat
                else:
                    assert self.staging is not None
                    target = os.path.join(self.staging, out.path)
                    make_dirs(os.path.dirname(target))
                    stat = write_file(target, data)  # moving it into place keeps mtime and size
            results.append((out.path, (definition(out), deps, stat, digest), written))
        return results
