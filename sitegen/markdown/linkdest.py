"""Link destinations: markdown-it-py's results for them, sooner for the common shapes.

markdown-it-py reads a link's destination one character at a time and normalises every URL by
parsing it into parts (mdurl), punycoding the host and percent-encoding the result. For the
URLs that fill blog posts (`https://host.example/path?q=1#x`, `../other.md`, `/img/a.png`),
each of those steps gives back the text as written. These functions recognise such text and
return it at once; anything else (`%`, non-ASCII, `<…>`, parentheses, a backslash, another
scheme, a user or port in the host) goes to markdown-it-py's own code. `tests/markdown/
test_linkdest.py` compares both on generated URLs and destinations.
"""

from __future__ import annotations

import re
import types
from typing import Any

from markdown_it import MarkdownIt, helpers
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.common.utils import unescapeAll
from markdown_it.helpers.parse_link_destination import _Result, parseLinkDestination

# Where a destination without `<…>` may end (space, control characters, the link's closing
# `)`) or needs the full reading (a backslash escape, a `(` whose `)` must balance).
_DEST_STOP = re.compile(r"[\x00-\x20\x7f\\()]")

# Characters that mdurl.encode keeps as they are (its default exclusions, letters and digits),
# without `%`, whose escapes it checks.
_KEPT = r"A-Za-z0-9;/?:@&=+$,\-_.!~*'()#"
# A path, query or fragment with no scheme: no `scheme:` at the start, no `//` host.
_RELATIVE = re.compile(rf"(?![A-Za-z0-9.+-]+:)(?!//)[{_KEPT}]*")
# http(s) with a plain host (labels of letters, digits and `-`) and an optional path.
_WEB = re.compile(rf"https?://([A-Za-z0-9-]{{1,63}}(?:\.[A-Za-z0-9-]{{1,63}})*)(?:/[{_KEPT}]*)?")


def parse_link_destination(string: str, pos: int, maximum: int) -> _Result:
    """markdown-it-py's parseLinkDestination, by one regex search for the usual destinations."""
    if pos < maximum and string[pos] != "<":
        found = _DEST_STOP.search(string, pos, maximum)
        stop = maximum if found is None else found.start()
        # A `)` before any `(` closes the link, as a space would end the destination.
        if found is None or string[stop] not in "\\(":
            result = _Result()
            if stop > pos:
                result.str = unescapeAll(string[pos:stop])
                result.pos = stop
                result.ok = True
            return result
    return parseLinkDestination(string, pos, maximum)


def normalize_link(url: str) -> str:
    """markdown-it-py's normalizeLink: the URL itself when normalising cannot change it."""
    if _RELATIVE.fullmatch(url):
        return url
    web = _WEB.fullmatch(url)
    if web is not None and len(web.group(1)) <= 255:
        return url
    return normalizeLink(url)


def use_fast_links(md: MarkdownIt) -> None:
    """Install both on this instance (markdown-it-py looks them up on `md` for every link)."""
    ns: dict[str, Any] = {name: getattr(helpers, name) for name in helpers.__all__}
    ns["parseLinkDestination"] = parse_link_destination
    md.helpers = types.SimpleNamespace(**ns)  # type: ignore[assignment]
    md.normalizeLink = normalize_link  # type: ignore[method-assign]
