"""markdown-it-py's `link` rule, sooner for the links blog posts are made of.

Replaces `markdown_it.rules_inline.link.link` (its steps are copied below); what changes, and
why the tokens stay those of markdown-it-py:

- The label. markdown-it-py finds the closing `]` by stepping through the label with every
  rule, silently (`parseLinkLabel`), caching each step in `state.cache`. Only a rule that can
  step over a bracket can move that `]`: escapes, code spans, autolinks and raw HTML, inline
  math (the characters in `_label_stop`, with `[` and `]`). The other rules, silent, answer
  False (emphasis, strikethrough, sitegen's autolinks, an image without `[`) or step over text
  that holds no bracket (the text rule, a newline and its indent, an entity). So the scan
  jumps to the next of those characters and, at one of them, takes the step parseLinkLabel
  takes (the same rules, silent, one level deeper). A `[` in the label (nesting), a cached step
  inside it (parseLinkLabel would follow that instead) or the nesting limit (where it takes no
  uncached step) leave the label to markdown-it-py. Every step depends on the source and
  position alone, so the cache entries not written here are what a later scan computes.
- The common inline tail, `(dest)` or `(dest "title")` with a destination needing no
  escapes or balanced parentheses, is read with one regex: the same destination, title and
  end as `parseLinkDestination` and `parseLinkTitle` give for that text.
- The link text: where it holds no position any rule but `text` can match (the inline plan's
  `active` regex), markdown-it-py's nested tokenize would only collect it as pending text and
  flush it as one text token; that token is pushed directly.

Anything else (a label with one of those characters, a destination in `<…>`, with spaces,
escapes or parentheses, an invalid URL) runs markdown-it-py's own rule. `tests/markdown/
test_fastlink.py` compares the tokens with stock markdown-it-py.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference, unescapeAll
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.link import link as stock_link

from sitegen.markdown import fastinline
from sitegen.markdown.dispatch import INLINE_FIRST, try_silent

# Inline rules that, silent, answer False or step over text holding no `[` or `]`.
_BRACKET_SAFE = frozenset({
    "text", "newline", "strikethrough", "emphasis", "entity", "image",
    "autolink_www", "autolink_protocol", "autolink_email", "autolink_email_underscore",
})

# `(dest)` or `(dest "title")`: a destination parseLinkDestination reads up to a space or the
# closing `)` (no `<…>`, control characters, backslashes or parentheses), then an optional
# title in double or single quotes without backslashes, then `)`.
_TAIL = re.compile(
    r"""\(([^\x00-\x20\x7f\\()<][^\x00-\x20\x7f\\()]*)(?:[ \t\n]+(?:"([^"\\]*)"|'([^'\\]*)'))?[ \t\n]*\)"""
)


def _label_stop(plan: fastinline._Plan) -> re.Pattern[str] | None:
    """The characters that end the quick label scan: `]`, `[`, and where a rule that might step
    over a bracket can start. None when the plan is not one this rule knows."""
    # (An attribute, not plan.__dict__: reading an object's __dict__ slows every later attribute access on it.)
    stop: re.Pattern[str] | None = getattr(plan, "sitegen_label_stop", False)
    if stop is False:
        stop = None
        names = [name for name, _ in plan.table.entries]
        if plan.active is not None and all(name in INLINE_FIRST or name == "text" for name in names):
            chars = {"[", "]"}
            for name in names:
                if name not in _BRACKET_SAFE:
                    chars.update(INLINE_FIRST[name])
            stop = re.compile("[" + re.escape("".join(sorted(chars))) + "]")
        plan.sitegen_label_stop = stop  # type: ignore[attr-defined]
    return stop


def _label_end(state: StateInline, plan: fastinline._Plan, stop: re.Pattern[str], start: int) -> int:
    """The `]` ending the label whose `[` is at `start`, as parseLinkLabel finds it, or -1 when
    it finds none or this scan cannot tell (a `[` in the label, a step it has cached)."""
    src = state.src
    maximum = state.posMax
    by_char, build = plan.table.by_char, plan.table.build
    pos = start + 1
    while True:
        found = stop.search(src, pos, maximum)
        if found is None:
            return -1
        pos = found.start()
        marker = src[pos]
        if marker == "]":
            break
        if marker == "[":
            return -1
        # A rule that may step over a bracket: its step, taken as parseLinkLabel takes it.
        rules = by_char.get(marker)
        if rules is None:
            rules = build(marker)
        old_pos = state.pos
        state.pos = pos
        pos = state.pos if try_silent(state, rules, pos) else state.pos + 1
        state.pos = old_pos
    # parseLinkLabel follows the steps an earlier scan cached; this scan did not look them up.
    cache = state.cache
    if cache and any(start < at < pos for at in cache):
        return -1
    return pos


