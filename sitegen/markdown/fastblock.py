"""A faster block parse for markdown-it-py: the same rules and tokens, with less work per line.

`sitegen.markdown.dispatch` asks each block rule only at lines whose first character it can
start with. This module takes the rest of the per-line overhead out of markdown-it-py 4's
`ParserBlock.parse`; each piece gives what the code it replaces gives, for the reason stated:

- `FastStateBlock` builds the line tables (`bMarks`, `eMarks`, `tShift`, `sCount`, with tabs
  expanded as upstream does) from one `str.split` and list comprehensions instead of a Python
  loop per line, creates tokens without the dataclass `__init__` (the same thirteen fields), and
  cuts `getLines` without a loop per character when no tab lies in the indentation it removes,
  and as one slice of the source when no rule has moved the starts of its lines (`line_starts`).
- `_tokenize` is `ParserBlock.tokenize` with two more rules skipped where they answer False
  before any effect: `table` unless the next line can be a delimiter row (`|`, `-`, `:`, spaces
  and tabs, as `table` checks first), and `code` unless the line is indented four columns past
  `blkIndent` (its first check). `lheading` and `paragraph`, the last two rules, run as one
  pass, `_text_block`: upstream, `lheading` reads the same lines with the same terminator
  checks as `paragraph` and, finding no underline, returns False leaving `parentType` at
  "paragraph"; `paragraph` then reads them again. Both read to `state.lineMax` only when
  `endLine` is it; otherwise the two rules run as they are.
- the `list`, `hr`, `heading`, `html_block` and `reference` rules are those of `sitegen.markdown.blockrules`, installed
  in place of markdown-it-py's (only where the ruler holds markdown-it-py's own).

`tests/markdown/test_fastblock.py` compares tokens and env with stock markdown-it-py on the
CommonMark spec examples, generated documents, the example site and the wolfgirl corpus.
"""

from __future__ import annotations

import re
import types
from itertools import accumulate, repeat
from operator import add as _add
from operator import sub as _sub
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.common.utils import MD_TRIM_CHARS, mdTrim
from markdown_it.rules_block import StateBlock, heading, hr, html_block, list_block, reference
from markdown_it.token import Token
from markdown_it.utils import EnvType

from sitegen.markdown import blockrules
from sitegen.markdown.blockrules import DELIMITER_ROW, RuleFn, Rules, rules
from sitegen.markdown.dispatch import push_paragraph

_new = object.__new__

_SPACES = re.compile(" *")
# A setext underline: one run of `=` or of `-`, then only spaces and tabs.
_UNDERLINE = re.compile(r"(?:=+|-+)[ \t]*")


