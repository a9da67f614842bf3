"""A faster block parse for markdown-it-py: the same rules and tokens, with less work per line.

`sitegen.markdown.dispatch` asks each block rule only at lines whose first character it can
start with. This module takes the rest of the per-line overhead out of markdown-it-py 4's
`ParserBlock.parse`; each piece gives what the code it replaces gives, for the reason stated:

- `FastStateBlock` builds the line tables (`bMarks`, `eMarks`, `tShift`, `sCount`, with tabs
  expanded as upstream does) from one `str.split` and list comprehensions instead of a Python
  loop per line, creates tokens without the dataclass `__init__` (the same thirteen fields), and
  cuts `getLines` without a loop per character when no tab lies in the indentation it removes.
- `_tokenize` is `ParserBlock.tokenize` with two more rules skipped where they answer False
  before looking at anything else: `table` unless the next line starts with `|`, `-` or `:`
  (checked before its first effect), and `code` unless the line is indented four columns past
  `blkIndent` (its first check). `lheading` and `paragraph`, the last two rules, run as one
  pass, `_text_block`: upstream, `lheading` reads the same lines with the same terminator
  checks as `paragraph` and, finding no underline, returns False leaving `parentType` at
  "paragraph"; `paragraph` then reads them again. Both read to `state.lineMax` only when
  `endLine` is it; otherwise the two rules run as they are.
- `reference` reads a one-line definition (`[label]: destination`, no title) with a regex and
  the same helpers (`parseLinkDestination`, `normalizeLink`, `validateLink`,
  `normalizeReference`); upstream also joins the next line, asking every terminator rule
  about it, only to find that it does not start a title. Any other shape (a label or
  destination across lines, a backslash in the label, a title) goes to markdown-it-py's rule.

`tests/markdown/test_fastblock.py` compares tokens and env with stock markdown-it-py on the
CommonMark spec examples, generated documents, the example site and the wolfgirl corpus.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from itertools import accumulate
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim, normalizeReference
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block import code as stock_code
from markdown_it.rules_block import reference as stock_reference
from markdown_it.rules_block import table as stock_table
from markdown_it.token import Token
from markdown_it.utils import EnvType

from sitegen.markdown.dispatch import BLOCK_FIRST

_new = object.__new__
_SPACES = re.compile(" *")
# A setext underline: one run of `=` or of `-`, then only spaces and tabs.
_UNDERLINE = re.compile(r"(?:=+|-+)[ \t]*")
# A reference label on one line: `[`, then anything but brackets, backslashes (and, by the
# match's end, newlines); the character after it says how upstream's label scan ends.
_LABEL = re.compile(r"\[[^\[\]\\]*")

RuleFn = Callable[[StateBlock, int, int, bool], bool]


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
        lens = [len(line) for line in lines]
        bMarks = list(accumulate([n + 1 for n in lens], initial=0))
        bMarks[-1] = len(src)  # the fake line upstream appends to spare bounds checks
        eMarks = [b + n for b, n in zip(bMarks, lens, strict=False)]
        eMarks.append(len(src))
        tShift = [n - len(line.lstrip(" \t")) for line, n in zip(lines, lens, strict=True)]
        if "\t" in src:
            sCount = [_columns(line, t) if "\t" in line[:t] else t for line, t in zip(lines, tShift, strict=True)]
        else:
            sCount = tShift.copy()
        tShift.append(0)
        sCount.append(0)
        self.bMarks = bMarks
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
        parts = []
        for line in range(begin, end):
            first = bMarks[line]
            last = eMarks[line] + 1 if line + 1 < end or keepLastLF else eMarks[line]
            if indent:
                limit = first + indent
                if limit > last:
                    limit = last
                if src.find("\t", first, limit) >= 0:
                    return StateBlock.getLines(self, begin, end, indent, keepLastLF)
                shifted = first + tShift[line]
                first = limit if shifted >= limit else _SPACES.match(src, shifted, limit).end()  # type: ignore[union-attr]
            parts.append(src[first:last])
        return "".join(parts)


def _columns(line: str, indent: int) -> int:
    """The columns of a line's first `indent` characters (spaces and tabs, tab stops of 4)."""
    offset = 0
    for ch in line[:indent]:
        offset += 4 - offset % 4 if ch == "\t" else 1
    return offset


