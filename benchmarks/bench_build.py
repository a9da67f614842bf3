#!/usr/bin/env python3
"""Build benchmarks: cold, no-change, one-post body edit, template edit; fresh process each time.

Each figure is the median wall time of several runs of `python3 -m sitegen build` in a new
process (so start-up and imports count, as they do for a user), with peak RSS of that process
(children included, since large builds fork workers).

    python3 benchmarks/bench_build.py [--posts 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import REPO, make

# An installed package has its bytecode compiled at install time; this sandbox sets
# PYTHONDONTWRITEBYTECODE, which would make every run recompile sitegen's modules from source.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_build(site: Path, out: Path, cache: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in KiB (of the build and its workers), and the build's own summary."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", str(site), "--out", str(out), "--cache-dir", str(cache)],
        capture_output=True, text=True, check=False, env=ENV,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stdout}{proc.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(after, before), proc.stdout.strip()


def peak_rss_one(site: Path, out: Path, cache: Path) -> int:
    """Peak RSS of a single cold build, measured by GNU time when available (max over the tree is not summed)."""
    time_bin = shutil.which("time") or "/usr/bin/time"
    if not os.path.exists(time_bin):
        return 0
    proc = subprocess.run(
        [time_bin, "-f", "%M", sys.executable, "-m", "sitegen", "build", str(site), "--out", str(out),
         "--cache-dir", str(cache)],
        capture_output=True, text=True, check=True, env=ENV,
    )
    return int(proc.stderr.strip().splitlines()[-1])


def edit_body(post: Path, n: int) -> None:
    with post.open("a", encoding="utf-8") as fh:
        fh.write(f"\nBenchmark edit number {n}.\n")


def edit_template(template: Path, n: int) -> None:
    text = template.read_text("utf-8")
    template.write_text(text + f"\n{{# benchmark edit {n} #}}\n", "utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=0, help="scale the corpus to N posts (0: wolfgirl as is)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sitegen-bench-") as tmp:
        root = Path(tmp)
        site = make(root / "site", args.posts or None)
        # A copy of the post template in the site, so a template edit does not touch the repo.
        (site / "templates").mkdir()
        shutil.copy(REPO / "themes" / "default" / "templates" / "post.html", site / "templates" / "post.html")
        posts = sorted((site / "content" / "blog").glob("*.md"))
        target = posts[len(posts) // 2]
        out, cache = root / "out", root / "cache"
        n_files = sum(1 for _ in (site / "content").rglob("*.md"))
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "sitegen")], check=True, env=ENV)
        print(f"corpus: {n_files} content files; {os.cpu_count()} cores; python {sys.version.split()[0]}")

        results: dict[str, list[float]] = {"cold": [], "no-change": [], "body edit": [], "template edit": []}
        peaks: dict[str, int] = {}
        for i in range(args.runs):
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)
            wall, _, summary = run_build(site, out, cache)
            results["cold"].append(wall)
            wall, _, _ = run_build(site, out, cache)
            results["no-change"].append(wall)
            edit_body(target, i)
            wall, _, body_summary = run_build(site, out, cache)
            results["body edit"].append(wall)
            edit_template(site / "templates" / "post.html", i)
            wall, _, tmpl_summary = run_build(site, out, cache)
            results["template edit"].append(wall)
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        peaks["cold"] = peak_rss_one(site, out, cache)
        peaks["no-change"] = peak_rss_one(site, out, cache)

        print(f"last cold build said: {summary}")
        print(f"last body edit said: {body_summary}")
        print(f"last template edit said: {tmpl_summary}")
        print(f"{'figure':<15} {'median':>9} {'min':>9} {'max':>9}   (seconds, {args.runs} runs)")
        for name, values in results.items():
            print(f"{name:<15} {statistics.median(values):9.3f} {min(values):9.3f} {max(values):9.3f}")
        for name, kib in peaks.items():
            print(f"peak RSS {name}: {kib / 1024:.0f} MiB (main process, GNU time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