class FastStateBlock(StateBlock):
    """StateBlock with the same fields and line tables, built without a loop per line."""

    def __init__(self, src: str, md: MarkdownIt, env: EnvType, tokens: list[Token]) -> None:
        self.src = src
        self.md = md
        self.env = env
        self.tokens = tokens

        lines = src.split("\n")
        # Upstream gives no line to the "" after a final newline, nor to a final line of only
        # spaces and tabs without one.
        if not lines[-1].strip(" \t"):
            lines.pop()
        # map() keeps the loops over lines in C.
        lens = list(map(len, lines))
        bMarks = list(accumulate(map(_add, lens, repeat(1)), initial=0))
        bMarks[-1] = len(src)  # the fake line upstream appends to spare bounds checks
        eMarks = list(map(_add, bMarks, lens))
        eMarks.append(len(src))
        tShift = list(map(_sub, lens, map(len, map(str.lstrip, lines, repeat(" \t")))))
        if "\t" in src:
            sCount = [_columns(line, t) if "\t" in line[:t] else t for line, t in zip(lines, tShift, strict=True)]
        else:
            sCount = tShift.copy()
        tShift.append(0)
        sCount.append(0)
        self.bMarks = bMarks
        self.line_starts = bMarks.copy()  # bMarks before any rule moves one (see getLines)
        self.eMarks = eMarks
        self.tShift = tShift
        self.sCount = sCount
        self.bsCount = [0] * len(bMarks)

        self.blkIndent = 0
        self.line = 0
        self.lineMax = len(bMarks) - 1
        self.tight = False
        self.ddIndent = -1
        self.listIndent = -1
        self.parentType = "root"
        self.level = 0
        self.result = ""
        self._code_enabled = "code" in md["block"].ruler.get_active_rules()
        # Looked up once per document rather than by every nested tokenize (list items, quotes).
        self.rules_table: Rules = rules(md.block)
        self.max_nesting: int = md.options.maxNesting

    def push(self, ttype: str, tag: str, nesting: Literal[-1, 0, 1]) -> Token:
        """StateBlock.push: the Token that `Token(ttype, tag, nesting)` makes, with block=True."""
        token = _new(Token)
        token.type = ttype
        token.tag = tag
        token.nesting = nesting
        token.attrs = {}
        token.map = None
        if nesting < 0:
            self.level -= 1
        token.level = self.level
        if nesting > 0:
            self.level += 1
        token.children = None
        token.content = ""
        token.markup = ""
        token.info = ""
        token.meta = {}
        token.block = True
        token.hidden = False
        self.tokens.append(token)
        return token

    def getLines(self, begin: int, end: int, indent: int, keepLastLF: bool) -> str:
        """StateBlock.getLines. Without a tab in the columns it may remove, each removed
        character is one column: the spaces, and whatever `tShift` covers (a list marker)."""
        if begin >= end:
            return ""
        src, bMarks, eMarks, tShift = self.src, self.bMarks, self.eMarks, self.tShift
        if not indent:
            last = eMarks[end - 1] + 1 if keepLastLF else eMarks[end - 1]
            # Lines whose starts no rule has moved (a blockquote moves them past its `>`) follow
            # one another in src: together they are one slice (a fence, an HTML block).
            if end - begin == 1 or bMarks[begin + 1 : end] == self.line_starts[begin + 1 : end]:
                return src[bMarks[begin] : last]
            parts = [src[bMarks[line] : eMarks[line] + 1] for line in range(begin, end - 1)]
            parts.append(src[bMarks[end - 1] : last])
            return "".join(parts)
        parts = []
        for line in range(begin, end):
            first = bMarks[line]
            last = eMarks[line] + 1 if line + 1 < end or keepLastLF else eMarks[line]
            limit = first + indent
            if limit > last:
                limit = last
            if src.find("\t", first, limit) >= 0:
                return StateBlock.getLines(self, begin, end, indent, keepLastLF)
            shifted = first + tShift[line]
            first = limit if shifted >= limit else _SPACES.match(src, shifted, limit).end()  # type: ignore[union-attr]
            if end - begin == 1:
                return src[first:last]  # one line (most paragraphs): no list to join
            parts.append(src[first:last])
        return "".join(parts)


def _columns(line: str, indent: int) -> int:
    """The columns of a line's first `indent` characters (spaces and tabs, tab stops of 4)."""
    offset = 0
    for ch in line[:indent]:
        offset += 4 - offset % 4 if ch == "\t" else 1
    return offset


def _parse(self: Any, src: str, md: MarkdownIt, env: EnvType, outTokens: list[Token]) -> list[Token] | None:
    """ParserBlock.parse, on a FastStateBlock."""
    if not src:
        return None
    state = FastStateBlock(src, md, env, outTokens)
    self.tokenize(state, state.line, state.lineMax)
    return state.tokens


def _tokenize(self: Any, state: StateBlock, startLine: int, endLine: int) -> None:
    """ParserBlock.tokenize, asking the rules that can match the line (see the module doc)."""
    table = getattr(state, "rules_table", None)
    if table is None:  # a state that _parse did not make
        table = rules(self)
        maxNesting = state.md.options.maxNesting
    else:
        maxNesting = state.max_nesting
    by_char, build, text = table.by_char, table.build, table.text
    terminators = table.chain("paragraph")
    src, bMarks, eMarks, tShift, sCount = state.src, state.bMarks, state.eMarks, state.tShift, state.sCount
    line = startLine
    hasEmptyLines = False

    while line < endLine:
        lineMax = state.lineMax
        while line < lineMax and bMarks[line] + tShift[line] >= eMarks[line]:
            line += 1
        state.line = line
        if line >= endLine:
            break
        if sCount[line] < state.blkIndent:
            break
        if state.level >= maxNesting:
            state.line = endLine
            break

        ch = src[bMarks[line] + tShift[line]]
        variants = by_char.get(ch)
        if variants is None:
            variants = build(ch)
        # blockrules.variant, inline
        found = 2 if sCount[line] - state.blkIndent >= 4 else 0
        if line + 1 < endLine:
            pos = bMarks[line + 1] + tShift[line + 1]
            if (
                pos < eMarks[line + 1]
                and src[pos] in "|-:"
                and (src[pos] != "-" or src[pos + 1 : pos + 2] in "-|:")  # not a list item's `- `
                and DELIMITER_ROW.fullmatch(src, pos, eMarks[line + 1])
            ):
                found += 1
        ok = False
        for rule in variants[found]:
            ok = rule(state, line, endLine, False)
            if ok:
                if state.line <= line:
                    raise RuntimeError("block rule didn't increment state.line")
                break

        if not ok:
            if text is None:
                raise RuntimeError("none of the block rules matched")
            _text_block(state, line, endLine, text, terminators)

        state.tight = not hasEmptyLines
        line = state.line

        if (line - 1) < endLine and bMarks[line - 1] + tShift[line - 1] >= eMarks[line - 1]:
            hasEmptyLines = True

        if line < endLine and bMarks[line] + tShift[line] >= eMarks[line]:
            hasEmptyLines = True
            line += 1
            state.line = line


