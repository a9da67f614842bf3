"""markdown-it-py 4's `list`, `hr`, `heading`, `html_block` and `reference` block rules, giving
the same answers, tokens and state changes with less work per call, and the tables of which
rules to ask at a line. `sitegen.markdown.fastblock` installs them.

- `list_block` is upstream's rule line for line, with list markers read by a regex, the
  state's tables held in locals, the terminator rules asked per first character of the line
  (`Rules`, as the tokenizer does), no debug logging and one options lookup; the scan for
  task items only when an item got a checkbox (only then can it find one).
- `hr` matches the whole line with one regex: a marker and at least two more of it, with
  only spaces and tabs between (upstream's character loop); the token is upstream's.
- `heading` reads the `#` run and trims the closing sequence with str methods instead of
  character loops; the tokens are upstream's.
- `html_block` finds which of upstream's HTML_SEQUENCES a line opens with one regex, their
  opening patterns in order as alternatives (each is anchored at the line's start, so the
  first alternative that matches is the first sequence that does). That answers the terminator
  checks and the lines that open no block; for a block that opens, the rest is upstream's rule,
  with the sequence found (upstream tries each sequence's opener again).
- `reference` reads a one-line definition (`[label]: destination`, no title) with a regex and
  the same helpers (`parseLinkDestination`, `normalizeLink`, `validateLink`,
  `normalizeReference`); upstream also joins the next line, asking every terminator rule about
  it, only to find that it does not start a title. Any other shape (a label or destination
  across lines, a backslash in the label, a title) goes to markdown-it-py's rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from markdown_it.common.utils import mdTrim, normalizeReference
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block import code as stock_code
from markdown_it.rules_block import reference as stock_reference
from markdown_it.rules_block import table as stock_table
from markdown_it.rules_block.html_block import HTML_SEQUENCES

from sitegen.markdown.dispatch import BLOCK_FIRST

RuleFn = Callable[[StateBlock, int, int, bool], bool]

# What `table` requires of the line after a table's first, before it does anything: `|`, `-`, `:`,
# spaces and tabs only, two characters at least, not `-` then a space (a list item).
# Callers test the first two characters before the regex call (`|`, `:`, or `-` then `-|:`).
DELIMITER_ROW = re.compile(r"(?:[|:][-|: \t]|-[-|:])[-|: \t]*")
# Upstream's skipOrderedListMarker/skipBulletListMarker: 1-9 ASCII digits then `.` or `)`, or
# one of `*-+`; either followed by a space, a tab or the end of the line (checked apart).
_ORDERED = re.compile(r"[0-9]{1,9}[.)]")
_BULLET = re.compile(r"[*+-]")
_HR = re.compile(r"(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,}")
_HASHES = re.compile("#*")
# HTML_SEQUENCES' opening patterns as one alternation, group s<i> for sequence i.
_HTML_OPENERS = re.compile(
    "|".join(
        f"(?P<s{i}>{'(?i:' if opener.flags & re.IGNORECASE else '(?:'}{opener.pattern}))"
        for i, (opener, _, _) in enumerate(HTML_SEQUENCES)
    )
)
# A reference label on one line: `[`, then anything but brackets and backslashes (and, by the
# match's end, newlines); the character after it says how upstream's label scan ends.
_LABEL = re.compile(r"\[[^\[\]\\]*")


class Rules:
    """One chain's rules per first character of a line (`dispatch.BLOCK_FIRST`), in four
    variants: with or without `table` (can the next line be a delimiter row, DELIMITER_ROW?)
    and `code` (is the line indented four columns past blkIndent?). Those rules check that
    before any effect, so a variant leaves out only rules that would answer False."""

    def __init__(self, ruler: Any, chain: str) -> None:
        self.ruler = ruler
        self.rules = ruler.getRules(chain)
        self.chains: dict[str, Rules] = {}
        names = {id(rule.fn): rule.name for rule in ruler.__rules__ if rule.enabled}
        entries = [(names.get(id(fn), ""), fn) for fn in self.rules]
        # lheading then paragraph, last: fastblock runs them as one pass.
        self.text: tuple[RuleFn, RuleFn] | None = None
        if chain == "" and [name for name, _ in entries[-2:]] == ["lheading", "paragraph"]:
            self.text = (entries[-2][1], entries[-1][1])
            entries = entries[:-2]
        self.entries = entries
        self.by_char: dict[str, tuple[list[RuleFn], ...]] = {}

    def chain(self, name: str) -> Rules:
        """Another chain's Rules ("paragraph", "list" …), compiled with this one."""
        found = self.chains.get(name)
        if found is None:
            found = self.chains[name] = Rules(self.ruler, name)
        return found

    def build(self, ch: str) -> tuple[list[RuleFn], ...]:
        found = [fn for name, fn in self.entries if name not in BLOCK_FIRST or ch in BLOCK_FIRST[name]]
        variants = tuple(
            [fn for fn in found if (fn is not stock_table or table) and (fn is not stock_code or code)]
            for code in (False, True)
            for table in (False, True)
        )
        self.by_char[ch] = variants
        return variants

    def at(self, state: StateBlock, line: int, endLine: int) -> list[RuleFn]:
        """The rules that may match at this (non-empty) line."""
        pos = state.bMarks[line] + state.tShift[line]
        ch = state.src[pos] if pos < len(state.src) else ""
        variants = self.by_char.get(ch)
        if variants is None:
            variants = self.build(ch)
        return variants[variant(state, line, endLine)]


