#!/usr/bin/env python3
"""CPU of markdown-it's inline stage over a site's posts: stock, with sitegen's rule dispatch,
and with `sitegen.markdown.fastinline` on top (what the build uses).

Block-parses every post first, then times only the core `inline` rule (every paragraph,
heading and table cell through `md.inline.parse`). The parsers take turns, round after round,
and the minimum CPU time of each is printed, so that other load on the machine skews them
alike. The cycle collector is off, as in `sitegen build`.

    PYTHONPATH=. python3 benchmarks/bench_inline.py SITE_DIR [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_block import bodies  # the post bodies of a folder, front matter off
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from sitegen.markdown.dispatch import use_fast_dispatch
from sitegen.markdown.highlight import Highlighter
from sitegen.markdown.linkdest import use_fast_links
from sitegen.markdown.renderer import make_parser

WORDS = ("Notes", "Note", "Back to reference")


def parsers() -> dict[str, MarkdownIt]:
    dispatch = make_parser(Highlighter(), WORDS, fast=False)
    use_fast_dispatch(dispatch)
    use_fast_links(dispatch)
    return {
        "stock": make_parser(Highlighter(), WORDS, fast=False),
        "dispatch": dispatch,
        "fastinline": make_parser(Highlighter(), WORDS),
    }


def inline_seconds(md: MarkdownIt, docs: list[str]) -> float:
    rules = {rule.name: rule.fn for rule in md.core.ruler.__rules__}
    states = []
    for doc in docs:
        state = StateCore(doc, md, {"docId": "bench"})
        rules["normalize"](state)
        rules["block"](state)
        states.append(state)
    inline = rules["inline"]
    start = time.process_time()
    for state in states:
        inline(state)
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="a site directory (its content/ or any folder of .md files)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    docs = bodies(args.site)
    mds = parsers()
    gc.disable()
    times: dict[str, list[float]] = {name: [] for name in mds}
    for _ in range(args.rounds):
        for name, md in mds.items():
            times[name].append(inline_seconds(md, docs))
    print(f"{len(docs)} documents, inline stage CPU seconds (min of {args.rounds} rounds):")
    for name, values in times.items():
        print(f"  {name:11s} {min(values):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