def link(state: StateInline, silent: bool) -> bool:
    """markdown-it-py's link rule (see the module docstring for what is quicker)."""
    src = state.src
    start = state.pos
    if src[start] != "[":
        return False
    plan = getattr(state, "plan", None)
    if plan is not None:
        max_nesting: int = state.max_nesting  # type: ignore[attr-defined]
    else:
        plan, max_nesting = fastinline._state_plan(state)
    # At the nesting limit parseLinkLabel takes no step it has not cached.
    stop = _label_stop(plan) if state.level < max_nesting else None
    if stop is None:
        return stock_link(state, silent)
    maximum = state.posMax
    # The usual label, with no character to stop at before its `]`: _label_end's first step.
    found = stop.search(src, start + 1, maximum)
    if found is not None and src[found.start()] == "]" and not state.cache:
        labelEnd = found.start()
    else:
        labelEnd = _label_end(state, plan, stop, start)
        if labelEnd < 0:
            return stock_link(state, silent)
    labelStart = start + 1
    pos = labelEnd + 1
    label = None
    md = state.md
    if pos < maximum and src[pos] == "(":
        tail = _TAIL.match(src, pos, maximum)
        if tail is None:
            return stock_link(state, silent)
        href = tail.group(1)
        if "&" in href:  # unescapeAll: no backslash can be in it
            href = unescapeAll(href)
        href = md.normalizeLink(href)
        # markdown-it-py's validateLink refuses only some schemes: a path, a fragment or an
        # http(s) URL passes it.
        validate = md.validateLink
        if not ((href[0] in "/#" or href.startswith(("https://", "http://")))
                and getattr(validate, "__func__", None) is MarkdownIt.validateLink) and not validate(href):
            return stock_link(state, silent)
        title = tail.group(2)
        if title is None:
            title = tail.group(3)
        title = unescapeAll(title) if title else ""
        pos = tail.end()
    else:
        # Link reference
        if "references" not in state.env:
            return False
        references = state.env["references"]
        if pos < maximum and src[pos] == "[":
            end = _label_end(state, plan, stop, pos)
            if end < 0:
                end = md.helpers.parseLinkLabel(state, pos)
            if end >= 0:
                label = src[pos + 1:end]
                pos = end + 1
            else:
                pos = labelEnd + 1
        if not label:
            label = src[labelStart:labelEnd]
        label = normalizeReference(label)
        ref = references.get(label, None)
        if not ref:
            return False
        href = ref["href"]
        title = ref["title"]

    if not silent:
        state.pos = labelStart
        state.posMax = labelEnd
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": href}
        if title:
            token.attrSet("title", title)
        if label and md.options.get("store_labels", False):
            token.meta["label"] = label
        state.linkLevel += 1
        _link_text(state, plan, labelStart, labelEnd)
        state.linkLevel -= 1
        state.push("link_close", "a", -1)

    state.pos = pos
    state.posMax = maximum
    return True


def _link_text(state: StateInline, plan: fastinline._Plan, start: int, end: int) -> None:
    """`state.md.inline.tokenize(state)` over the link text (state.pos..posMax = start..end)."""
    tokenize = state.md.inline.tokenize
    if getattr(tokenize, "__func__", None) is not fastinline._tokenize:
        tokenize(state)
        return
    found = plan.active.search(state.src, start, end)  # type: ignore[union-attr]
    if found is not None:
        fastinline._tokenize(state.md.inline, state, found)
        return
    # Text alone: what the loop collects and flushes (push has just flushed any pending text).
    if end > start:
        state.tokens.append(fastinline._token("text", "", 0, state.src[start:end], state.level))
    state.pos = end


def use_fast_link(md: MarkdownIt) -> None:
    """Install the rule on this instance in place of markdown-it-py's (after `use_fast_inline`)."""
    if any(rule.name == "link" and rule.fn is stock_link for rule in md.inline.ruler.__rules__):
        md.inline.ruler.at("link", link)

