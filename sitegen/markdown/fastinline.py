"""Inline parsing with markdown-it-py's rules, doing less around them.

Replaces `ParserInline.parse` and `.tokenize` (the loop that `sitegen.markdown.dispatch` already
narrowed to the rules that can match each character). What changes, and why the tokens stay
those of markdown-it-py:

- The loop jumps straight to the next *active* position: one regex search per run of text
  instead of the text rule, a dict lookup and a one-character append at every terminator
  (`-`, `#`, `:`, `w` …). A character is active when some rule other than `text` can match
  there (the dispatch tables know which); `w`, `!` and `:` only where the rule asked there can
  get past its first test (`www.`, `![`, `:` before `/` or an address's first character). Pending
  text is the same string either way, and every rule is asked at the same positions, with the
  same state, as before.
- Content with no active position at all (a third of the inline tokens of a blog: headings,
  table cells, plain sentences) is one text token, which is what the loop would make.
- The post-processing rules (`balance_pairs`, `strikethrough`, `emphasis`, `fragments_join`)
  only act on delimiters (`*`, `_`, `~` runs; `strikethrough` on `~` ones alone, so it is left
  out where the source has no `~`); without any they change nothing (token levels
  are already those `fragments_join` would compute, and no two text tokens are adjacent).
- Tokens are built with their fields set directly rather than through the dataclass
  `__init__` and `__post_init__` (the same values: see `_token`); pending text is flushed
  without going through the `pending` property.
- markdown-it-py's newline rule is run inside the loop (`_newline`, the same steps), link
  labels are read with `skipToken` inlined (`_parse_link_label`: the same steps and skip-cache
  entries), and the core `inline` rule looks the plan up once per document.
- The core `text_join` rule's work (`text_special` tokens made text, adjacent text tokens
  merged) is done by the core `inline` rule, for the only inline tokens where there is any:
  those whose source has a backslash or `&` (see `_joins_text`).

Only the rules this module knows (markdown-it-py's, mdit_py_plugins' math and footnotes,
sitegen's autolinks) are covered: with any other rule enabled, or another post-processing
rule, the stock code runs. `tests/markdown/test_fastinline.py` compares the tokens with stock
markdown-it-py on the CommonMark spec, the example site and the wolfgirl corpus.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from typing import Any, Literal

from markdown_it import MarkdownIt, helpers
from markdown_it.helpers import parseLinkLabel
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.inline import inline as core_inline
from markdown_it.rules_core.text_join import _join_text_tokens, text_join
from markdown_it.rules_inline import StateInline, strikethrough
from markdown_it.rules_inline.newline import newline
from markdown_it.token import Token
from mdit_py_plugins.footnote.index import footnote_tail

from sitegen.markdown.dispatch import INLINE_FIRST, _inline_skip_token, _inline_table, _inline_tokenize, try_silent

# Where a rule, alone at its character, can get past its first test: narrower than the
# character itself. (A literal first character: a lookbehind would make every search ten times slower.)
_NARROWER: dict[str, tuple[tuple[str, ...], str]] = {
    "w": (("autolink_www",), r"www\."),
    "!": (("image",), r"!\["),
    # `http(s)://`, or `mailto:`/`xmpp:` and an address's first character (autolink._LOCAL)
    ":": (("autolink_protocol",), r":[/A-Za-z0-9.+_-]"),
}

# The post-processing rules that act only on delimiters.
_POST_RULES = ("balance_pairs", "strikethrough", "emphasis", "fragments_join")


def _token(ttype: str, tag: str, nesting: Literal[-1, 0, 1], content: str = "", level: int = 0,
           _new: Any = object.__new__, _cls: type[Token] = Token) -> Token:
    """Token(ttype, tag, nesting) with content and level set, without the dataclass machinery."""
    token = _new(_cls)
    token.type = ttype
    token.tag = tag
    token.nesting = nesting
    token.attrs = {}
    token.map = None
    token.level = level
    token.children = None
    token.content = content
    token.markup = ""
    token.info = ""
    token.meta = {}
    token.block = False
    token.hidden = False
    return token


class _State(StateInline):
    """StateInline whose push/pushPending build tokens directly (same tokens, same bookkeeping),
    carrying the parser's plan for the loops it enters."""

    plan: _Plan | None = None
    max_nesting = 0

    def pushPending(self) -> Token:
        # The `pending` property and setter, inlined: the text is `_pending` and the buffer.
        buffer = self._pending_buffer
        text = self._pending + "".join(buffer) if buffer else self._pending
        token = _token("text", "", 0, text, self.pendingLevel)
        self.tokens.append(token)
        self._pending = ""
        self._pending_buffer = []
        return token

    def push(self, ttype: str, tag: str, nesting: Literal[-1, 0, 1]) -> Token:
        buffer = self._pending_buffer
        if buffer or self._pending:
            # pushPending, inlined
            text = self._pending + "".join(buffer) if buffer else self._pending
            self.tokens.append(_token("text", "", 0, text, self.pendingLevel))
            self._pending = ""
            self._pending_buffer = []
        token_meta = None
        if nesting < 0:
            self.level -= 1
            self.delimiters = self._prev_delimiters.pop()
        token = _token(ttype, tag, nesting, "", self.level)
        if nesting > 0:
            self.level += 1
            self._prev_delimiters.append(self.delimiters)
            self.delimiters = []
            token_meta = {"delimiters": self.delimiters}
        self.pendingLevel = self.level
        self.tokens.append(token)
        self.tokens_meta.append(token_meta)
        return token


