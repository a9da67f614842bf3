#!/usr/bin/env python3
"""Serve benchmark: from saving a post to the served page showing the change, in headless Chromium.

Starts a preview in this process (so watcher and build stages can be timed on one clock), opens
one post in headless Chromium, then repeatedly appends a new paragraph to that post's Markdown
and measures from just before the write until the new text is in the page's DOM. Prints p50 and
p95 of the whole, and of each stage: watcher (write → batch reported), queue, build, broadcast,
and browser (event → fetch → body swapped).

    python3 benchmarks/bench_serve.py                 # the wolfgirl corpus
    python3 benchmarks/bench_serve.py --posts 10000   # the corpus scaled up to 10,000 posts

With `--concurrent N` it measures the server instead: N clients connect at once (loopback,
10 s client timeout) and each fetches the home page; repeated `--rounds` times, it prints the
p50 and p95 of the time to a full response and how many failed. No browser is needed.
`--backlog` overrides the listen queue, to compare with the standard library's 5:

    python3 benchmarks/bench_serve.py --concurrent 200
    python3 benchmarks/bench_serve.py --concurrent 200 --backlog 5
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from sitegen.serve import Preview  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpora" / "wolfgirl"
CONFIG = REPO / "tests" / "ports" / "wolfgirl" / "sitegen.toml"
CHROMIUM = "/usr/bin/chromium"
_PUBLISHED = re.compile(r"^(published|date): *.*$", re.MULTILINE)

# In-page: resolve with performance.now() once `marker` is in the body text. A MutationObserver
# (not polling) so the measurement ends when the DOM changes, not at the next poll.
WATCH_FOR = """marker => {
  window.__benchDone = new Promise(resolve => {
    const seen = () => document.body && document.body.innerText.includes(marker);
    if (seen()) return resolve(performance.now());
    const mo = new MutationObserver(() => { if (seen()) { mo.disconnect(); resolve(performance.now()); } });
    mo.observe(document.documentElement, {childList: true, subtree: true, characterData: true});
  });
}"""


STAGES = [
    ("total", "saved -> new text in the DOM (page clock)"),
    ("driver", "  the same, as seen by the test driver"),
    ("watcher", "  watcher: write -> batch reported"),
    ("queue", "  queue: batch -> build starts"),
    ("build", "  build (Builder.build)"),
    ("broadcast", "  broadcast: events queued to browsers"),
    ("browser", "  browser: event queued -> text in the DOM"),
    ("sse", "    event arrives in the page"),
    ("fetch", "    fetch the page (0: sent with the event)"),
    ("swap", "    parse and swap the body"),
    ("observed", "    until the DOM observer sees the text"),
]


def make_site(out: Path, posts: int) -> Path:
    """The wolfgirl corpus, or `posts` posts made of renamed, redated copies of its posts."""
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from make_corpus import make  # the engine benchmark's generator, when present

        return make(out, posts or None)
    except ImportError:
        pass
    shutil.copytree(CORPUS / "content", out / "content")
    shutil.copy(CONFIG, out / "sitegen.toml")
    sources = [p for coll in ("blog", "cybersec") for p in sorted((CORPUS / "content" / coll).glob("*.md"))]
    for i in range(max(0, posts - len(sources))):
        src = sources[i % len(sources)]
        name = f"{2000 + i // 400 % 26:04d}-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}-gen-{i:05d}-{src.stem[:40]}.md"
        text = src.read_text("utf-8")
        if _PUBLISHED.search(text):
            text = _PUBLISHED.sub(f"published: {1_500_000_000 + i * 3600}", text, count=1)
        (out / "content" / src.parent.name / name).write_text(text, "utf-8")
    return out


def clock_offset(page: Any) -> float:
    """Page time (timeOrigin + now(), ms) / 1000 - perf_counter(), from the quickest of 20 round trips.

    Chromium's timeOrigin alone is off from Python's clocks by up to ~15 ms here, which would
    swamp the stages measured in the page; the best round trip bounds the error to half of it.
    """
    best = (float("inf"), 0.0)
    for _ in range(20):
        before = time.perf_counter()
        page_ms = page.evaluate("performance.timeOrigin + performance.now()")
        after = time.perf_counter()
        best = min(best, (after - before, page_ms / 1000 - (before + after) / 2))
    return best[1]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def _serve_in_child(site: Path, cache: Path, backlog: int | None, ports: Any, stop: Any) -> None:
    from sitegen.serve.server import PreviewServer

    if backlog:
        PreviewServer.request_queue_size = backlog
    preview = Preview(site, cache_dir=cache, port=0, log=io.StringIO())
    preview.start()
    ports.put((preview.port, preview.server.request_queue_size))
    stop.wait()
    preview.close()


def _fetch(port: int, barrier: threading.Barrier, results: list[Any], timeout: float) -> None:
    import http.client

    barrier.wait()
    t0 = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", "/")
        res = conn.getresponse()
        res.read()
        conn.close()
        results.append(time.perf_counter() - t0 if res.status == 200 else None)
    except OSError:
        results.append(None)


def concurrent(site: Path, tmp: Path, clients: int, rounds: int, backlog: int | None) -> None:
    """The server in a child process (its own interpreter lock), the clients here."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    ports, stop = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=_serve_in_child, args=(site, tmp / "cache", backlog, ports, stop))
    child.start()
    try:
        port, queue_size = ports.get(timeout=300)
        latencies: list[float] = []
        failures = 0
        for _ in range(rounds):
            results: list[Any] = []
            barrier = threading.Barrier(clients)
            threads = [threading.Thread(target=_fetch, args=(port, barrier, results, 10.0)) for _ in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            latencies += [r for r in results if r is not None]
            failures += sum(1 for r in results if r is None)
            time.sleep(1)  # let the server drain before the next burst
    finally:
        stop.set()
        child.join(timeout=20)
    ms = [v * 1000 for v in latencies] or [0.0]
    print(f"{clients} concurrent GET / x {rounds} rounds, listen backlog {queue_size}: "
          f"p50 {pct(ms, 50):.1f} ms, p95 {pct(ms, 95):.1f} ms, max {max(ms):.1f} ms, "
          f"{failures} of {clients * rounds} failed; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=0, help="scale the corpus to this many posts (0: as is)")
    parser.add_argument("--edits", type=int, default=30, help="measured edits (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="edits not counted (default 3)")
    parser.add_argument("--post", default="blog/2024-10-05-New-Blog-Styling.md", help="content/ path of the post")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between edits (default 0.5)")
    parser.add_argument("--keep", type=Path, help="build in this directory and keep it")
    parser.add_argument("--port", type=int, default=0,
                        help="fixed port: with --keep, a rerun finds its last build (the base URL names the port)")
    parser.add_argument("--concurrent", type=int, default=0, help="measure N simultaneous requests instead of edits")
    parser.add_argument("--rounds", type=int, default=5, help="bursts of --concurrent requests (default 5)")
    parser.add_argument("--backlog", type=int, help="listen backlog for --concurrent (default: the server's)")
    args = parser.parse_args()

    if args.concurrent:
        tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
        try:
            concurrent(make_site(tmp / "site", args.posts), tmp, args.concurrent, args.rounds, args.backlog)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return 0

    from playwright.sync_api import sync_playwright

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="bench-serve-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        site = tmp / "site"
        if not site.exists():
            make_site(site, args.posts)
        n_posts = sum(1 for _ in (site / "content").rglob("*.md"))
        log = io.StringIO()
        preview = Preview(site, cache_dir=tmp / "cache", port=args.port, log=log)
        started = time.perf_counter()
        preview.start()
        first = time.perf_counter() - started
        stop = threading.Event()
        loop = threading.Thread(target=preview.run, args=(stop,), daemon=True)
        loop.start()
        assert preview.builder.site is not None
        record = preview.builder.site.pages[args.post]
        url = preview.url + record.path_url
        source = site / "content" / args.post
        original = source.read_text("utf-8")
        print(f"{n_posts} posts; first build {first:.2f} s; page {record.path_url}")

        rows: list[dict[str, float]] = []
        reloads = 0
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            page.goto(url)
            page.wait_for_function("window.__sitegen && window.__sitegen.connected")
            epoch = clock_offset(page)
            for i in range(args.warmup + args.edits):
                marker = f"bench edit {i} {time.time_ns()}"
                page.evaluate(WATCH_FOR, marker)
                count = len(preview.timings)
                t0 = time.perf_counter()
                source.write_text(original + f"\n\n{marker}\n", "utf-8")
                try:
                    in_dom = page.evaluate("window.__benchDone.then(t => t + performance.timeOrigin)") / 1000 - epoch
                except Exception:  # the client fell back to a full reload: the promise went with the page
                    reloads += 1
                    page.wait_for_function("m => document.body.innerText.includes(m)", arg=marker)
                    in_dom = None
                t1 = time.perf_counter()
                in_dom = in_dom or t1
                done = next(t for t in preview.timings[count:] if t.report is not None and str(source) in t.paths)
                if i < args.warmup:
                    continue
                assert done.report is not None
                client = page.evaluate("[performance.timeOrigin, window.__sitegen.timing]")
                origin, swap = client[0], client[1] or {}
                received = (origin + swap.get("received", 0)) / 1000 - epoch
                fetched = (origin + swap.get("fetched", 0)) / 1000 - epoch
                applied = (origin + swap.get("applied", 0)) / 1000 - epoch
                rows.append({
                    "total": in_dom - t0,
                    "driver": t1 - t0,
                    "watcher": done.seen - t0,
                    "queue": done.started - done.seen,
                    "build": done.built - done.started,
                    "broadcast": done.sent - done.built,
                    "browser": in_dom - done.sent,
                    "sse": received - done.sent,
                    "fetch": fetched - received,
                    "swap": applied - fetched,
                    "observed": in_dom - applied,
                    "rendered": len(done.report.rendered),
                    "written": len(done.report.written),
                })
                time.sleep(args.pause)  # a writer pauses between saves; not part of any figure
            browser.close()
        source.write_text(original, "utf-8")
        stop.set()
        loop.join(timeout=10)
        preview.close()
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"{len(rows)} edits (+{args.warmup} warm-up), {reloads} fell back to a full reload; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'stage':<44} {'p50 ms':>8} {'p95 ms':>8}")
    for stage, label in STAGES:
        values = [r[stage] * 1000 for r in rows]
        print(f"{label:<44} {pct(values, 50):8.1f} {pct(values, 95):8.1f}")
    rendered = sorted({int(r["rendered"]) for r in rows})
    written = sorted({int(r["written"]) for r in rows})
    print(f"per edit: rendered {rendered} outputs, wrote {written} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
