"""Watch folders with watchfiles' Rust watcher in a daemon thread and hand each batch of paths on."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from watchfiles._rust_notify import RustNotify

from sitegen.errors import SitegenError

OnChange = Callable[[set[str], float], None]
"""Called with the changed paths and the perf_counter() time the batch was reported."""
OnFail = Callable[[BaseException], None]


class Watcher:
    """One watchfiles watcher over `paths`.

    Built on `RustNotify`, the Rust backend that `watchfiles.watch()` wraps (documented as
    watchfiles' "Rust backend" API), because its constructor returns only once the paths are
    registered: an edit made right after `Preview.start()` returns is never missed, which
    `watch()`, registering lazily inside a generator in another thread, cannot promise.

    `step_ms` is how long the tree must be quiet before a batch is reported (so a change costs
    `step_ms` to `2 * step_ms` of latency); `debounce_ms` caps how long a burst is grouped.
    """

    def __init__(self, paths: Sequence[Path], *, recursive: bool, step_ms: int, debounce_ms: int) -> None:
        self.paths = tuple(paths)
        self.step_ms = step_ms
        self.debounce_ms = debounce_ms
        # Same switch as watchfiles.watch(): polling for file systems without notifications.
        polling = os.environ.get("WATCHFILES_FORCE_POLLING", "").lower() not in ("", "0", "false", "no")
        try:
            self._notify = RustNotify([str(p) for p in self.paths], False, polling, 300, recursive, True)
        except (OSError, RuntimeError) as exc:
            # inotify has a per-user limit on watches that a big tree can exhaust
            raise SitegenError(
                f"cannot watch {', '.join(map(str, self.paths))}: {exc} (raise fs.inotify.max_user_watches, "
                "or set WATCHFILES_FORCE_POLLING=1)"
            ) from None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, on_change: OnChange, on_fail: OnFail) -> None:
        self._thread = threading.Thread(target=self._run, args=(on_change, on_fail), daemon=True,
                                        name="sitegen-watch")
        self._thread.start()

    def _run(self, on_change: OnChange, on_fail: OnFail) -> None:
        try:
            while not self._stop.is_set():
                raw = self._notify.watch(self.debounce_ms, self.step_ms, 0, self._stop)
                if isinstance(raw, str):  # "stop", or "signal"/"timeout", which need nothing
                    continue
                on_change({path for _change, path in raw}, time.perf_counter())
        except Exception as exc:
            if not self._stop.is_set():
                on_fail(exc)
        finally:
            self._notify.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is None:
            self._notify.close()
        elif self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
