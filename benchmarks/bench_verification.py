#!/usr/bin/env python3
"""Verification records: what a new record costs a build, next to editing a step's Markdown.

On a copy of the example site (three runbook pages, 27 steps): a fresh-process
`sitegen build` after (a) a new verification record for the docs' runbook post (cards change,
the Markdown is not read again), (b) an edit of one step's text (the page is parsed, rendered
and highlighted again), (c) nothing; and `sitegen check --drift` on the site. Median wall time
of several runs each.

    python3 benchmarks/bench_verification.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPATH": str(REPO)}


def sitegen(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sitegen", *args], capture_output=True, text=True, env=ENV, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        for name in ("sitegen.toml", "content", "infra", "static"):
            src = REPO / name
            if src.is_dir():
                shutil.copytree(src, site / name, symlinks=True)
            elif src.exists():
                shutil.copy2(src, site / name)
        build = ("build", str(site), "--cache-dir", str(Path(tmp) / "cache"))
        sitegen(*build)
        record = site / "content" / "blog" / "runbooks.verified.json"
        post = site / "content" / "blog" / "runbooks.md"
        names = ("new record", "step edited", "nothing changed", "check --drift")
        figures: dict[str, list[float]] = {name: [] for name in names}
        for n in range(runs):
            data = json.loads(record.read_text())
            for entry in data["steps"].values():
                entry["clean"]["finished"] = f"2026-12-0{1 + n % 9}T10:00:00Z"
            record.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
            figures["new record"].append(sitegen(*build))
            post.write_text(post.read_text().replace("echo", f"echo  # {n}\necho", 1))
            figures["step edited"].append(sitegen(*build))
            figures["nothing changed"].append(sitegen(*build))
            figures["check --drift"].append(sitegen("check", "--drift", str(site)))
        for name, times in figures.items():
            print(f"{name:16} {statistics.median(times) * 1000:7.0f} ms  (median of {runs})")


if __name__ == "__main__":
    main()
