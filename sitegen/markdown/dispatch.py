"""Faster rule dispatch for markdown-it-py: the same rules, asked only where they can match.

markdown-it-py tries every inline rule, in order, at each character where the text rule stops
(`-`, `:`, `w`, `#`, `=` … as well as `*` and `[`), and every block rule at the start of each
line and, for each line of a paragraph, every rule that may end a paragraph. Nearly all of those
calls return False at once, after looking at one character: for a 750-post site they were about a
third of the parse time.

Each rule below answers False, with no other effect, unless the character it looks at first is
one of those listed (an inline rule: the character at `state.pos`; a block rule: the first
non-blank character of the line). Skipping it there changes nothing, so the tokens, and the HTML,
are those of markdown-it-py itself; rules not listed here (a plugin's, `table`, `code`,
`lheading`, `paragraph`) are asked everywhere, in their order. `tests/markdown/test_dispatch.py`
compares both on the CommonMark spec and on every page of the example site.

The loops are markdown-it-py 4's `ParserInline.tokenize`/`skipToken`, `ParserBlock.tokenize`
and the `paragraph` and `lheading` rules, with the rule list looked up per character.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

_new = object.__new__

# Inline rules: the characters at state.pos where each can answer True.
INLINE_FIRST: dict[str, str] = {
    "newline": "\n",
    "escape": "\\",
    "backticks": "`",
    "strikethrough": "~",
    "emphasis": "_*",
    "link": "[",
    "image": "!",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
    # mdit_py_plugins
    "math_inline": "$",
    "footnote_ref": "[",
    "footnote_inline": "^",
    # sitegen.markdown.autolink
    "autolink_www": "w",
    "autolink_protocol": ":",
    "autolink_email": "@",
    "autolink_email_underscore": "_",
}

# Block rules: the first non-blank character of the line where each can answer True.
BLOCK_FIRST: dict[str, str] = {
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
    # mdit_py_plugins
    "math_block": "$",
    "footnote_def": "[",
}

# footnote_ref sets up env["footnotes"] before it looks at the character; footnote_tail only
# looks for that key, and with no definitions it changes nothing, so skipping it is safe too.


class _Table:
    """Rules per first character, for one compiled rule list of a ruler."""

    def __init__(self, ruler: Any, chain: str, first: dict[str, str], text_stops: Any = None) -> None:
        self.rules = ruler.getRules(chain)
        names = {id(rule.fn): rule.name for rule in ruler.__rules__ if rule.enabled}
        self.entries = [(names.get(id(fn), ""), fn) for fn in self.rules]
        self.first = first
        self.text_stops = text_stops
        self.by_char: dict[str, list[Callable[..., bool]]] = {}

    def build(self, ch: str) -> list[Callable[..., bool]]:
        found = []
        for name, fn in self.entries:
            if name == "text" and self.text_stops is not None:
                # The text rule takes every character that is not a terminator, and nothing else.
                if self.text_stops.match(ch) is None:
                    found.append(fn)
                    break  # it always succeeds there: no later rule is asked
                continue
            chars = self.first.get(name)
            if chars is None or ch in chars:
                found.append(fn)
        self.by_char[ch] = found
        return found


def _table(owner: Any, attr: str, ruler: Any, chain: str, first: dict[str, str], text_stops: Any = None) -> _Table:
    table = owner.__dict__.get(attr)
    rules = ruler.getRules(chain)
    if table is None or table.rules is not rules or (text_stops is not None and table.text_stops is not text_stops):
        table = _Table(ruler, chain, first, text_stops)
        owner.__dict__[attr] = table
    return table


def _inline_table(parser: Any) -> _Table:
    return _table(parser, "_sitegen_table", parser.ruler, "", INLINE_FIRST, parser.terminator_re)


def _inline_tokenize(self: Any, state: StateInline) -> None:
    """ParserInline.tokenize, asking only the rules that can match the character at pos."""
    table = _inline_table(self)
    by_char, build = table.by_char, table.build
    end = state.posMax
    maxNesting = state.md.options["maxNesting"]
    src = state.src

    while state.pos < end:
        pos = state.pos
        ok = False
        if state.level < maxNesting:
            ch = src[pos]
            rules = by_char.get(ch)
            if rules is None:
                rules = build(ch)
            for rule in rules:
                ok = rule(state, False)
                if ok:
                    if state.pos <= pos:
                        raise RuntimeError("inline rule didn't increment state.pos")
                    break

        if ok:
            if state.pos >= end:
                break
            continue

        state.append_pending(src[state.pos])
        state.pos += 1

    if state.pending:
        state.pushPending()


def try_silent(state: StateInline, rules: list[Callable[..., bool]], pos: int) -> bool:
    """skipToken's step: ask `rules` in order, silently and one level deeper, at `pos` (which is
    state.pos); True when one matched (state.pos is then past it)."""
    for rule in rules:
        state.level += 1
        ok = rule(state, True)
        state.level -= 1
        if ok:
            if state.pos <= pos:
                raise RuntimeError("inline rule didn't increment state.pos")
            return True
    return False


def _inline_skip_token(self: Any, state: StateInline) -> None:
    """ParserInline.skipToken (link labels), asking only the rules that can match at pos."""
    ok = False
    pos = state.pos
    maxNesting = state.md.options["maxNesting"]
    cache = state.cache

    if pos in cache:
        state.pos = cache[pos]
        return

    if state.level < maxNesting:
        table = _inline_table(self)
        ch = state.src[pos]
        rules = table.by_char.get(ch)
        if rules is None:
            rules = table.build(ch)
        ok = try_silent(state, rules, pos)
    else:
        state.pos = state.posMax

    if not ok:
        state.pos += 1
    cache[pos] = state.pos


def _block_rules(table: _Table, state: StateBlock, line: int) -> list[Callable[..., bool]]:
    pos = state.bMarks[line] + state.tShift[line]
    ch = state.src[pos] if pos < len(state.src) else ""
    rules = table.by_char.get(ch)
    if rules is None:
        rules = table.build(ch)
    return rules


def _terminates(table: _Table, state: StateBlock, nextLine: int, endLine: int) -> bool:
    """Whether a block rule that can start at nextLine interrupts the paragraph (or heading) before it."""
    return any(rule(state, nextLine, endLine, True) for rule in _block_rules(table, state, nextLine))


def _block_tokenize(self: Any, state: StateBlock, startLine: int, endLine: int) -> None:
    """ParserBlock.tokenize, asking only the rules that can match the line's first character."""
    table = _table(self, "_sitegen_table", self.ruler, "", BLOCK_FIRST)
    line = startLine
    maxNesting = state.md.options.maxNesting
    hasEmptyLines = False

    while line < endLine:
        state.line = line = state.skipEmptyLines(line)
        if line >= endLine:
            break
        if state.sCount[line] < state.blkIndent:
            break
        if state.level >= maxNesting:
            state.line = endLine
            break

        ok = False
        for rule in _block_rules(table, state, line):
            ok = rule(state, line, endLine, False)
            if ok:
                if state.line <= line:
                    raise RuntimeError("block rule didn't increment state.line")
                break

        if not ok:
            raise RuntimeError("none of the block rules matched")

        state.tight = not hasEmptyLines
        line = state.line

        if (line - 1) < endLine and state.isEmpty(line - 1):
            hasEmptyLines = True

        if line < endLine and state.isEmpty(line):
            hasEmptyLines = True
            line += 1
            state.line = line


