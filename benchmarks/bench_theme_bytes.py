#!/usr/bin/env python3
"""What a first visit to each page type of the example site downloads before it can render:
the HTML, the render-blocking stylesheets it links, the CSS inlined in it, and the scripts it
loads (deferred, so not blocking). Bytes as published and gzip -9, the way a server sends them.

    python3 benchmarks/bench_theme_bytes.py [--site DIR]   # default: the repository's example site
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import REPO

PAGES = {
    "home": "/", "post with code": "/blog/markdown-features/", "runbook": "/blog/runbooks/",
    "tag": "/tags/markdown/", "docs page": "/about/", "404": "/404.html",
}


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, 9)) if data else 0


def measure(public: Path) -> list[tuple[str, int, int, int, int, int, int, int]]:
    rows = []
    for kind, url in PAGES.items():
        path = public / (url.strip("/") if url.endswith(".html") else (url.strip("/") + "/index.html").lstrip("/"))
        html = path.read_bytes()
        sheets = re.findall(rb'<link rel="stylesheet" href="(/[^"]+)"', html)
        css = b"".join((public / s.decode().lstrip("/")).read_bytes() for s in sheets)
        inline = b"".join(re.findall(rb"<style>(.*?)</style>", html, re.S))
        scripts = b"".join((public / s.decode().lstrip("/")).read_bytes()
                           for s in re.findall(rb'<script src="(/[^"]+)"', html))
        rows.append((kind, len(html), _gz(html), len(sheets), len(css), _gz(css), len(inline), len(scripts)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=REPO)
    args = parser.parse_args()
    from sitegen.engine import Builder

    with tempfile.TemporaryDirectory() as tmp:
        Builder(args.site, Path(tmp) / "public", cache_dir=Path(tmp) / "cache").build()
        rows = measure(Path(tmp) / "public")
    print(f"{'page':16} {'html':>7} {'html.gz':>7} {'sheets':>6} {'css':>7} {'css.gz':>7} {'inline':>7} {'js':>6}")
    for kind, html, html_gz, sheets, css, css_gz, inline, js in rows:
        print(f"{kind:16} {html:7} {html_gz:7} {sheets:6} {css:7} {css_gz:7} {inline:7} {js:6}")


if __name__ == "__main__":
    main()
