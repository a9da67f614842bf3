#!/usr/bin/env python3
"""CPU of markdown-it-py's block parse (no inline parse) over a site's posts, three ways.

`stock`: the renderer's parser with markdown-it-py's own loops and rules; `dispatch`: with
sitegen.markdown.dispatch's per-character rule tables (what sitegen used before fastblock);
`fastblock`: as the renderer builds it. The three run in turn in each round, in one process,
so the machine's load weighs on each alike; prints the minimum CPU seconds of the rounds.

    PYTHONPATH=. python3 benchmarks/bench_block.py CONTENT_DIR [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen import frontmatter
from sitegen.errors import SitegenError
from sitegen.markdown.dispatch import use_fast_dispatch
from sitegen.markdown.highlight import Highlighter
from sitegen.markdown.renderer import make_parser

WORDS = ("Notes", "Note", "Back to reference")


def bodies(content: Path) -> list[str]:
    found = []
    for path in sorted(content.rglob("*.md")):
        text = path.read_text("utf-8", errors="replace")
        try:
            found.append(frontmatter.split(text, str(path)).body)
        except SitegenError:
            found.append(text)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    docs = bodies(args.content)
    dispatch = make_parser(Highlighter(), WORDS, fast=False)
    use_fast_dispatch(dispatch)
    parsers = {
        "stock": make_parser(Highlighter(), WORDS, fast=False),
        "dispatch": dispatch,
        "fastblock": make_parser(Highlighter(), WORDS),
    }
    best = dict.fromkeys(parsers, float("inf"))
    for _ in range(args.rounds):
        for name, md in parsers.items():
            start = time.process_time()
            for doc in docs:
                md.block.parse(doc, md, {"docId": "d"}, [])
            best[name] = min(best[name], time.process_time() - start)
    print(f"{len(docs)} documents, {sum(map(len, docs)) / 1e6:.1f} MB; block parse CPU s (min of {args.rounds}):")
    for name, seconds in best.items():
        print(f"  {name:10} {seconds:.3f}")


if __name__ == "__main__":
    main()
