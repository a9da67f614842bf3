"""GFM's autolink extension — `www.`, `http(s)://`, `mailto:`/`xmpp:` and bare e-mail addresses.

Our own rules instead of mdit_py_plugins' `gfm_autolink`, for two reasons:

- Speed. At every `:`, `@` and `www.` that plugin copied the rest of the paragraph
  (`src[pos:posMax]`) and regex-searched all pending text, so a long paragraph took quadratic
  time (a 1 MB paragraph: 3–15 s, against 0.02 s without autolinks). These rules read only the
  characters a link can span, by index, and remember a failed scan so that no character is
  scanned twice for the same reason (`benchmarks/bench_markdown.py`).
- `_` in an address. The plugin read an address's local part back from pending text, which
  ends at the last `_` because emphasis has already taken it, so `first_last@example.com`
  linked only `last@example.com` (GFM spec example 633 failed). A rule at `_`, before emphasis,
  scans forward to the `@` instead.

Which text is a link follows the GFM spec and the cmark-gfm / Rust `gfm_autolinks` code that
the plugin was ported from (domain rules, trailing punctuation, balanced parentheses).
"""

from __future__ import annotations

import re
import unicodedata

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

# An autolink starts at the start of the text or after one of these.
_PREV_OK = frozenset(" \t\r\n*_~(")
_SPACE_RE = re.compile(r"[ \t\r\n\x00\x0b\x0c]")
# Trimmed from the end of a URL.
_TRAILING = frozenset("?!.,:*_~'\"[]")
_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_ASCII_NOT_HOST = frozenset(
    c for c in map(chr, range(128)) if c.isspace() or unicodedata.category(c).startswith("P")
)
_PROTOCOLS = ("https", "http", "mailto", "xmpp")
# Attribute of the inline state: below this position no `_` can start an address's tail.
_NO_EMAIL_BEFORE = "sitegen_no_email_before"


def autolink_plugin(md: MarkdownIt) -> None:
    """Register the rules; `www.` needs the text rule to stop at `w` (markdown-it-py ≥ 4.1)."""
    md.inline.add_terminator_char("w")
    md.inline.ruler.push("autolink_www", _www_rule)
    md.inline.ruler.push("autolink_protocol", _protocol_rule)
    md.inline.ruler.push("autolink_email", _email_rule)
    # Before emphasis, which would otherwise take the `_` of `first_last@example.com`.
    md.inline.ruler.before("emphasis", "autolink_email_underscore", _email_underscore_rule)


def _is_hostchar(ch: str) -> bool:
    if ch < "\x80":
        return ch not in _ASCII_NOT_HOST
    return not ch.isspace() and not unicodedata.category(ch).startswith("P")


def _domain_end(src: str, start: int, end: int, *, allow_short: bool) -> int | None:
    """End of a valid domain starting at `start` (GFM: no `_` in the last two labels)."""
    dots = under_last = under_this = 0
    i = start
    while i < end:
        ch = src[i]
        if ch == "_":
            under_this += 1
        elif ch == ".":
            under_last, under_this = under_this, 0
            dots += 1
        elif ch != "-" and not _is_hostchar(ch):
            if under_last == 0 and under_this == 0 and (allow_short or dots > 0):
                return i
            return None
        i += 1
    if i == start or ((under_last or under_this) and dots <= 10):
        return None
    return end if (allow_short or dots > 0) else None


def _trim_end(src: str, start: int, end: int) -> int:
    """Drop trailing punctuation, an entity-looking `&x;`, and unbalanced `)` from a URL."""
    lt = src.find("<", start, end)
    if lt != -1:
        end = lt
    opening = closing = -1
    while end > start:
        ch = src[end - 1]
        if ch in _TRAILING:
            end -= 1
        elif ch == ";":
            back = end - 2
            while back > start and src[back].isalpha():
                back -= 1
            end = back if back < end - 2 and src[back] == "&" else end - 1
        elif ch == ")":
            if opening < 0:
                opening = src.count("(", start, end)
                closing = src.count(")", start, end)
            if closing <= opening:
                break
            end -= 1
            closing -= 1
        else:
            break
    return end


def _url_end(src: str, start: int, domain_start: int, end: int, *, allow_short: bool) -> int | None:
    """End of the URL at `start` (its scheme or `www.`) whose domain begins at `domain_start`."""
    domain = _domain_end(src, domain_start, end, allow_short=allow_short)
    if domain is None:
        return None
    space = _SPACE_RE.search(src, domain, end)
    return _trim_end(src, start, space.start() if space else end)