def _text_block(
    state: StateBlock, startLine: int, endLine: int, text: tuple[RuleFn, RuleFn], terminators: Rules
) -> None:
    """markdown-it-py's `lheading`, and `paragraph` where it finds no underline, in one pass;
    `terminators` are the rules of the "paragraph" chain."""
    if endLine != state.lineMax or (state._code_enabled and state.sCount[startLine] - state.blkIndent >= 4):
        for rule in text:
            if rule(state, startLine, endLine, False):
                return
        raise RuntimeError("none of the block rules matched")

    by_char, build = terminators.by_char, terminators.build
    src, bMarks, eMarks, tShift, sCount = state.src, state.bMarks, state.eMarks, state.tShift, state.sCount
    blkIndent = state.blkIndent
    oldParentType = state.parentType
    state.parentType = "paragraph"
    level = 0
    marker = ""
    nextLine = startLine + 1

    while nextLine < endLine:
        pos = bMarks[nextLine] + tShift[nextLine]
        maximum = eMarks[nextLine]
        if pos >= maximum:
            break
        # A lazy continuation line, however indented.
        if sCount[nextLine] - blkIndent > 3:
            nextLine += 1
            continue
        ch = src[pos]
        if (
            (ch == "=" or ch == "-")
            and sCount[nextLine] >= blkIndent
            and src[maximum - 1] in "=- \t"  # the last character first: `- item` has text there
            and _UNDERLINE.fullmatch(src, pos, maximum)
        ):
            level = 1 if ch == "=" else 2
            marker = ch
            break
        # Quirk for blockquotes: this line was checked by that rule.
        if sCount[nextLine] < 0:
            nextLine += 1
            continue
        variants = by_char.get(ch)
        if variants is None:
            variants = build(ch)
        asked = variants[0]
        after = nextLine + 1
        if after < endLine:
            pos = bMarks[after] + tShift[after]
            if (
                pos < eMarks[after]
                and src[pos] in "|-:"
                and (src[pos] != "-" or src[pos + 1 : pos + 2] in "-|:")  # not a list item's `- `
                and DELIMITER_ROW.fullmatch(src, pos, eMarks[after])
            ):
                asked = variants[1]  # with `table` (blockrules.variant, inline; no `code` here)
        terminate = False
        for rule in asked:
            if rule(state, nextLine, endLine, True):
                terminate = True
                break
        if terminate:
            break
        nextLine += 1

    if nextLine == startLine + 1 and not blkIndent:
        content = src[bMarks[startLine] : eMarks[startLine]].strip(MD_TRIM_CHARS)  # getLines, mdTrim
    else:
        content = mdTrim(state.getLines(startLine, nextLine, blkIndent, False))
    if level:
        state.line = nextLine + 1
        tag = "h" + str(level)
        token = state.push("heading_open", tag, 1)
        token.markup = marker
        token.map = [startLine, state.line]
        token = state.push("inline", "", 0)
        token.content = content
        token.map = [startLine, state.line - 1]
        token.children = []
        token = state.push("heading_close", tag, -1)
        token.markup = marker
        state.parentType = oldParentType
        return

    push_paragraph(state, startLine, nextLine, content)
    # lheading, failing, left "paragraph" there; paragraph restores that.
    state.parentType = "paragraph"


def use_fast_block(md: MarkdownIt) -> None:
    """Install the faster block parse on this instance (after `use_fast_dispatch`)."""
    md.block.parse = types.MethodType(_parse, md.block)  # type: ignore[method-assign]
    md.block.tokenize = types.MethodType(_tokenize, md.block)  # type: ignore[method-assign]
    ruler = md.block.ruler
    for name, stock, fast in (
        ("list", list_block, blockrules.list_block),
        ("hr", hr, blockrules.hr),
        ("heading", heading, blockrules.heading),
        ("html_block", html_block, blockrules.html_block),
        ("reference", reference, blockrules.reference),
    ):
        for rule in ruler.__rules__:
            if rule.name == name and rule.fn is stock:
                ruler.at(name, fast, {"alt": rule.alt})  # at() alone would drop the rule from chains
