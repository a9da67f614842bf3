"""The preview loop: first build, then watcher batches → one build at a time → events to the browsers.

Threads: the HTTP server and its request threads, one watcher thread per watched tree, and the
caller's thread, which runs every build (the Builder is not thread-safe) and broadcasts.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sitegen.build.builder import Builder, Report
from sitegen.build.store import default_cache_root
from sitegen.build.watchset import WatchSet
from sitegen.config import CONFIG_NAME, load_config
from sitegen.errors import ConfigError, SitegenError
from sitegen.serve.changes import KINDS, changes_watch_set, needs_build, reload_event, sort_changes
from sitegen.serve.hosts import url_host
from sitegen.serve.hub import Hub
from sitegen.serve.server import PreviewServer
from sitegen.serve.watch import Watcher
from sitegen.urls import url_for_file

STEP_MS = 2
"""Quiet time before the watcher reports a batch: a save reaches the build 2-4 ms later (idle cost
of waking every 2 ms: under 1% of a core)."""
DEBOUNCE_MS = 100
"""Longest a burst of events (a `git checkout`) is grouped before it is reported."""
SAVE_WHEN_IDLE_S = 1.0
"""Write the build manifest once no change has come for this long (0.6 s for 10,000 posts)."""
PUSH_PAGES = 8
PUSH_BYTES = 2_000_000
"""At most this many changed pages, of at most this many bytes in all, go along with an event."""
SITE_STEP_MS = 50
"""sitegen.toml and the top folders change rarely; their watcher need not wake up as often."""


@dataclass
class Timing:
    """When one rebuild's stages finished (time.perf_counter() values), for logs and benchmarks."""

    paths: list[str]
    """The changed paths that triggered the build."""
    seen: float
    """When the watcher reported the batch."""
    started: float = 0.0
    built: float = 0.0
    sent: float = 0.0
    """When the events were queued to every browser."""
    report: Report | None = None
    error: str | None = None
    kinds: list[str] = field(default_factory=list)


def preview_dirs(
    site_dir: Path,
    out_dir: Path | None,
    cache_dir: Path | None,
    drafts: bool,
    address: str,
    environ: Mapping[str, str],
) -> tuple[Path, Path | None]:
    """(output directory, build cache or None for the engine's default) for a preview.

    The output goes under the cache, never into the site's public/: a preview with drafts
    and a localhost base URL must not clobber the real build. It is keyed by the address, so
    restarting on the same port finds its previous output and rebuilds incrementally.
    """
    if cache_dir is not None:
        return (Path(out_dir) if out_dir else Path(cache_dir) / "preview"), Path(cache_dir)
    if out_dir is not None:
        return Path(out_dir), None
    ident = f"{site_dir}\0{drafts}\0{address}".encode()
    digest = hashlib.blake2b(ident, digest_size=8).hexdigest()
    return default_cache_root(environ) / "serve" / f"{site_dir.name}-{digest}", None


