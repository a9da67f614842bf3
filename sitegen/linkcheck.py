"""Find internal links in a built site that lead nowhere: missing pages and same-page #fragments.

Reads only the output directory (no site model), so it checks what a visitor would get. A link
is internal when it starts with `/` (not `//`) or with the site's own base URL; relative links
(`x.png`, `www.example.com` written without a scheme) are left alone, as are URLs under the
config's `[check] external_pages` prefixes, which something other than this site serves.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

_LINK_ATTRS = frozenset({"href", "src"})


@dataclass(frozen=True)
class Broken:
    """One link that leads nowhere."""

    source_file: str
    """The HTML file holding the link, relative to the output directory ('blog/x/index.html')."""
    line: int
    """1-based line of the tag in that file."""
    url: str
    """The link as written in the attribute (entities decoded)."""
    reason: str = "no such page"
    """Why it is broken: no file at that path, or no element with that id."""


class _Collector(HTMLParser):
    """Gathers (line, url) for every href/src and the set of ids of one document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in _LINK_ATTRS:
                self.links.append((self.getpos()[0], value.strip()))
            elif name == "id" or (name == "name" and tag == "a"):
                # <a name> is the old way to make a fragment target and browsers still honour it.
                self.ids.add(value)

    handle_startendtag = handle_starttag


def _internal_base_prefixes(base_url: str) -> tuple[str, ...]:
    """The base URL under both schemes: a post linking http://host/… still means this site."""
    base = base_url.rstrip("/")
    if not base:
        return ()
    parts = urlsplit(base)
    if not parts.netloc:
        return (base,)
    rest = base.split("://", 1)[1]
    return (f"https://{rest}", f"http://{rest}")


def _site_path(url: str, base_prefixes: Sequence[str]) -> str | None:
    """The path part (still encoded, with query and fragment) of an internal URL, else None."""
    if url.startswith("/") and not url.startswith("//"):
        return url
    for base in base_prefixes:
        if url.startswith(base):
            rest = url[len(base):]
            if rest == "":
                return "/"
            if rest[0] in "/?#":
                return rest if rest[0] == "/" else "/" + rest
    return None


def _is_external_page(path: str, prefixes: Sequence[str]) -> bool:
    return any(path.startswith(prefix) or path == prefix.rstrip("/") for prefix in prefixes)


class _Files:
    """Answers "does this URL path name a file in the output?" with the lookups cached."""

    def __init__(self, out_dir: Path) -> None:
        self.root = os.path.realpath(out_dir)
        self._known: dict[str, str | None] = {}

    def resolve(self, path: str) -> str | None:
        """The output file (relative) that serves `path` (decoded), or None."""
        if path in self._known:
            return self._known[path]
        found = None
        norm = posixpath.normpath(path)
        # normpath('/..') is '/', so a path that climbed out is spotted on the raw segments.
        escapes = ".." in path.split("/")
        if not escapes and "\x00" not in path:
            rel = norm.lstrip("/")
            if norm == "/":
                candidates = ["index.html"]
            elif path.endswith("/"):
                candidates = [f"{rel}/index.html"]
            else:
                candidates = [rel, f"{rel}/index.html", f"{rel}.html"]
            for cand in candidates:
                if os.path.isfile(os.path.join(self.root, cand)):
                    found = cand
                    break
        self._known[path] = found
        return found


def html_files(out_dir: Path) -> Iterator[str]:
    """Every .html file below out_dir, relative, in a stable order."""
    root = Path(out_dir)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".html"):
                yield Path(dirpath, name).relative_to(root).as_posix()


def check_links(
    out_dir: Path,
    base_url: str = "",
    external_pages: Iterable[str] = (),
) -> list[Broken]:
    """Every internal link in out_dir's HTML that has no target, in file then line order."""
    out_dir = Path(out_dir)
    files = _Files(out_dir)
    bases = _internal_base_prefixes(base_url)
    external = tuple(external_pages)
    broken: list[Broken] = []
    for rel in html_files(out_dir):
        collector = _Collector()
        try:
            collector.feed((out_dir / rel).read_text("utf-8", errors="replace"))
            collector.close()
        except AssertionError:  # pragma: no cover - html.parser's last resort on broken declarations
            pass  # the links read before that point are still worth checking
        for line, url in collector.links:
            reason = _check_one(url, rel, collector.ids, files, bases, external)
            if reason is not None:
                broken.append(Broken(rel, line, url, reason))
    return broken


def _check_one(
    url: str,
    rel: str,
    ids: set[str],
    files: _Files,
    bases: Sequence[str],
    external: Sequence[str],
) -> str | None:
    if url.startswith("#"):
        return _check_fragment(url[1:], ids)
    site_path = _site_path(url, bases)
    if site_path is None:
        return None
    parts = urlsplit(site_path)
    path = unquote(parts.path) or "/"
    if _is_external_page(path, external):
        return None
    target = files.resolve(path)
    if target is None:
        return "no such page"
    if parts.fragment and target == rel:
        return _check_fragment(parts.fragment, ids)
    return None


def _check_fragment(fragment: str, ids: set[str]) -> str | None:
    # '#' and '#top' scroll to the top of any page (HTML's "indicated part of the document").
    if fragment in ("", "top") or fragment in ids or unquote(fragment) in ids:
        return None
    return f"no element with id {unquote(fragment)!r} on this page"