def _email_domain_end(src: str, start: int, end: int, *, protocol: str = "") -> int | None:
    """End of the domain of an address whose `@` is just before `start`.

    After `mailto:`/`xmpp:` the address must end in a letter, as cmark-gfm has it.
    """
    xmpp = protocol == "xmpp"
    i = start
    dots = slashes = 0
    while i < end:
        ch = src[i]
        if ch in _ALNUM:
            pass
        elif ch == "@":
            if not xmpp:
                return None
        elif ch == "." and i + 1 < end and src[i + 1] in _ALNUM:
            dots += 1
        elif ch == "/" and xmpp and slashes == 0:
            slashes += 1
        elif ch not in "-_":
            break
        i += 1
    if i == start or dots == 0 or src[i - 1] not in _ALNUM or (protocol and not src[i - 1].isalpha()):
        return None
    return i


def _local_tail(state: StateInline) -> int:
    """How many characters at the end of pending text can be an address's local part."""
    pending = state.pending
    i = len(pending)
    while i > 0 and pending[i - 1] in _LOCAL:
        i -= 1
    return len(pending) - i


def _starts_ok(state: StateInline, start: int) -> bool:
    return start <= 0 or state.src[start - 1] in _PREV_OK


def _emit(state: StateInline, back: int, end: int, url: str) -> bool:
    """Link src[state.pos - back : end]; `back` characters come off the end of pending text."""
    full_url = state.md.normalizeLink(url)
    if not state.md.validateLink(full_url):
        return False
    start = state.pos - back
    if back:
        state.pending = state.pending[:-back]
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": full_url}
    token.markup = "autolink"
    token.info = "auto"
    token = state.push("text", "", 0)
    token.content = state.md.normalizeLinkText(state.src[start:end])
    token = state.push("link_close", "a", -1)
    token.markup = "autolink"
    token.info = "auto"
    state.pos = end
    return True


# Every rule answers False when `silent`: autolinks are recognised only when emitting tokens,
# so a link label being skipped is stepped over as plain text (mdit-py-plugins #160).


def _www_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if silent or state.linkLevel > 0 or src[pos] != "w" or not src.startswith("www.", pos):
        return False
    if pos + 4 > state.posMax or not _starts_ok(state, pos):
        return False
    end = _url_end(src, pos, pos + 4, state.posMax, allow_short=False)
    if end is None:
        return False
    return _emit(state, 0, end, "http://" + src[pos:end])


def _protocol_rule(state: StateInline, silent: bool) -> bool:
    src, pos, limit = state.src, state.pos, state.posMax
    if silent or state.linkLevel > 0 or src[pos] != ":" or pos + 4 > limit:
        return False
    pending = state.pending
    proto = next((p for p in _PROTOCOLS if pending.endswith(p)), None)
    if proto is None or not _starts_ok(state, pos - len(proto)):
        return False
    start = pos - len(proto)
    if proto.startswith("http"):
        if not src.startswith("://", pos):
            return False
        end = _url_end(src, start, pos + 3, limit, allow_short=True)
        if end is None:
            return False
        return _emit(state, len(proto), end, src[start:end])
    local = pos + 1
    at = local
    while at < limit and src[at] in _LOCAL:
        at += 1
    if at == local or at >= limit or src[at] != "@":
        return False
    end = _email_domain_end(src, at + 1, limit, protocol=proto)
    if end is None:
        return False
    return _emit(state, len(proto), end, src[start:end])


def _email_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if silent or state.linkLevel > 0 or src[pos] != "@" or pos + 1 >= state.posMax:
        return False
    end = _email_domain_end(src, pos + 1, state.posMax)
    if end is None:
        return False
    back = _local_tail(state)
    if back == 0 or not _starts_ok(state, pos - back):
        return False
    return _emit(state, back, end, "mailto:" + src[pos - back : end])


def _email_underscore_rule(state: StateInline, silent: bool) -> bool:
    """`first_last@example.com`: at a `_` inside a local part, scan on to the `@` and domain."""
    src, pos, limit = state.src, state.pos, state.posMax
    if silent or state.linkLevel > 0 or src[pos] != "_" or pos < getattr(state, _NO_EMAIL_BEFORE, -1):
        return False
    at = pos
    while at < limit and src[at] in _LOCAL:
        at += 1
    end = None
    # A local part ending in `_` is left alone: in `_word_@…` the `_` are emphasis.
    if at < limit and src[at] == "@" and src[at - 1] != "_":
        end = _email_domain_end(src, at + 1, limit)
    if end is None:
        # Every `_` up to `at` would scan to the same place and fail the same way.
        setattr(state, _NO_EMAIL_BEFORE, at)
        return False
    back = _local_tail(state)
    # `_word_` with nothing before the `_` is emphasis, not an address.
    if back == 0 or not _starts_ok(state, pos - back):
        return False
    return _emit(state, back, end, "mailto:" + src[pos - back : end])
