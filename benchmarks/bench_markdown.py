#!/usr/bin/env python3
"""Markdown rendering of one very long paragraph: time should grow linearly with its size.

Renders single paragraphs (sizes doubling up to `--mb`) full of what the inline rules look
at — URLs, e-mail addresses, `www.`, colons, `_` and `@` — as wrapped lines full of links, as
wrapped prose with no link, and as prose on one line. Prints median CPU seconds: sitegen's
whole renderer, then markdown-it's parser alone with no autolinks, with mdit-py-plugins'
`gfm_autolink` (what sitegen used before) and with sitegen's own autolink rules.
Linear time shows as a constant s/MB.

    PYTHONPATH=. python3 benchmarks/bench_markdown.py [--mb 1] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from markdown_it import MarkdownIt
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin

from sitegen.markdown import Renderer
from sitegen.markdown.autolink import autolink_plugin

SENTENCES = [
    "Note: the wolf wanders west with www.example.org/path in tow,",
    "mail first_last@example.com or ops@example.net about it;",
    "see https://example.com/a_b?q=1 (and http://w.example/x) when you can:",
    "snake_case_names, a@b, x:y, time 12:30, w w w, @handle, ~tilde~,",
    "then whole words follow, whatever the weather, westward and onward.",
]


# Prose with no link in it, but with what makes the autolink rules look: `w`, `:`, `@`, `_`.
PROSE = SENTENCES[3:]


def paragraph(size: int, *, wrapped: bool, links: bool = True) -> str:
    sep = "\n" if wrapped else " "
    sentences = SENTENCES if links else PROSE
    parts: list[str] = []
    total = 0
    i = 0
    while total < size:
        sentence = sentences[i % len(sentences)]
        parts.append(sentence)
        total += len(sentence) + 1
        i += 1
    return sep.join(parts) + "\n"


def median_seconds(run: Callable[[str], object], text: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        # CPU time: the figure should not depend on what else the machine is doing.
        started = time.process_time()
        run(text)
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="largest paragraph, in MB")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    renderer = Renderer()
    renderer.render("warm up: www.example.org a@b.c https://x.y/", doc_id="w")
    parsers = {
        "none": MarkdownIt("commonmark"),
        "upstream": MarkdownIt("commonmark").use(gfm_autolink_plugin),
        "sitegen": MarkdownIt("commonmark").use(autolink_plugin),
    }
    runners: dict[str, Callable[[str], object]] = {"renderer": lambda t: renderer.render(t, doc_id="bench")}
    runners |= {f"parse:{name}": md.parse for name, md in parsers.items()}
    largest = int(args.mb * 1_000_000)
    sizes = [largest // 8, largest // 4, largest // 2, largest]
    print(f"{'layout':<8} {'size':>9} " + " ".join(f"{name:>15}" for name in runners) + "   (seconds; s/MB)")
    layouts = {"links": (True, True), "prose": (True, False), "one-line": (False, False)}
    for layout, (wrapped, links) in layouts.items():
        for size in sizes:
            text = paragraph(size, wrapped=wrapped, links=links)
            cells = []
            for run in runners.values():
                seconds = median_seconds(run, text, args.runs)
                cells.append(f"{seconds:7.3f};{seconds / (size / 1e6):6.2f}")
            print(f"{layout:<8} {size:>9} " + " ".join(f"{c:>15}" for c in cells), flush=True)

if __name__ == "__main__":
    main()
