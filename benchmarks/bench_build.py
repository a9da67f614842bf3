#!/usr/bin/env python3
"""Build benchmarks: cold, no-change, one-post body edit, template edit; fresh process each time.

Each figure is the median of several runs of `python3 -m sitegen build` in a new process (so
start-up and imports count, as they do for a user): wall seconds, and CPU seconds of the build
and its forked workers (user + system, from getrusage), which stay meaningful on a busy machine.
Peak RSS of a cold and a no-change build comes from GNU time. `--posts` takes several sizes to
show how the time grows with the number of posts; the load average is printed with each.

    python3 benchmarks/bench_build.py [--posts 250,750,1500] [--runs 5]
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
from fresh import SetAside
from make_corpus import REPO, make

# An installed package has its bytecode compiled at install time; this sandbox sets
# PYTHONDONTWRITEBYTECODE, which would make every run recompile sitegen's modules from source.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_build(site: Path, out: Path, cache: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the build and its workers), and the build's own summary."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", str(site), "--out", str(out), "--cache-dir", str(cache)],
        capture_output=True, text=True, check=False, env=ENV,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stdout}{proc.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, proc.stdout.strip()


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


def bench(root: Path, posts: int | None, runs: int) -> None:
    site = make(root / "site", posts)
    # A copy of the post template in the site, so a template edit does not touch the repo.
    (site / "templates").mkdir()
    shutil.copy(REPO / "themes" / "default" / "templates" / "post.html", site / "templates" / "post.html")
    posts_found = sorted((site / "content" / "blog").glob("*.md"))
    target = posts_found[len(posts_found) // 2]
    out, cache = root / "out", root / "cache"
    n_files = sum(1 for _ in (site / "content").rglob("*.md"))
    print(f"\ncorpus: {n_files} content files; {os.cpu_count()} cores; python {sys.version.split()[0]}")

    names = ("cold", "no-change", "body edit", "template edit")
    walls: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    loads = []
    summaries: dict[str, str] = {}
    aside = SetAside(root)
    for i in range(runs):
        loads.append(os.getloadavg()[0])
        aside.clear(out, cache)  # not deleted: see fresh.py
        for name in names:
            if name == "body edit":
                edit_body(target, i)
            elif name == "template edit":
                edit_template(site / "templates" / "post.html", i)
            wall, cpu, summaries[name] = run_build(site, out, cache)
            walls[name].append(wall)
            cpus[name].append(cpu)
    aside.clear(out, cache)
    peaks = {"cold": peak_rss_one(site, out, cache), "no-change": peak_rss_one(site, out, cache)}
    aside.empty()

    for name in ("cold", "body edit", "template edit"):
        print(f"last {name} said: {summaries[name]}")
    print(f"load average (1 min) at the start of each run: {', '.join(f'{x:.1f}' for x in loads)}")
    print(f"{'figure':<15} {'wall med':>9} {'wall min':>9} {'cpu med':>9} {'cpu min':>9}   (seconds, {runs} runs)")
    for name in names:
        print(f"{name:<15} {statistics.median(walls[name]):9.3f} {min(walls[name]):9.3f}"
              f" {statistics.median(cpus[name]):9.3f} {min(cpus[name]):9.3f}")
    for name, kib in peaks.items():
        print(f"peak RSS {name}: {kib / 1024:.0f} MiB (main process, GNU time)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", default="0",
                        help="scale the corpus to N posts; several sizes comma-separated (0: wolfgirl as is)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(n) for n in args.posts.split(",")]

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "sitegen")], check=True, env=ENV)
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="sitegen-bench-") as tmp:
            bench(Path(tmp), size or None, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
