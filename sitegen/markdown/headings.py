"""Heading ids: the schemes other tools use, and `## Title {#custom-id}`.

A site moving from another generator keeps its `#fragment` links only if headings get the
ids that generator gave them, so `[markdown] heading_ids` picks the scheme:

- `sitegen`: lower-case; letters, digits, `_`, `-` kept; each space a `-`; the rest dropped;
  `section` when nothing is left.
- `github`: github-slugger, as GitHub shows READMEs: lower-case; letters, marks, numbers,
  `_`, `-` kept; each space a `-`; the rest dropped.
- `hugo`: Hugo's goldmark `autoHeadingIDType = "github"` (markup/goldmark/autoid.go): letters,
  decimal digits and `_` lower-cased, each space, tab or `-` a `-`, the rest dropped;
  `heading` when nothing is left.
- `zola`: Zola's `slugify.anchors = "on"` (the `slug` crate): transliterated to ASCII, every run
  of other characters one `-`, none at either end: "What's next?" → `what-s-next`.

A repeated id gets `-1`, `-2`, … in all four, as each of those tools does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

HEADING_ID_SCHEMES = ("sitegen", "github", "hugo", "zola")

_SITEGEN_DROP_RE = re.compile(r"[^\w\- ]")
# `{#id}` or a Pandoc/kramdown attribute list holding one, at the end of a heading.
_ATTR = r"(?:[#.][^\s{}]+|[\w-]+=[^\s{}]*|-)"
_CUSTOM_ID_RE = re.compile(rf"\s*\{{\s*({_ATTR}(?:\s+{_ATTR})*)\s*\}}\s*$")
# Letters the slug crate's deunicode spells out and NFKD does not decompose.
_SPELLED = {"ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d",
            "ł": "l", "Ł": "l", "þ": "th", "Þ": "th", "ð": "d", "Ð": "d", "ı": "i"}


def _sitegen(text: str) -> str:
    return _SITEGEN_DROP_RE.sub("", text.lower()).replace(" ", "-") or "section"


def _github(text: str) -> str:
    kept = []
    for ch in text.lower():
        if ch == " ":
            kept.append("-")
        elif ch in "-_" or unicodedata.category(ch)[0] in "LMN":
            kept.append(ch)
    return "".join(kept)


def _hugo(text: str) -> str:
    kept = []
    for ch in text:
        if ch in " \t-":
            kept.append("-")
        elif ch == "_" or ch.isalpha() or unicodedata.category(ch) == "Nd":
            kept.append(ch.lower())
    return "".join(kept) or "heading"


def _ascii(ch: str) -> str:
    if ch in _SPELLED:
        return _SPELLED[ch]
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if c.isascii()) or "-"


# Characters the slug crate does not keep: each run of them is one `-`.
_ZOLA_SEPARATORS = re.compile("[^0-9A-Za-z]+")


def _zola(text: str) -> str:
    if not text.isascii():
        # Transliterated, every character is ASCII: letters and digits or separators.
        text = "".join([ch if ch.isascii() else _ascii(ch) for ch in text])
    return _ZOLA_SEPARATORS.sub("-", text).strip("-").lower()


SCHEMES: dict[str, Callable[[str], str]] = {"sitegen": _sitegen, "github": _github, "hugo": _hugo, "zola": _zola}


def custom_id(text: str) -> tuple[str, str] | None:
    """(text without the braces, id) for `Title {#id}` or `Title {#id .class}`; None otherwise."""
    if not text.endswith("}"):
        return None
    match = _CUSTOM_ID_RE.search(text)
    if match is None:
        return None
    ids = [word[1:] for word in match.group(1).split() if word.startswith("#")]
    if not ids:
        return None
    return text[: match.start()], ids[-1]