class _Plan:
    """For one compiled rule list: the active-position regex and the rules per character,
    or `active is None` when some rule is not one whose first character is known."""

    def __init__(self, parser: ParserInline) -> None:
        self.rules = parser.ruler.getRules("")
        self.rules2 = parser.ruler2.getRules("")
        self.terminator_re = parser.terminator_re
        self.table = _inline_table(parser)
        self.active: re.Pattern[str] | None = None
        enabled = [rule for rule in parser.ruler.__rules__ if rule.enabled]
        names = [rule.name for rule in enabled]
        self.text_rule = enabled[0].fn if names and names[0] == "text" else None
        # markdown-it-py's own newline rule, alone at "\n": taken inside the loop (`_newline`).
        self.own_newline = [rule.fn for rule in enabled if "\n" in INLINE_FIRST.get(rule.name, "")] == [newline]
        names2 = [rule.name for rule in parser.ruler2.__rules__ if rule.enabled]
        self.post_only_delimiters = names2 == list(_POST_RULES)
        # markdown-it-py's strikethrough pairing acts on `~` delimiters alone: without a `~` in
        # the source the other rules are all there is to run.
        self.rules2_without_tilde: list[Callable[..., Any]] | None = None
        if self.post_only_delimiters:
            post = [(rule.name, rule.fn) for rule in parser.ruler2.__rules__ if rule.enabled]
            if dict(post)["strikethrough"] is strikethrough.postProcess:
                self.rules2_without_tilde = [fn for name, fn in post if name != "strikethrough"]
        if not names or names[0] != "text" or any(name not in INLINE_FIRST for name in names[1:]):
            return
        chars = sorted({ch for name in names[1:] for ch in INLINE_FIRST[name]})
        if any(parser.terminator_re.match(ch) is None for ch in chars):
            return  # a rule at a character the text rule runs over: leave it to the plain loop
        names_at = {ch: [name for name in names[1:] if ch in INLINE_FIRST[name]] for ch in chars}
        plain = [ch for ch in chars if ch not in _NARROWER or tuple(names_at[ch]) != _NARROWER[ch][0]]
        narrow = [_NARROWER[ch][1] for ch in chars if ch not in plain]
        self.active = re.compile("|".join(["[" + re.escape("".join(plain)) + "]", *narrow]))


def _plan(parser: ParserInline) -> _Plan:
    plan: _Plan | None = parser.__dict__.get("_sitegen_plan")
    if (plan is None or plan.rules is not parser.ruler.getRules("") or plan.rules2 is not parser.ruler2.getRules("")
            or plan.terminator_re is not parser.terminator_re):
        plan = _Plan(parser)
        parser.__dict__["_sitegen_plan"] = plan
    return plan


def _state_plan(state: StateInline) -> tuple[_Plan, int]:
    """The plan and maxNesting: those of the parse that made the state, else looked up."""
    plan = getattr(state, "plan", None)
    if plan is not None:
        return plan, state.max_nesting  # type: ignore[attr-defined]
    return _plan(state.md.inline), state.md.options["maxNesting"]