class Preview:
    """A site being previewed: its builder, HTTP server, watchers and connected browsers."""

    def __init__(
        self,
        site_dir: Path,
        *,
        out_dir: Path | None = None,
        cache_dir: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 8000,
        drafts: bool = True,
        verbose: bool = False,
        environ: Mapping[str, str] | None = None,
        heartbeat: float = 15.0,
        step_ms: int = STEP_MS,
        debounce_ms: int = DEBOUNCE_MS,
        log: TextIO | None = None,
    ) -> None:
        self.site_dir = Path(site_dir).resolve()
        if not (self.site_dir / CONFIG_NAME).is_file():
            raise ConfigError(f"no {CONFIG_NAME} in {self.site_dir}: is this a site directory?")
        env = os.environ if environ is None else environ
        self.verbose = verbose
        self.step_ms = step_ms
        self.debounce_ms = debounce_ms
        self.log = log if log is not None else sys.stderr
        self.out_dir, builder_cache = preview_dirs(self.site_dir, out_dir, cache_dir, drafts, f"{host}:{port}", env)
        self.out_dir = self.out_dir.resolve()
        # Generations count on from the clock, so a tab that reconnects to a restarted preview
        # sees a different one and refreshes, rather than matching a count that began at 0 again.
        self.hub = Hub(first_gen=time.time_ns() // 1_000_000)
        try:
            self.server = PreviewServer((host, port), self.out_dir, self.hub, heartbeat=heartbeat,
                                        log_requests=verbose)
        except OSError as exc:
            raise SitegenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        self.port: int = self.server.server_address[1]
        self.url = f"http://{url_host(host)}:{self.port}"
        """The preview's origin, also the base URL it builds with so absolute links stay local."""
        self.builder = Builder(self.site_dir, self.out_dir, drafts=drafts, cache_dir=builder_cache,
                               base_url=self.url, environ=env)
        # Writing the manifest costs as much as rendering a post (far more on a big site), and a
        # build cannot start while it runs: it waits until the loop has been idle a while.
        self.builder.autosave = False
        self._last_build = 0.0
        self.timings: list[Timing] = []
        """Every rebuild since start, oldest first (the first build included)."""
        self._changes: queue.SimpleQueue[tuple[set[str], float, bool]] = queue.SimpleQueue()
        self._tree: Watcher | None = None
        self._folders: Watcher | None = None
        self._reads: WatchSet | None = None
        self._site_watcher: Watcher | None = None
        self._theme: Path | None = None
        self._serving: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Watch, build once, then serve. Returns once the site is reachable."""
        self._site_watcher = Watcher([self.site_dir], recursive=False, step_ms=SITE_STEP_MS,
                                     debounce_ms=self.debounce_ms)
        self._site_watcher.start(self._on_change, self._on_fail)
        # Watch before the first build, so an edit made while it runs is not lost.
        self._rewatch()
        self.handle(set(), time.perf_counter(), force=True)
        self._serving = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                         daemon=True, name="sitegen-http")
        self._serving.start()

    def run(self, stop: threading.Event) -> None:
        """Rebuild on every batch of changes until `stop` is set (or KeyboardInterrupt)."""
        while not stop.is_set():
            try:
                paths, seen, force = self._changes.get(timeout=0.1)
            except queue.Empty:
                if time.perf_counter() - self._last_build >= SAVE_WHEN_IDLE_S:
                    self._save()
                continue
            # Everything that piled up during the last build goes into one build.
            while True:
                try:
                    more, more_seen, more_force = self._changes.get_nowait()
                except queue.Empty:
                    break
                paths |= more
                seen = min(seen, more_seen)
                force = force or more_force
            self.handle(paths, seen, force)
            self._last_build = time.perf_counter()

    def close(self) -> None:
        """Stop watching, end every event stream and stop serving; keep the build state for next time."""
        for watcher in (self._tree, self._folders, self._site_watcher):
            if watcher is not None:
                watcher.stop()
        self._save()
        # Stop accepting first, then end the streams: a browser reconnecting in between must
        # meet a closed port (it retries) rather than a refusal (EventSource gives up on those).
        if self._serving is not None:
            self.server.shutdown()
        self.hub.close()
        self.server.server_close()

    def _save(self) -> None:
        """Write the build manifest if a build changed it, so a restart rebuilds incrementally."""
        try:
            self.builder.save()
        except OSError as exc:
            print(f"warning: cannot save the build cache: {exc}", file=self.log)

    # -- watching ---------------------------------------------------------------------------

    def _on_change(self, paths: set[str], seen: float) -> None:
        self._changes.put((paths, seen, False))

    def _on_fail(self, exc: BaseException) -> None:
        print(f"warning: the file watcher stopped ({exc}); watching again", file=self.log)
        self._changes.put((set(), time.perf_counter(), True))

    def _theme_dir(self) -> Path | None:
        from sitegen.theme import theme_dir

        try:
            return theme_dir(self.builder.config or load_config(self.site_dir)).resolve()
        except SitegenError:
            return None

    def _rewatch(self) -> bool:
        """Follow what the build reads (Builder.watch_set, the build's own inputs): restart the tree
        watcher if its folders moved (True: events may have been lost meanwhile), and the watcher
        of the single folders (include= files, records, symlink targets…) if those did."""
        self._theme = self._theme_dir()
        try:
            found = self.builder.watch_set()
        except SitegenError:
            # sitegen.toml is broken: keep watching what we did; fixing it builds and comes back here.
            return False
        self._reads = found
        # The site's own top-level files are the site watcher's.
        self._watch_folders([f for f in found.folders if f != self.site_dir])
        wanted = list(found.trees)
        if self._tree is not None and list(self._tree.paths) == wanted:
            return False
        if self._tree is not None:
            self._tree.stop()
            self._tree = None
        if wanted:
            try:
                self._tree = Watcher(wanted, recursive=True, step_ms=self.step_ms, debounce_ms=self.debounce_ms)
            except SitegenError as exc:
                if self._serving is None:
                    raise  # at start: the preview would never update, so say so and stop
                print(f"warning: {exc}", file=self.log, flush=True)
                return True
            self._tree.start(self._on_change, self._on_fail)
        return True

    def _watch_folders(self, folders: list[Path]) -> None:
        if (self._folders.paths if self._folders is not None else ()) == tuple(folders):
            return
        new = None
        if folders:
            try:
                new = Watcher(folders, recursive=False, step_ms=self.step_ms, debounce_ms=self.debounce_ms)
            except SitegenError as exc:
                print(f"warning: {exc}", file=self.log, flush=True)
            else:
                new.start(self._on_change, self._on_fail)  # before the old one stops: no gap for folders in both
        old, self._folders = self._folders, new
        if old is not None:
            old.stop()

    # -- building ---------------------------------------------------------------------------

    def handle(self, paths: set[str], seen: float, force: bool = False) -> Timing | None:
        """Rebuild for one batch of changed paths, if any of them is an input; tell the browsers."""
        kinds = sort_changes(paths, self.site_dir, self._theme, self.out_dir)
        # Files outside the input folders that the last build read (a symlinked page's target,
        # its verification record, an include= file): the build finds out what they change.
        read = [p for p in kinds.pop("other", []) if self._reads is not None and self._reads.reads(p)]
        if read:
            kinds.setdefault("content", []).extend(read)
        moved = changes_watch_set(paths, self.site_dir) or "config" in kinds
        if not (force or moved or needs_build(kinds)):
            return None
        inputs = sorted(str(p) for kind in KINDS for p in kinds.get(kind, ()))
        timing = Timing(paths=inputs, seen=seen, kinds=[k for k in KINDS if k in kinds])
        self.timings.append(timing)
        timing.started = time.perf_counter()
        try:
            report = self.builder.build(changed=inputs or None)
        except SitegenError as exc:
            timing.built = time.perf_counter()
            self._failed(timing, exc.path, exc.line, exc.message)
        except Exception as exc:  # a bug, not the user's mistake: say so, keep serving
            timing.built = time.perf_counter()
            traceback.print_exc(file=self.log)
            self._failed(timing, None, None, f"internal error: {exc!r} (please report it)")
        else:
            timing.built = time.perf_counter()
            timing.report = report
            recovered = self.hub.error is not None
            self.hub.built(self._with_pages(reload_event(report), report))
            timing.sent = time.perf_counter()
            self._log_build(timing, report, recovered)
        if self._rewatch():
            # Events between the old watcher stopping and the new one starting are lost:
            # a forced build rescans everything.
            self._changes.put((set(), time.perf_counter(), True))
        return timing

    def _with_pages(self, event: dict[str, Any] | None, report: Report) -> dict[str, Any] | None:
        """Send the few pages a small edit changed along with the event: tabs showing one of
        them skip fetching it (a round trip through the browser's network stack)."""
        if event is None or event["all"] or not 0 < len(event["pages"]) <= PUSH_PAGES:
            return event
        html: dict[str, str] = {}
        budget = PUSH_BYTES
        pages = set(event["pages"])
        for rel in report.written:
            url = url_for_file(rel)
            if url not in pages:
                continue
            try:
                data = (self.out_dir / rel).read_bytes()
            except OSError:
                continue
            if len(data) > budget:
                break
            budget -= len(data)
            html[url] = data.decode("utf-8", "replace")
        return {**event, "html": html}

    def _failed(self, timing: Timing, path: str | None, line: int | None, message: str) -> None:
        if path is not None:
            path = _rel(path, self.site_dir)
        self.hub.failed(path, line, message)
        timing.sent = time.perf_counter()
        where = f"{path}:{line}" if path and line else (path or "")
        timing.error = f"{where}: {message}" if where else message
        print(f"error: {timing.error}", file=self.log, flush=True)

    def _log_build(self, timing: Timing, report: Report, recovered: bool) -> None:
        ms = (timing.built - timing.started) * 1000
        what = ", ".join(_rel(p, self.site_dir) for p in timing.paths[:3]) + (" …" if len(timing.paths) > 3 else "")
        prefix = "fixed; " if recovered else ""
        for warning in report.warnings:
            print(f"warning: {warning}", file=self.log, flush=True)
        if report.nothing:
            if self.verbose or recovered:
                print(f"  {prefix}no output changed ({what}) in {ms:.0f} ms", file=self.log, flush=True)
            return
        print(
            f"  {prefix}rebuilt{' ' + what if what else ''}: {len(report.rendered)} rendered, "
            f"{len(report.written)} written, {len(report.copied)} copied, {len(report.removed)} removed "
            f"in {ms:.0f} ms",
            file=self.log, flush=True,
        )
        if self.verbose:
            for url, reason in report.rendered:
                print(f"    rendered {url}  ({reason})", file=self.log)


def _rel(path: str, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Any:
    """SIGTERM (a service manager, `kill`) stops the preview as cleanly as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(args: argparse.Namespace) -> int:
    """`sitegen serve`: run until Ctrl-C, then exit 0 without a traceback."""
    preview = Preview(args.site_dir, out_dir=args.out, cache_dir=args.cache_dir, host=args.host, port=args.port,
                      drafts=not args.no_drafts, verbose=args.verbose)
    with _sigterm_as_interrupt():
        try:
            preview.start()
            drafts = "drafts shown" if not args.no_drafts else "drafts hidden"
            print(f"serving {preview.url}/ ({drafts}; output in {preview.out_dir}); Ctrl-C to stop", flush=True)
            preview.run(threading.Event())
        except KeyboardInterrupt:
            pass
        finally:
            # A second Ctrl-C while closing must not turn a clean exit into a traceback.
            with contextlib.suppress(KeyboardInterrupt):
                preview.close()
    print("stopped", flush=True)
    return 0