def _paragraph(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """markdown-it-py's paragraph rule, asking only the terminators that can match each line."""
    from markdown_it.common.utils import mdTrim

    block = state.md.block
    table = _table(block, "_sitegen_paragraph_table", block.ruler, "paragraph", BLOCK_FIRST)
    nextLine = startLine + 1
    endLine = state.lineMax

    oldParentType = state.parentType
    state.parentType = "paragraph"

    while nextLine < endLine:
        if state.isEmpty(nextLine):
            break
        if state.sCount[nextLine] - state.blkIndent > 3:
            nextLine += 1
            continue
        if state.sCount[nextLine] < 0:
            nextLine += 1
            continue
        if _terminates(table, state, nextLine, endLine):
            break
        nextLine += 1

    push_paragraph(state, startLine, nextLine, mdTrim(state.getLines(startLine, nextLine, state.blkIndent, False)))
    state.parentType = oldParentType
    return True


def push_paragraph(state: StateBlock, startLine: int, nextLine: int, content: str) -> None:
    """The paragraph rule's tokens, for lines startLine up to nextLine holding `content`: what
    its three `state.push` calls make (StateBlock.push: block=True at state.level, which the
    opening token raises and the closing one lowers again), built without the calls: most
    blocks of a post are paragraphs."""
    state.line = nextLine
    level = state.level
    inline = block_token("inline", "", 0, level + 1, [startLine, nextLine])
    inline.content = content
    inline.children = []
    state.tokens += (
        block_token("paragraph_open", "p", 1, level, [startLine, nextLine]),
        inline,
        block_token("paragraph_close", "p", -1, level, None),
    )


TOKEN_FIELDS = ("type", "tag", "nesting", "attrs", "map", "level", "children", "content", "markup", "info",
                "meta", "block", "hidden")
"""The fields of markdown-it-py 4's Token, which the fast paths (block_token, fastblock's push,
fastinline's _token) set one by one instead of calling its dataclass `__init__`."""


def tokens_built_alike() -> bool:
    """Whether this markdown-it-py's Token has exactly those fields (else a token built field by
    field would lack one: renderer.FAST_PATHS is off then)."""
    import dataclasses

    return tuple(f.name for f in dataclasses.fields(Token)) == TOKEN_FIELDS


def block_token(ttype: str, tag: str, nesting: Literal[-1, 0, 1], level: int, lines: list[int] | None) -> Token:
    """The token `StateBlock.push(ttype, tag, nesting)` makes at this level, with this map:
    `Token(ttype, tag, nesting)` and block=True, without the dataclass `__init__` (the same
    thirteen fields)."""
    token = _new(Token)
    token.type = ttype
    token.tag = tag
    token.nesting = nesting
    token.attrs = {}
    token.map = lines
    token.level = level
    token.children = None
    token.content = token.markup = token.info = ""
    token.meta = {}
    token.block = True
    token.hidden = False
    return token


def _lheading(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """markdown-it-py's lheading rule (setext headings), asking only the terminators that can
    match each line. Like upstream, it leaves parentType at "paragraph" when it finds no underline."""
    from markdown_it.common.utils import mdTrim

    level = None
    nextLine = startLine + 1
    block = state.md.block
    table = _table(block, "_sitegen_paragraph_table", block.ruler, "paragraph", BLOCK_FIRST)

    if state.is_code_block(startLine):
        return False

    oldParentType = state.parentType
    state.parentType = "paragraph"

    while nextLine < endLine and not state.isEmpty(nextLine):
        if state.sCount[nextLine] - state.blkIndent > 3:
            nextLine += 1
            continue

        if state.sCount[nextLine] >= state.blkIndent:
            pos = state.bMarks[nextLine] + state.tShift[nextLine]
            maximum = state.eMarks[nextLine]

            if pos < maximum:
                marker = state.src[pos]

                if marker in ("-", "="):
                    pos = state.skipCharsStr(pos, marker)
                    pos = state.skipSpaces(pos)

                    if pos >= maximum:
                        level = 1 if marker == "=" else 2
                        break

        if state.sCount[nextLine] < 0:
            nextLine += 1
            continue

        if _terminates(table, state, nextLine, endLine):
            break

        nextLine += 1

    if not level:
        return False

    content = mdTrim(state.getLines(startLine, nextLine, state.blkIndent, False))

    state.line = nextLine + 1

    token = state.push("heading_open", "h" + str(level), 1)
    token.markup = marker
    token.map = [startLine, state.line]

    token = state.push("inline", "", 0)
    token.content = content
    token.map = [startLine, state.line - 1]
    token.children = []

    token = state.push("heading_close", "h" + str(level), -1)
    token.markup = marker

    state.parentType = oldParentType

    return True


def use_fast_dispatch(md: MarkdownIt) -> None:
    """Install the dispatching loops on this instance (the rules and their order stay as they are)."""
    md.inline.tokenize = types.MethodType(_inline_tokenize, md.inline)  # type: ignore[method-assign]
    md.inline.skipToken = types.MethodType(_inline_skip_token, md.inline)  # type: ignore[method-assign]
    md.block.tokenize = types.MethodType(_block_tokenize, md.block)  # type: ignore[method-assign]
    md.block.ruler.at("paragraph", _paragraph)
    md.block.ruler.at("lheading", _lheading)