def _tokenize(self: ParserInline, state: StateInline, found: re.Match[str] | None = None) -> None:
    """ParserInline.tokenize, jumping from one active position to the next (`found`: the
    first one, if the caller has already searched for it). The text between is added to
    pending text in one piece before a rule is asked (rules read it), a character no rule
    matched along with the text after it."""
    plan = getattr(state, "plan", None)
    if plan is not None:
        max_nesting: int = state.max_nesting  # type: ignore[attr-defined]
    else:
        plan, max_nesting = _state_plan(state)
    active = plan.active
    if active is None:
        _inline_tokenize(self, state)
        return
    table = plan.table
    by_char, build = table.by_char, table.build
    search = active.search
    end = state.posMax
    src = state.src
    own_newline = plan.own_newline

    pos = text = state.pos  # text: where the source not yet in pending text starts
    while pos < end:
        if found is None:
            found = search(src, pos, end)
            if found is None:
                break
        pos = found.start()
        found = None
        if pos > text:
            state._pending_buffer.append(src[text:pos])
        state.pos = text = pos
        if state.level < max_nesting:
            ch = src[pos]
            if ch == "\n" and own_newline:
                pos = text = state.pos = _newline(state, src, pos, end)
                continue
            rules: list[Callable[..., bool]] | None = by_char.get(ch)
            if rules is None:
                rules = build(ch)
            ok = False
            for rule in rules:
                if rule(state, False):
                    if state.pos <= pos:
                        raise RuntimeError("inline rule didn't increment state.pos")
                    ok = True
                    break
            if ok:
                pos = text = state.pos
                continue
        pos += 1  # the character is text

    if text < end:
        state._pending_buffer.append(src[text:end])
        state.pos = end
    if state._pending_buffer or state._pending:
        state.pushPending()


def _newline(state: StateInline, src: str, pos: int, end: int) -> int:
    """markdown-it-py's newline rule at `pos` (not silent): a softbreak, or a hardbreak after
    two spaces, trailing spaces taken off pending text; the next line's leading spaces and tabs
    skipped. Returns the new position. (`state.push`, inlined: pending text flushed, then the
    break at the current level, with no delimiter list.)"""
    buffer = state._pending_buffer
    pending = state._pending + "".join(buffer) if buffer else state._pending
    tokens = state.tokens
    ttype = "softbreak"
    if pending:
        if pending[-1] == " ":
            if pending.endswith("  "):
                pending = pending.rstrip(" ")
                ttype = "hardbreak"
            else:
                pending = pending[:-1]
        if pending:
            tokens.append(_token("text", "", 0, pending, state.pendingLevel))
        state._pending = ""
        state._pending_buffer = []
    level = state.pendingLevel = state.level
    tokens.append(_token(ttype, "br", 0, "", level))
    state.tokens_meta.append(None)
    pos += 1
    while pos < end and src[pos] in " \t":
        pos += 1
    return pos


def _parse_link_label(state: StateInline, start: int, disableNested: bool = False) -> int:
    """markdown-it-py's parseLinkLabel with ParserInline.skipToken inlined: the same steps and
    the same entries in `state.cache`, with the text rule's step (to the next terminator) and
    a character no rule can match at (one on) taken without calling anything."""
    plan, max_nesting = _state_plan(state)
    if plan.active is None or state.md.inline.skipToken.__func__ is not _inline_skip_token:  # type: ignore[attr-defined]
        return parseLinkLabel(state, start, disableNested)
    by_char, build = plan.table.by_char, plan.table.build
    terminator = plan.terminator_re.search
    src = state.src
    cache = state.cache
    old_pos = state.pos
    level = 1
    pos = start + 1
    while pos < state.posMax:
        marker = src[pos]
        if marker == "]":
            level -= 1
            if level == 0:
                state.pos = old_pos
                return pos
        prev = pos
        step = cache.get(pos)
        if step is None:
            if state.level >= max_nesting:
                step = state.posMax + 1
            else:
                rules = by_char.get(marker)
                if rules is None:
                    rules = build(marker)
                if rules and rules[0] is plan.text_rule:
                    # the text rule, silent: on to the next terminator (searched past posMax, as it does)
                    found = terminator(src, pos)
                    step = found.start() if found is not None else state.posMax
                else:
                    state.pos = pos
                    step = state.pos if try_silent(state, rules, pos) else state.pos + 1
            cache[pos] = step
        pos = step
        if marker == "[":
            if prev == pos - 1:
                level += 1
            elif disableNested:
                state.pos = old_pos
                return -1
    state.pos = old_pos
    return -1


def _has_delimiters(state: StateInline) -> bool:
    """Whether emphasis or strikethrough left a delimiter, at the top level or inside a link."""
    if state.delimiters:
        return True
    return any(meta is not None and meta["delimiters"] for meta in state.tokens_meta)


def _parse(self: ParserInline, src: str, md: MarkdownIt, env: Any, tokens: list[Token]) -> list[Token]:
    """ParserInline.parse: one text token where no rule but `text` can match."""
    return _parse_planned(self, _plan(self), md.options["maxNesting"], src, md, env, tokens)


def _parse_planned(self: ParserInline, plan: _Plan, max_nesting: int, src: str, md: MarkdownIt, env: Any,
                   tokens: list[Token]) -> list[Token]:
    found = None
    if plan.active is not None and plan.post_only_delimiters:
        found = plan.active.search(src)
        if found is None:
            if src:
                tokens.append(_token("text", "", 0, src))
            return tokens
    return _parse_state(self, plan, max_nesting, src, md, env, tokens, found)