def rules(parser: Any) -> Rules:
    """The block parser's Rules for its main chain, rebuilt (with the other chains) when the
    ruler recompiles its chains (all at once)."""
    table = parser.__dict__.get("_sitegen_rules")
    if table is None or table.rules is not parser.ruler.getRules(""):
        table = Rules(parser.ruler, "")
        parser.__dict__["_sitegen_rules"] = table
    return table


def variant(state: StateBlock, line: int, endLine: int) -> int:
    """Which variant of a line's rules may match: +1 if `table` may, +2 if `code` may."""
    nextLine = line + 1
    found = 2 if state.sCount[line] - state.blkIndent >= 4 else 0
    if nextLine < endLine:
        pos = state.bMarks[nextLine] + state.tShift[nextLine]
        if (
            pos < state.eMarks[nextLine]
            and state.src[pos] in "|-:"
            and (state.src[pos] != "-" or state.src[pos + 1 : pos + 2] in "-|:")
            and DELIMITER_ROW.fullmatch(state.src, pos, state.eMarks[nextLine])
        ):
            found += 1
    return found


def _marker_end(pattern: re.Pattern[str], src: str, pos: int, maximum: int) -> int:
    """Position after a list marker at pos, or -1 (as upstream's skip*ListMarker). The first
    character is tested before any regex call: most lines asked start with neither marker."""
    if pos >= maximum:
        return -1
    if pattern is _BULLET:
        if src[pos] not in "*+-":
            return -1
        end = pos + 1
    else:
        if src[pos] not in "0123456789":
            return -1
        found = pattern.match(src, pos, maximum)
        if found is None:
            return -1
        end = found.end()
    if end < maximum and src[end] != " " and src[end] != "\t":
        return -1
    return end