class _Rules:
    """One chain's rules per first character of a line, in four variants: with or without
    `table` (can the next line be a delimiter row?) and `code` (is the line indented enough?)."""

    def __init__(self, ruler: Any, chain: str) -> None:
        self.rules = ruler.getRules(chain)
        names = {id(rule.fn): rule.name for rule in ruler.__rules__ if rule.enabled}
        entries = [(names.get(id(fn), ""), fn) for fn in self.rules]
        # lheading then paragraph, last: `_text_block` runs them as one pass.
        self.text: tuple[RuleFn, RuleFn] | None = None
        if chain == "" and [name for name, _ in entries[-2:]] == ["lheading", "paragraph"]:
            self.text = (entries[-2][1], entries[-1][1])
            entries = entries[:-2]
        self.entries = entries
        self.by_char: dict[str, tuple[list[RuleFn], ...]] = {}

    def build(self, ch: str) -> tuple[list[RuleFn], ...]:
        found = [fn for name, fn in self.entries if name not in BLOCK_FIRST or ch in BLOCK_FIRST[name]]
        variants = tuple(
            [fn for fn in found if (fn is not stock_table or table) and (fn is not stock_code or code)]
            for code in (False, True)
            for table in (False, True)
        )
        self.by_char[ch] = variants
        return variants


def _rules(parser: Any, chain: str) -> _Rules:
    attr = "_sitegen_fastblock" + chain
    table = parser.__dict__.get(attr)
    if table is None or table.rules is not parser.ruler.getRules(chain):
        table = _Rules(parser.ruler, chain)
        parser.__dict__[attr] = table
    return table


def _variant(state: StateBlock, line: int, endLine: int) -> int:
    """Which variant of a line's rules may match: +1 if `table` may, +2 if `code` may."""
    nextLine = line + 1
    variant = 2 if state.sCount[line] - state.blkIndent >= 4 else 0
    if nextLine < endLine:
        pos = state.bMarks[nextLine] + state.tShift[nextLine]
        if pos < state.eMarks[nextLine] and state.src[pos] in "|-:":
            variant += 1
    return variant


def _parse(self: Any, src: str, md: MarkdownIt, env: EnvType, outTokens: list[Token]) -> list[Token] | None:
    """ParserBlock.parse, on a FastStateBlock."""
    if not src:
        return None
    state = FastStateBlock(src, md, env, outTokens)
    self.tokenize(state, state.line, state.lineMax)
    return state.tokens


def _tokenize(self: Any, state: StateBlock, startLine: int, endLine: int) -> None:
    """ParserBlock.tokenize, asking the rules that can match the line (see the module doc)."""
    rules = _rules(self, "")
    by_char, build, text = rules.by_char, rules.build, rules.text
    src, bMarks, eMarks, tShift, sCount = state.src, state.bMarks, state.eMarks, state.tShift, state.sCount
    maxNesting = state.md.options.maxNesting
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

        variants = by_char.get(src[bMarks[line] + tShift[line]])
        if variants is None:
            variants = build(src[bMarks[line] + tShift[line]])
        ok = False
        for rule in variants[_variant(state, line, endLine)]:
            ok = rule(state, line, endLine, False)
            if ok:
                if state.line <= line:
                    raise RuntimeError("block rule didn't increment state.line")
                break

        if not ok:
            if text is None:
                raise RuntimeError("none of the block rules matched")
            _text_block(state, line, endLine, text)

        state.tight = not hasEmptyLines
        line = state.line

        if (line - 1) < endLine and bMarks[line - 1] + tShift[line - 1] >= eMarks[line - 1]:
            hasEmptyLines = True

        if line < endLine and bMarks[line] + tShift[line] >= eMarks[line]:
            hasEmptyLines = True
            line += 1
            state.line = line


