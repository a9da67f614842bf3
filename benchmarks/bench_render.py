#!/usr/bin/env python3
"""CPU of the token → HTML stage over a site's posts: markdown-it-py's renderer with Pygments'
own lexer loop and HtmlFormatter ("stock"), against sitegen.markdown.fasthtml, .fastlex and
.codehtml (what the build uses); and of the page word count, old loop against the new one.

Parses and walks every post once, then renders the same tokens with each renderer in turn, round
after round, and prints the minimum CPU time of each (other load on the machine skews them alike)
and whether the HTML is the same. The cycle collector is off, as in `sitegen build`. Pygments
lexers are created and warmed before timing (a build pays that once per process either way).

    PYTHONPATH=. python3 benchmarks/bench_render.py SITE_DIR [--rounds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from markdown_it import MarkdownIt

from sitegen import frontmatter
from sitegen.content import _count_words
from sitegen.errors import SitegenError
from sitegen.markdown import Renderer, highlight
from sitegen.markdown.highlight import Highlighter
from sitegen.markdown.renderer import make_parser

WORDS = ("Notes", "Note", "Back to reference")


def _pygments_format(formatter, tokens) -> str:  # type: ignore[no-untyped-def]
    out = StringIO()
    formatter.format(tokens, out)
    return out.getvalue()


def _stock_highlighter() -> Highlighter:
    """A Highlighter whose lexers keep Pygments' loop and whose HTML comes from HtmlFormatter."""

    class Stock(Highlighter):
        def lexer(self, lang):  # type: ignore[no-untyped-def]
            saved = highlight.speed_up
            highlight.speed_up = lambda lexer: lexer
            try:
                return super().lexer(lang)
            finally:
                highlight.speed_up = saved

        def code_html(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            saved = highlight.format_tokens
            highlight.format_tokens = _pygments_format
            try:
                return super().code_html(*args, **kwargs)
            finally:
                highlight.format_tokens = saved

    return Stock()


def _old_count_words(html: str) -> int:
    words = 0
    for i, chunk in enumerate(html.replace(">", "<").split("<")):
        if i % 2 == 0:
            words += len(chunk.split())
    return words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    walker = Renderer()
    docs = []
    for path in sorted(args.site.rglob("*.md")):
        text = path.read_text("utf-8", errors="replace")
        with contextlib.suppress(SitegenError):
            text = frontmatter.split(text, str(path)).body
        env = {"docId": "d"}
        tokens = walker._md.parse(text, env)
        try:
            walker._walk(tokens, env, str(path), 0, lambda rel: "")
        except SitegenError:
            continue
        docs.append((tokens, env))
    renderers: dict[str, MarkdownIt] = {
        "stock": make_parser(_stock_highlighter(), WORDS, fast_html=False),
        "sitegen": make_parser(Highlighter(), WORDS),
    }
    htmls = {name: [md.renderer.render(t, md.options, e) for t, e in docs] for name, md in renderers.items()}
    counters = {"old word count": _old_count_words, "word count": _count_words}
    best = dict.fromkeys([*renderers, *counters], float("inf"))
    gc.disable()
    for _ in range(args.rounds):
        for name, md in renderers.items():
            start = time.process_time()
            for tokens, env in docs:
                md.renderer.render(tokens, md.options, env)
            best[name] = min(best[name], time.process_time() - start)
        for name, count in counters.items():
            start = time.process_time()
            for html in htmls["sitegen"]:
                count(html)
            best[name] = min(best[name], time.process_time() - start)
    gc.enable()
    print(f"{len(docs)} posts, {args.rounds} rounds, min CPU seconds:")
    for name, seconds in best.items():
        print(f"  {name:16s} {seconds:6.3f}")
    print("same HTML:", htmls["stock"] == htmls["sitegen"])
    print("same word counts:", all(_old_count_words(h) == _count_words(h) for h in htmls["sitegen"]))


if __name__ == "__main__":
    main()
