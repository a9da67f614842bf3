"""markdown-it-py's `backticks` rule (code spans) without its per-state table of backtick runs.

Replaces `markdown_it.rules_inline.backticks.backtick`, whose steps are copied below. Before
looking for a closing run, markdown-it-py builds (once per inline state, a Python loop over
every backtick run of the paragraph) a table of each run length's last position, so that an
opener with no closer after it is known at once and a paragraph of them stays linear. Most
paragraphs with code have a closer for every opener, and the search for it stops there. Here
the search runs first; when it finds no run of the opener's length at all, that is noted
(in `state.backticks`: length → the position searched from), and a later opener of that length at or
past that position is answered at once. Either way the closer found, or its absence, is the
one markdown-it-py finds. `tests/markdown/test_fastlink.py` compares the tokens with stock
markdown-it-py.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.backticks import backtick as stock_backtick


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

    # markdown-it-py's table of runs, here: {run length: a position with no run of that length after it}
    no_run = state.backticks
    if no_run.get(opener_length, len(src) + 1) > pos:
        match_end = pos
        size = len(src)
        while (match_start := src.find("`", match_end)) != -1:
            match_end = match_start + 1
            while match_end < size and src[match_end] == "`":
                match_end += 1
            if match_start >= maximum or match_end > maximum:
                # A run crossing posMax cannot be a closer in this parse range.
                break
            if match_end - match_start == opener_length:
                if not silent:
                    token = state.push("code_inline", "code", 0)
                    token.markup = src[start:pos]
                    content = src[pos:match_start].replace("\n", " ")
                    # Strip one space from each side, unless the content is all spaces
                    if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
                        content = content[1:-1]
                    token.content = content
                state.pos = match_end
                return True
        else:
            # No run of this length anywhere after pos.
            no_run[opener_length] = pos

    if not silent:
        state.append_pending(src[start:pos])
    state.pos = pos
    return True


def use_fast_code(md: MarkdownIt) -> None:
    """Install the rule on this instance in place of markdown-it-py's."""
    if any(rule.name == "backticks" and rule.fn is stock_backtick for rule in md.inline.ruler.__rules__):
        md.inline.ruler.at("backticks", backtick)