def _text_block(state: StateBlock, startLine: int, endLine: int, text: tuple[RuleFn, RuleFn]) -> None:
    """markdown-it-py's `lheading`, and `paragraph` where it finds no underline, in one pass."""
    if endLine != state.lineMax or state.is_code_block(startLine):
        for rule in text:
            if rule(state, startLine, endLine, False):
                return
        raise RuntimeError("none of the block rules matched")

    terminators = _rules(state.md.block, "paragraph")
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
        if (ch == "=" or ch == "-") and sCount[nextLine] >= blkIndent and _UNDERLINE.fullmatch(src, pos, maximum):
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
        rules = variants[_variant(state, nextLine, endLine)]
        if rules and any(rule(state, nextLine, endLine, True) for rule in rules):
            break
        nextLine += 1

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

    state.line = nextLine
    token = state.push("paragraph_open", "p", 1)
    token.map = [startLine, state.line]
    token = state.push("inline", "", 0)
    token.content = content
    token.map = [startLine, state.line]
    token.children = []
    token = state.push("paragraph_close", "p", -1)
    # lheading, failing, left "paragraph" there; paragraph restores that.
    state.parentType = "paragraph"


def _reference(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """markdown-it-py's reference rule, reading `[label]: destination` lines itself."""
    if state.is_code_block(startLine):
        return False
    src = state.src
    start = state.bMarks[startLine] + state.tShift[startLine]
    maximum = state.eMarks[startLine]
    if src[start] != "[":
        return False
    labelEnd = _LABEL.match(src, start, maximum).end()  # type: ignore[union-attr]
    if labelEnd >= maximum or src[labelEnd] == "\\":
        return stock_reference(state, startLine, endLine, silent)
    if src[labelEnd] == "[" or labelEnd + 1 >= maximum or src[labelEnd + 1] != ":":
        return False
    # Upstream's string: the line with its newline; the positions below are in it.
    string = src[start : maximum + 1]
    length = len(string)
    pos = labelEnd + 2 - start
    while pos < length and string[pos] in " \t":
        pos += 1
    if pos >= maximum - start:
        return stock_reference(state, startLine, endLine, silent)  # the destination is further down
    md = state.md
    dest = md.helpers.parseLinkDestination(string, pos, length)
    if not dest.ok:
        return False
    href = md.normalizeLink(dest.str)
    if not md.validateLink(href):
        return False
    pos = dest.pos
    while pos < length and string[pos] in " \t":
        pos += 1
    if pos < length and string[pos] != "\n":
        return stock_reference(state, startLine, endLine, silent)  # a title, or text after the destination
    nextLine = startLine + 1
    if nextLine < state.lineMax:
        after = state.bMarks[nextLine] + state.tShift[nextLine]
        if after < state.eMarks[nextLine] and src[after] in "\"'(":
            return stock_reference(state, startLine, endLine, silent)  # a title on the next line
    label = normalizeReference(string[1 : labelEnd - start])
    if not label:
        return False
    if silent:
        return True

    references = state.env.setdefault("references", {})
    state.line = nextLine
    if md.options.get("inline_definitions", False):
        token = state.push("definition", "", 0)
        token.meta = {"id": label, "title": "", "url": href, "label": string[1 : labelEnd - start]}
        token.map = [startLine, state.line]
    if label not in references:
        references[label] = {"title": "", "href": href, "map": [startLine, state.line]}
    else:
        state.env.setdefault("duplicate_refs", []).append(
            {"title": "", "href": href, "label": label, "map": [startLine, state.line]}
        )
    return True


def use_fast_block(md: MarkdownIt) -> None:
    """Install the faster block parse on this instance (after `use_fast_dispatch`)."""
    md.block.parse = types.MethodType(_parse, md.block)  # type: ignore[method-assign]
    md.block.tokenize = types.MethodType(_tokenize, md.block)  # type: ignore[method-assign]
    if any(rule.name == "reference" and rule.fn is stock_reference for rule in md.block.ruler.__rules__):
        md.block.ruler.at("reference", _reference)
