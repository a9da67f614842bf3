#!/usr/bin/env python3
"""CPU of the render step's in-process work over a whole site: each output's template context,
its Jinja render, its dependencies packed, its bytes hashed (RenderJob.run with the files kept in
memory: no folders or files written). Jinja's own lookups ("stock": sitegen.template_env under
another Jinja version) against sitegen.template_env's shortcuts (what the build uses).

Builds the site once (one process, so the render step runs here), then renders every output again
with each environment in turn, round after round, and prints the minimum CPU time of each (other
load on the machine skews them alike) and whether the bytes and dependencies are the same. The
cycle collector is off, as in `sitegen build`. Both environments compile their templates before
timing (a build compiles them once, before its workers fork).

    PYTHONPATH=. python3 benchmarks/bench_templates.py SITE_DIR [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fresh import SetAside

from sitegen import template_env
from sitegen.build import render
from sitegen.build.builder import Builder
from sitegen.templates import Templates


def _capture(site: Path, work: Path) -> tuple[render.RenderJob, list[Any]]:
    """Build the site into `work`, keeping the render step's job and its outputs."""
    seen: dict[str, Any] = {}
    run = render.RenderJob.run

    def keep(job: render.RenderJob, dirty: list[Any]) -> Any:
        seen["job"], seen["dirty"] = job, dirty
        return run(job, dirty)

    render.RenderJob.run = keep  # type: ignore[method-assign]
    try:
        Builder(site, work / "out", cache_dir=work / "cache", jobs=1).build()
    finally:
        render.RenderJob.run = run  # type: ignore[method-assign]
    return seen["job"], seen["dirty"]


def _job(job: render.RenderJob, fast: bool) -> render.RenderJob:
    saved = template_env.FAST_JINJA
    template_env.FAST_JINJA = fast
    try:
        templates = Templates(job.site.config, None, dict(job.templates.closures))
    finally:
        template_env.FAST_JINJA = saved
    copy = render.RenderJob(job.builder, job.site, templates, None, {})
    copy.site_view.build_time = job.site_view.build_time
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    gc.disable()
    with tempfile.TemporaryDirectory(dir=args.site.parent) as tmp:
        aside = SetAside(Path(tmp))
        job, dirty = _capture(args.site, Path(tmp))
        jobs = {"stock": _job(job, False), "fast": _job(job, True)}
        assert type(jobs["stock"].templates.env) is template_env.RememberingEnvironment
        results: dict[str, Any] = {}
        best = dict.fromkeys(jobs, float("inf"))
        for name, each in jobs.items():  # compile the templates, warm the caches
            results[name] = each.run(dirty)
        for _ in range(args.rounds):
            for name, each in jobs.items():
                each.memory = {}
                start = time.process_time()
                each.run(dirty)
                best[name] = min(best[name], time.process_time() - start)
        same = results["stock"] == results["fast"] and jobs["stock"].memory == jobs["fast"].memory
        aside.clear(Path(tmp) / "out")
        aside.empty()
    print(f"{len(dirty)} outputs, min of {args.rounds} rounds (CPU s):")
    for name in jobs:
        print(f"  {name:6s} {best[name]:.3f}")
    print(f"  same bytes and dependencies: {same}")


if __name__ == "__main__":
    main()
