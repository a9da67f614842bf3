"""URL patterns, slugs and the mapping from a URL to a file that can never leave the output dir."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from sitegen.errors import SitegenError

_NON_WORD = re.compile(r"[^\w]+")


def slugify(text: str) -> str:
    """Lower-case words joined by '-', accents folded: "Héllo, World!" → "hello-world"."""
    if text.isascii():  # NFKD leaves ASCII as it is, and no ASCII character is a combining mark
        ascii_ish = text
    else:
        norm = unicodedata.normalize("NFKD", text)
        ascii_ish = "".join(c for c in norm if not unicodedata.combining(c))
    slug = _NON_WORD.sub("-", ascii_ish.lower()).strip("-_")
    return slug or "-"


_UNSAFE = re.compile(r'[<>:/|?*#\\"\x00-\x1f]')
_SPACES = re.compile(r"\s+")


def safe_slug(text: str) -> str:
    """The name as written, only what a path cannot hold changed (Zola's `safe`): "Rust-1.17" stays."""
    slug = _SPACES.sub("-", _UNSAFE.sub("", text.strip().rstrip(". ")))
    return slug if slug not in ("", ".", "..") else "-"


def make_slug(text: str, mode: str) -> str:
    """A slug by the site's `[content] slugs` setting."""
    if mode == "safe":
        return safe_slug(text)
    if mode == "lower":
        return safe_slug(text).lower()
    return slugify(text)


def _hugo_keeps(text: str, i: int, ch: str) -> bool:
    # Hugo's isAllowedPathCharacter, less the backslash (no output file may hold one).
    category = unicodedata.category(ch)
    if category[0] in "LM" or category == "Nd" or ch in "./_#+~-@":
        return True
    return ch == "%" and len(text) > i + 2 and all(c in "0123456789abcdefABCDEF" for c in text[i + 1:i + 3])


def hugo_path(text: str, lower: bool) -> str:
    """A path as Hugo makes it (`MakePathSanitized`, `urlize`): letters, digits, marks and `./_#+~-@`
    are kept (`%` before two hex digits), spaces between them become one `-`, anything else goes
    (a backslash too, which Hugo keeps);
    lower-cased unless the site sets `disablePathToLower`. "Vim (text editor)" → "vim-text-editor",
    "C++" → "c++", "Émile Zola" → "émile-zola"."""
    out: list[str] = []
    pending = hyphen = False
    for i, ch in enumerate(text):
        if ch != " " and _hugo_keeps(text, i, ch):
            hyphen = ch == "-"
            if pending and not hyphen:
                out.append("-")
            pending = False
            out.append(ch)
        elif out and not hyphen and ch.isspace():
            pending = True
    path = "".join(out)
    return path.lower() if lower else path


def href(path_url: str) -> str:
    """Percent-encode a URL path (spaces, `+`, non-ASCII) for use in an attribute."""
    return quote(path_url, safe="/:@!$&'()*,;=-._~")


def expand(pattern: str, values: dict[str, str]) -> str:
    """Fill a permalink pattern; an empty placeholder leaves no empty segment (`/{categories}/x/`)."""
    try:
        url = pattern.format_map(values)
        while "//" in url:
            url = url.replace("//", "/")
        return url
    except KeyError as exc:
        known = ", ".join("{" + k + "}" for k in sorted(values))
        message = f"permalink {pattern!r} uses unknown placeholder {{{exc.args[0]}}} (known: {known})"
        raise SitegenError(message) from None
    except (ValueError, IndexError) as exc:
        raise SitegenError(f"permalink {pattern!r} is malformed: {exc}") from None


def output_file(path_url: str) -> str:
    """'/blog/x/' → 'blog/x/index.html'; '/feed.xml' → 'feed.xml'.

    Raises ValueError for anything that could resolve outside the output directory, so no
    slug, tag or permalink can write elsewhere.
    """
    # path_url is the raw path (not percent-encoded): a tag "%41" is a folder named "%41",
    # so nothing is decoded here, and raw "." / ".." segments are what must be refused.
    if not path_url.startswith("/"):
        raise ValueError(f"URL {path_url!r} must start with '/'")
    if "\\" in path_url or "\x00" in path_url:
        raise ValueError(f"URL {path_url!r} contains a backslash or NUL")
    parts = path_url.strip("/").split("/") if path_url.strip("/") else []
    for part in parts:
        if part in ("", ".", ".."):
            raise ValueError(f"URL {path_url!r} has an empty, '.' or '..' segment")
    if path_url.endswith("/"):
        parts.append("index.html")
    return "/".join(parts)


def url_for_file(rel: str) -> str:
    """Inverse of output_file for link checking: 'a/index.html' → '/a/'."""
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel[: -len("index.html")]
    return "/" + rel