def _parse_state(self: ParserInline, plan: _Plan, max_nesting: int, src: str, md: MarkdownIt, env: Any,
                 tokens: list[Token], found: re.Match[str] | None) -> list[Token]:
    """The parse through an inline state (`found`: the first active position, if searched)."""
    state = _State(src, md, env, tokens)
    state.plan = plan
    state.max_nesting = max_nesting
    _tokenize(self, state, found)
    # Of the rules it knows, only emphasis and strikethrough make delimiters, at `*`, `_` and `~`.
    if plan.active is None or not plan.post_only_delimiters:
        for rule in plan.rules2:
            rule(state)
    elif ("*" in src or "_" in src or "~" in src) and _has_delimiters(state):
        rules2 = plan.rules2 if "~" in src or plan.rules2_without_tilde is None else plan.rules2_without_tilde
        for rule in rules2:
            rule(state)
    return state.tokens


def _core_inline(state: StateCore) -> None:
    """markdown-it-py's core `inline` rule (every inline token's children parsed), with the
    plan looked up once per document rather than once per token, and the core `text_join`
    rule's work done here, where there is any (see `_joins_text`)."""
    md = state.md
    parser = md.inline
    if getattr(parser.parse, "__func__", None) is not _parse:
        core_inline(state)
        return
    plan = _plan(parser)
    max_nesting = md.options["maxNesting"]
    env = state.env
    join = _joins_text(md, plan)
    # `_parse_planned`, inlined: most inline tokens are plain text or start with one.
    search = plan.active.search if plan.active is not None and plan.post_only_delimiters else None
    for token in state.tokens:
        if token.type == "inline":
            children = token.children
            if children is None:
                children = token.children = []
            src = token.content
            if search is None:
                children = _parse_planned(parser, plan, max_nesting, src, md, env, children)
            else:
                found = search(src)
                if found is None:
                    if src:
                        children.append(_token("text", "", 0, src))
                    continue  # no backslash or `&` either: nothing to join
                children = _parse_state(parser, plan, max_nesting, src, md, env, children, found)
            # Only the escape and entity rules make `text_special` tokens.
            if join and ("\\" in src or "&" in src):
                for child in children:
                    if child.children:
                        child.children = _join_text_tokens(child.children)
                token.children = _join_text_tokens(children)
    if join:
        setattr(state, _TEXT_JOINED, True)


# Set on a core state whose text `_core_inline` has joined.
_TEXT_JOINED = "_sitegen_text_joined"


def _joins_text(md: MarkdownIt, plan: _Plan) -> bool:
    """Whether `_core_inline` can do `text_join`'s work: with the rules the plan knows, text
    tokens are only ever adjacent around a `text_special` token (the loop flushes pending text
    only before another token; the delimiter runs of emphasis and strikethrough are merged
    back by `fragments_join`; autolinks' text sits between link tokens), and of the core rules
    between the two only `footnote_tail` runs, which moves block tokens and makes no inline
    token while the footnote plugin's inline rule is off."""
    rules = [rule for rule in md.core.ruler.__rules__ if rule.enabled]
    names = [rule.name for rule in rules]
    if plan.active is None or not plan.post_only_delimiters or "inline" not in names:
        return False
    after = rules[names.index("inline") + 1:]
    if not after or after[-1].fn not in (text_join, _text_join):
        return False
    inline_names = {rule.name for rule in md.inline.ruler.__rules__ if rule.enabled}
    return all(rule.fn is footnote_tail for rule in after[:-1]) and "footnote_inline" not in inline_names


def _text_join(state: StateCore) -> None:
    """The core `text_join` rule, unless `_core_inline` has done its work."""
    if getattr(state, _TEXT_JOINED, False):
        setattr(state, _TEXT_JOINED, False)
    else:
        text_join(state)


def use_fast_inline(md: MarkdownIt) -> None:
    """Install the inline parse, its loop and link-label reading on this instance (after
    `use_fast_dispatch`, whose skipToken the label reading takes the place of)."""
    md.inline.tokenize = types.MethodType(_tokenize, md.inline)  # type: ignore[method-assign]
    md.inline.parse = types.MethodType(_parse, md.inline)  # type: ignore[method-assign]
    ns = {name: getattr(md.helpers, name) for name in helpers.__all__}
    ns["parseLinkLabel"] = _parse_link_label
    md.helpers = types.SimpleNamespace(**ns)  # type: ignore[assignment]
    if any(rule.name == "inline" and rule.fn is core_inline for rule in md.core.ruler.__rules__):
        md.core.ruler.at("inline", _core_inline)
    if any(rule.name == "text_join" and rule.fn is text_join for rule in md.core.ruler.__rules__):
        md.core.ruler.at("text_join", _text_join)
