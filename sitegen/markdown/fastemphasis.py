"""markdown-it-py's `emphasis` rule (`*` and `_` delimiter runs), with each character's class
looked up once per process.

Replaces `markdown_it.rules_inline.emphasis.tokenize`, whose steps (and those of
`StateInline.scanDelims`, which it calls) are copied below. Whether a run can open or close
emphasis depends on whether the characters either side of it are punctuation
(`isMdAsciiPunct` or `isPunctChar`, a Unicode category lookup) and whitespace (`isWhiteSpace`):
pure functions of the character, asked four times per run. `_class` keeps their answers per
character. The text tokens and delimiters pushed are those of markdown-it-py; the
post-processing rules that pair them are markdown-it-py's own.
`tests/markdown/test_fastemphasis.py` compares the tokens with stock markdown-it-py.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.emphasis import tokenize as stock_tokenize
from markdown_it.rules_inline.state_inline import Delimiter

# character → (punctuation, whitespace), as scanDelims classes it
_CLASSES: dict[str, tuple[bool, bool]] = {}


def _class(ch: str) -> tuple[bool, bool]:
    found = _CLASSES.get(ch)
    if found is None:
        code = ord(ch)
        found = _CLASSES[ch] = (isMdAsciiPunct(code) or isPunctChar(ch), isWhiteSpace(code))
    return found


def emphasis(state: StateInline, silent: bool) -> bool:
    """Insert each marker as a separate text token, and add it to the delimiter list."""
    if silent:
        return False
    src = state.src
    start = state.pos
    marker = src[start]
    if marker != "_" and marker != "*":
        return False

    # state.scanDelims(start, canSplitWord=marker == "*")
    maximum = state.posMax
    pos = start + 1
    while pos < maximum and src[pos] == marker:
        pos += 1
    count = pos - start
    # the start and end of the line count as whitespace
    last_punct, last_white = _class(src[start - 1]) if start > 0 else (False, True)
    next_punct, next_white = _class(src[pos]) if pos < maximum else (False, True)
    left_flanking = not (next_white or (next_punct and not (last_white or last_punct)))
    right_flanking = not (last_white or (last_punct and not (next_white or next_punct)))
    if marker == "*":
        can_open = left_flanking
        can_close = right_flanking
    else:
        can_open = left_flanking and (not right_flanking or last_punct)
        can_close = right_flanking and (not left_flanking or next_punct)

    code = ord(marker)
    tokens = state.tokens
    delimiters = state.delimiters  # push of a text token leaves the delimiter list as it is
    for _ in range(count):
        token = state.push("text", "", 0)
        token.content = marker
        delimiters.append(Delimiter(marker=code, length=count, token=len(tokens) - 1, end=-1,
                                    open=can_open, close=can_close))
    state.pos = pos
    return True


def use_fast_emphasis(md: MarkdownIt) -> None:
    """Install the rule on this instance in place of markdown-it-py's."""
    if any(rule.name == "emphasis" and rule.fn is stock_tokenize for rule in md.inline.ruler.__rules__):
        md.inline.ruler.at("emphasis", emphasis)
