"""markdown-it-py's `backticks` rule (code spans), finding the closing run with one regex search.

Replaces `markdown_it.rules_inline.backticks.backtick`, whose steps are copied below. It looks
for the closer by walking every backtick run after the opener in a Python loop, the first one
of the opener's length that ends by `posMax` closing the span (a run crossing `posMax` ends
the walk). The first *maximal* run of exactly that length at or after the opener's end is
the same run, found by `_closer(length)` in one search: any run crossing `posMax` before it
puts it past `posMax` too, so checking its end against `posMax` decides both ways. The
per-state table of each run length's last position (`state.backticks`) is still built and
asked first, as markdown-it-py does, so an opener without a closer costs no search.
`tests/markdown/test_fastinline.py` compares the tokens with stock markdown-it-py.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.backticks import _build_last_runs
from markdown_it.rules_inline.backticks import backtick as stock_backtick

_CLOSERS: dict[int, re.Pattern[str]] = {}


def _closer(length: int) -> re.Pattern[str]:
    """A run of exactly `length` backticks, not part of a longer run."""
    found = _CLOSERS.get(length)
    if found is None:
        found = _CLOSERS[length] = re.compile(f"(?<!`)`{{{length}}}(?!`)")
    return found


def backtick(state: StateInline, silent: bool) -> bool:
    """Parse an inline code span or consume an unmatched backtick run."""
    src = state.src
    start = state.pos
    if src[start] != "`":
        return False
    maximum = state.posMax
    pos = start + 1
    while pos < maximum and src[pos] == "`":
        pos += 1
    opener_length = pos - start

    if not state.backticksScanned:
        state.backticks = _build_last_runs(src)
        state.backticksScanned = True

    if state.backticks.get(opener_length, -1) >= pos:
        found = _closer(opener_length).search(src, pos)
        if found is not None and found.end() <= maximum:
            if not silent:
                token = state.push("code_inline", "code", 0)
                token.markup = src[start:pos]
                content = src[pos:found.start()].replace("\n", " ")
                # Strip one space from each side, unless the content is all spaces
                if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
                    content = content[1:-1]
                token.content = content
            state.pos = found.end()
            return True

    if not silent:
        state.append_pending(src[start:pos])
    state.pos = pos
    return True


def use_fast_code(md: MarkdownIt) -> None:
    """Install the rule on this instance in place of markdown-it-py's."""
    if any(rule.name == "backticks" and rule.fn is stock_backtick for rule in md.inline.ruler.__rules__):
        md.inline.ruler.at("backticks", backtick)