def hr(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """markdown-it-py's hr rule."""
    if state._code_enabled and state.sCount[startLine] - state.blkIndent >= 4:
        return False
    src = state.src
    pos = state.bMarks[startLine] + state.tShift[startLine]
    maximum = state.eMarks[startLine]
    # Only markers, spaces and tabs: past one space or tab after the first marker comes the
    # marker again or more space. Tested before the regex call: a list item's `- x` fails here.
    after = pos + 1
    if after < maximum and (src[after] == " " or src[after] == "\t"):
        after += 1
    if after >= maximum or (src[after] != src[pos] and src[after] != " " and src[after] != "\t"):
        return False
    if _HR.fullmatch(src, pos, maximum) is None:
        return False
    if silent:
        return True
    marker = src[pos]
    state.line = startLine + 1
    token = state.push("hr", "hr", 0)
    token.map = [startLine, state.line]
    # Upstream counts the first marker twice.
    token.markup = marker * (src.count(marker, pos, maximum) + 1)
    return True


def heading(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """markdown-it-py's heading rule (ATX headings)."""
    if state._code_enabled and state.sCount[startLine] - state.blkIndent >= 4:
        return False
    src = state.src
    pos = state.bMarks[startLine] + state.tShift[startLine]
    maximum = state.eMarks[startLine]
    if pos >= maximum or src[pos] != "#":
        return False
    end = _HASHES.match(src, pos, maximum).end()  # type: ignore[union-attr]
    level = end - pos
    if level > 6 or (end < maximum and src[end] != " " and src[end] != "\t"):
        return False
    if silent:
        return True

    # Drop trailing spaces, then a closing run of `#` that follows a space or tab.
    text = src[end:maximum].rstrip(" \t")
    unclosed = text.rstrip("#")
    if unclosed and unclosed[-1] in " \t":
        text = unclosed

    state.line = startLine + 1
    tag = "h" + str(level)
    token = state.push("heading_open", tag, 1)
    token.markup = "########"[:level]
    token.map = [startLine, state.line]
    token = state.push("inline", "", 0)
    token.content = mdTrim(text)
    token.map = [startLine, state.line]
    token.children = []
    token = state.push("heading_close", tag, -1)
    token.markup = "########"[:level]
    return True


def html_block(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """markdown-it-py's html_block rule."""
    if state._code_enabled and state.sCount[startLine] - state.blkIndent >= 4:
        return False
    if not state.md.options.get("html", None):
        return False
    src = state.src
    pos = state.bMarks[startLine] + state.tShift[startLine]
    if pos >= len(src) or src[pos] != "<":
        return False
    lineText = src[pos : state.eMarks[startLine]]
    found = _HTML_OPENERS.match(lineText)
    if found is None:
        return False
    _, closing, terminates = HTML_SEQUENCES[int(found.lastgroup[1:])]  # type: ignore[index]
    if silent:
        return terminates

    # Upstream's, from here: down to the block's end.
    nextLine = startLine + 1
    # Blocks 6 and 7 (`^$` closes them) end at a blank line; the others at their closing sequence.
    endsOnBlankLine = bool(closing.search(""))
    if not closing.search(lineText):
        while nextLine < endLine:
            # An outdented blank line ends only a block that ends on a blank line.
            if state.sCount[nextLine] < state.blkIndent and (endsOnBlankLine or not state.isEmpty(nextLine)):
                break
            pos = state.bMarks[nextLine] + state.tShift[nextLine]
            lineText = src[pos : state.eMarks[nextLine]]
            if closing.search(lineText):
                if len(lineText) != 0:
                    nextLine += 1
                break
            nextLine += 1

    state.line = nextLine
    token = state.push("html_block", "", 0)
    token.map = [startLine, nextLine]
    token.content = state.getLines(startLine, nextLine, state.blkIndent, True)
    return True


def list_block(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """markdown-it-py's list rule (with its GFM task items)."""
    src, bMarks, eMarks, tShift, sCount = state.src, state.bMarks, state.eMarks, state.tShift, state.sCount
    isTerminatingParagraph = False
    tight = True
    hasTask = False  # whether an item of this list got a checkbox

    if state._code_enabled and sCount[startLine] - state.blkIndent >= 4:
        return False

    # A marker indented 4+ past the enclosing list's is a paragraph continuation.
    if state.listIndent >= 0 and sCount[startLine] - state.listIndent >= 4 and sCount[startLine] < state.blkIndent:
        return False

    if silent and state.parentType == "paragraph" and sCount[startLine] >= state.blkIndent:
        isTerminatingParagraph = True

    start = bMarks[startLine] + tShift[startLine]
    posAfterMarker = _marker_end(_ORDERED, src, start, eMarks[startLine])
    if posAfterMarker >= 0:
        isOrdered = True
        markerValue = int(src[start : posAfterMarker - 1])
        # An ordered list interrupting a paragraph starts with 1.
        if isTerminatingParagraph and markerValue != 1:
            return False
    else:
        posAfterMarker = _marker_end(_BULLET, src, start, eMarks[startLine])
        if posAfterMarker < 0:
            return False
        isOrdered = False

    # A list interrupting a paragraph has text on its first line.
    if isTerminatingParagraph and state.skipSpaces(posAfterMarker) >= eMarks[startLine]:
        return False

    markerChar = src[posAfterMarker - 1]

    if silent:
        return True

    tokens = state.tokens
    listTokIdx = len(tokens)

    if isOrdered:
        token = state.push("ordered_list_open", "ol", 1)
        if markerValue != 1:
            token.attrs = {"start": markerValue}
    else:
        token = state.push("bullet_list_open", "ul", 1)

    token.map = listLines = [startLine, 0]
    token.markup = markerChar

    nextLine = startLine
    prevEmptyEnd = False
    md = state.md
    terminators = rules(md.block).chain("list")
    tokenize = md.block.tokenize
    tasklists = md.options.get("tasklists", False)
    bsCount = state.bsCount

    oldParentType = state.parentType
    state.parentType = "list"

    while nextLine < endLine:
        pos = posAfterMarker
        maximum = eMarks[nextLine]

        initial = offset = sCount[nextLine] + posAfterMarker - (bMarks[startLine] + tShift[startLine])

        while pos < maximum:
            ch = src[pos]
            if ch == "\t":
                offset += 4 - (offset + bsCount[nextLine]) % 4
            elif ch == " ":
                offset += 1
            else:
                break
            pos += 1

        contentStart = pos

        # trimming space in "-    \n  3" case, indent is 1 here
        indentAfterMarker = 1 if contentStart >= maximum else offset - initial

        # More than 4 spaces: the indent is 1 (the rest is an indented code block).
        if indentAfterMarker > 4:
            indentAfterMarker = 1

        indent = initial + indentAfterMarker

        token = state.push("list_item_open", "li", 1)
        token.markup = markerChar
        token.map = itemLines = [startLine, 0]
        if isOrdered:
            token.info = src[start : posAfterMarker - 1]

        oldTight = state.tight
        oldBMark = bMarks[startLine]
        oldTShift = tShift[startLine]
        oldSCount = sCount[startLine]

        oldListIndent = state.listIndent
        state.listIndent = state.blkIndent
        state.blkIndent = indent

        state.tight = True
        tShift[startLine] = contentStart - bMarks[startLine]
        sCount[startLine] = offset

        # GFM task checkboxes, once the item's indentation is set (not in indented code).
        checkboxLen = 0
        if (
            tasklists
            and contentStart < maximum
            and not (state._code_enabled and sCount[startLine] - state.blkIndent >= 4)
            and contentStart + 4 <= maximum
            and src[contentStart] == "["
            and src[contentStart + 2] == "]"
            and src[contentStart + 1] in " xX"
            and src[contentStart + 3] in " \t"
        ):
            token.meta = {"checked": src[contentStart + 1] != " "}
            checkboxLen = 4
            hasTask = True
            bMarks[startLine] = contentStart + checkboxLen
            tShift[startLine] = 0

        if contentStart >= maximum and state.isEmpty(startLine + 1):
            # An empty item followed by a blank line ends the list.
            state.line = min(state.line + 2, endLine)
        else:
            tokenize(state, startLine, endLine)

        if (not state.tight) or prevEmptyEnd:
            tight = False

        # An item ending with a blank line makes the list loose, unless it is the last.
        prevEmptyEnd = (state.line - startLine) > 1 and state.isEmpty(state.line - 1)

        state.blkIndent = state.listIndent
        state.listIndent = oldListIndent
        if checkboxLen:
            bMarks[startLine] = oldBMark
        tShift[startLine] = oldTShift
        sCount[startLine] = oldSCount
        state.tight = oldTight

        token = state.push("list_item_close", "li", -1)
        token.markup = markerChar

        nextLine = startLine = state.line
        itemLines[1] = nextLine

        if nextLine >= endLine:
            break

        if sCount[nextLine] < state.blkIndent:
            break

        if state._code_enabled and sCount[startLine] - state.blkIndent >= 4:
            break

        terminate = False
        for rule in terminators.at(state, nextLine, endLine):
            if rule(state, nextLine, endLine, True):
                terminate = True
                break
        if terminate:
            break

        first = bMarks[nextLine] + tShift[nextLine]

        # The list ends where the marker changes type.
        if isOrdered:
            posAfterMarker = _marker_end(_ORDERED, src, first, eMarks[nextLine])
            if posAfterMarker < 0:
                break
            start = first
        else:
            posAfterMarker = _marker_end(_BULLET, src, first, eMarks[nextLine])
            if posAfterMarker < 0:
                break

        if markerChar != src[posAfterMarker - 1]:
            break

    # A list with a direct task item gets the class, and so does each such item. (Only this
    # rule's items at this level get "checked" in their meta: without one, the scan finds none.)
    if hasTask:
        containsTask = False
        level = tokens[listTokIdx].level + 1
        for j in range(listTokIdx + 1, len(tokens)):
            tok = tokens[j]
            if tok.level == level and tok.type == "list_item_open" and tok.meta and "checked" in tok.meta:
                tok.attrJoin("class", "task-list-item")
                containsTask = True
        if containsTask:
            tokens[listTokIdx].attrJoin("class", "contains-task-list")

    token = state.push("ordered_list_close" if isOrdered else "bullet_list_close", "ol" if isOrdered else "ul", -1)
    token.markup = markerChar

    listLines[1] = nextLine
    state.line = nextLine

    state.parentType = oldParentType

    if tight:
        _mark_tight_paragraphs(tokens, state.level + 2, listTokIdx + 2)

    return True


def _mark_tight_paragraphs(tokens: list[Any], level: int, start: int) -> None:
    """markdown-it-py's markTightParagraphs: the list's own paragraphs (at `level`) are hidden,
    opening and closing token. Upstream steps past the two tokens after each one it hides, an
    inline and a closing token, which could not match anyway; the loop here asks them too."""
    for i in range(start, len(tokens) - 2):
        token = tokens[i]
        if token.level == level and token.type == "paragraph_open":
            token.hidden = True
            tokens[i + 2].hidden = True


def reference(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
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
        if after < state.eMarks[nextLine] and src[after] in "\"'( \t":
            return stock_reference(state, startLine, endLine, silent)  # maybe a title on the next line
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
