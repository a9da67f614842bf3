"""Many images at once: cache look-ups first, then the misses encoded over the CPU cores.

Workers are forked like the build's page renderers (they inherit the settings and imports), read
their file themselves and write variants straight into the cache, so only small facts travel back.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sitegen.images.cache import ImageCache, content_key
from sitegen.images.encode import EncodeSettings, Processed, encode
from sitegen.images.probe import ImageError

Result = Processed | ImageError

# Below this many encodes a pool costs more than it saves (a fork, Pillow's codecs per process).
_PARALLEL_MIN = 3
# Show progress only for runs long enough to wonder about.
_PROGRESS_MIN = 8


@dataclass
class Stats:
    """What one `process` call did; tests count encodes with it."""

    hits: int = 0
    encoded: int = 0
    failed: int = 0
    processes: int = 1
    encoded_keys: list[str] = field(default_factory=list)


def _encode_one(job: tuple[str, str, EncodeSettings, str]) -> tuple[str, Processed | str]:
    """Worker side: read, encode, store. Errors come back as text (small and picklable)."""
    path, key, settings, cache_root = job
    cache = ImageCache(Path(cache_root))
    try:
        data = Path(path).read_bytes()
        processed, files = encode(data, settings, key)
    except ImageError as exc:
        cache.store_error(key, exc)
        return path, str(exc)
    except OSError as exc:
        return path, f"cannot read: {exc.strerror or exc}"
    except MemoryError:
        return path, "not enough memory to decode it"
    cache.store(processed, files)
    return path, processed


def process(
    paths: Iterable[Path],
    cache: ImageCache,
    settings: EncodeSettings,
    *,
    jobs: int = 1,
    progress: TextIO | None = None,
    read: Callable[[Path], bytes] | None = None,
) -> tuple[dict[Path, Result], Stats]:
    """Facts for each image file: from the cache when its bytes were seen with these settings,
    else encoded now (in `jobs` forked processes when there are several and no other threads).

    `progress` (a terminal) gets a one-line counter while a long run encodes.
    """
    read = read or (lambda p: p.read_bytes())
    stats = Stats()
    results: dict[Path, Result] = {}
    todo: list[tuple[str, str, EncodeSettings, str]] = []
    settings_key = settings.key
    for path in dict.fromkeys(paths):
        try:
            data = read(path)
        except OSError as exc:
            results[path] = ImageError(f"cannot read: {exc.strerror or exc}")
            stats.failed += 1
            continue
        key = content_key(data, settings_key)
        found = cache.lookup(key)
        if found is None:
            todo.append((str(path), key, settings, str(cache.root)))
        else:
            results[path] = found
            stats.hits += 1
    if not todo:
        return results, stats
    total = len(todo)
    show = progress if progress is not None and total >= _PROGRESS_MIN else None
    workers = min(jobs, total)
    if workers > 1 and total >= _PARALLEL_MIN and threading.active_count() == 1:
        done = _in_pool(todo, workers)
        stats.processes = workers
    else:
        done = map(_encode_one, todo)
    for n, (path, outcome) in enumerate(done, 1):
        if isinstance(outcome, str):
            results[Path(path)] = ImageError(outcome)
            stats.failed += 1
        else:
            results[Path(path)] = outcome
            stats.encoded += 1
            stats.encoded_keys.append(outcome.key)
        if show is not None:
            show.write(f"\rimages: encoded {n}/{total}")
            show.flush()
    if show is not None:
        show.write("\n")
        show.flush()
    return results, stats


def _in_pool(todo: list[tuple[str, str, EncodeSettings, str]], workers: int) -> Iterable[tuple[str, Processed | str]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Biggest files first, so one large photo does not finish alone at the end.
    order = sorted(todo, key=lambda job: -_size(job[0]))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(_encode_one, job) for job in order]
        for future in as_completed(futures):
            yield future.result()


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def terminal(stream: TextIO | None = None) -> TextIO | None:
    """stderr when it is a terminal (progress lines would litter a log or CI output), else None."""
    stream = stream or sys.stderr
    try:
        return stream if stream.isatty() else None
    except (AttributeError, ValueError):
        return None
