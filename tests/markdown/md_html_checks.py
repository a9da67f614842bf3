"""HTML checks shared by the Markdown tests: ids, nested <pre>, strict HTML5 parsing."""

from __future__ import annotations

import collections
from html.parser import HTMLParser

import html5lib


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.pre_depth = 0
        self.nested_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids.append(value)
        if tag == "pre":
            self.nested_pre = self.nested_pre or self.pre_depth > 0
            self.pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)


def ids_of(html: str) -> list[str]:
    scan = _Scan()
    scan.feed(html)
    scan.close()
    return scan.ids


def duplicate_ids(html: str) -> list[str]:
    return [i for i, n in collections.Counter(ids_of(html)).items() if n > 1]


def has_nested_pre(html: str) -> bool:
    scan = _Scan()
    scan.feed(html)
    scan.close()
    return scan.nested_pre


def html5_errors(html: str) -> list[str]:
    """Parse errors of `html` as a body fragment; strict mode stops at the first one."""
    parser = html5lib.HTMLParser(strict=True)
    try:
        parser.parseFragment(html)
    except html5lib.html5parser.ParseError as exc:
        return [str(exc)]
    return []
