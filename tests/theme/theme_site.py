"""A small blog built with the default theme, and helpers to read its HTML (shared by the theme tests)."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib

from sitegen.engine import Builder, Report

THEME = Path(__file__).resolve().parents[2] / "themes" / "default"
STYLE_CSS = THEME / "static" / "style.css"
BASE_URL = "https://blog.example.org"

CONFIG = f"""\
title = "Field Notes"
base_url = "{BASE_URL}"
author = "Ada Example"
description = "Notes from the workbench."
language = "en-GB"
timezone = "Europe/Amsterdam"

[collections.blog]
title = "Blog"
paginate = 2
archives = true

[taxonomies.tags]
title = "Tags"
"""

LONG_POST = """\
---
title: Hello, world
description: The first post, with every kind of block the theme styles.
tags: [intro, python]
mastodon: https://social.example/@ada/111
bluesky: at://did:plc:abc123/app.bsky.feed.post/3kxyz
---

Opening paragraph with `inline code` and a note.[^first]

## Tables

| Tool | Seconds |
|:-----|--------:|
| build | 0.4 |

## Code

```python
def greet(name: str) -> str:
    return f"hello {name}"
```

> A quote worth keeping.

## Details

<details>
<summary>More</summary>

Hidden until opened.

</details>

---

![A diagram](/diagram.svg)

[^first]: The footnote text.
"""

RUNBOOK_POST = """\
---
title: Deploying the thing
tags: [ops, python]
updated: 2024-02-12
---

Run this first:

```sh {#hello on=web1}
echo hello
```

The sum is $$\\sum_{k=1}^{n} k$$ and that is all.
"""

LINK_POST = """\
---
title: A good read
link: https://www.example.com/articles/good-read
tags: [links]
---

Worth your time.
"""

DRAFT_POST = """\
---
title: Not ready yet
draft: true
tags: [intro]
---

Work in progress.
"""

ABOUT_PAGE = """\
---
title: About
---

Who writes this.
"""

DIAGRAM_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>\n'

FILES = {
    "sitegen.toml": CONFIG,
    "content/blog/2024-01-05-hello.md": LONG_POST,
    "content/blog/2024-02-10-runbook.md": RUNBOOK_POST,
    "content/blog/2024-03-01-good-read.md": LINK_POST,
    "content/blog/2024-04-01-not-ready.md": DRAFT_POST,
    "content/pages/about.md": ABOUT_PAGE,
    "static/diagram.svg": DIAGRAM_SVG,
}


@dataclass
class Built:
    root: Path
    out: Path
    builder: Builder
    report: Report

    def html_files(self) -> list[Path]:
        return sorted(self.out.rglob("*.html"))

    def page(self, url: str) -> Element:
        """The parsed document served at a URL path such as /blog/ or /404.html."""
        rel = url.strip("/")
        path = self.out / rel if rel.endswith(".html") else self.out / rel / "index.html"
        return parse(path.read_text(encoding="utf-8"))

    def rebuild(self) -> Report:
        self.report = self.builder.build()
        return self.report


def build_site(tmp: Path, *, drafts: bool) -> Built:
    root = tmp / "site"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    builder = Builder(root, tmp / "out", drafts=drafts, cache_dir=tmp / "cache", environ={}, jobs=1)
    return Built(root, tmp / "out", builder, builder.build())


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a file and move its mtime, so the engine's (mtime, size) check sees it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def parse(text: str) -> Element:
    """Parse strictly: any HTML5 parse error raises html5lib's ParseError."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(text)


def classes(el: Element) -> set[str]:
    return set(el.get("class", "").split())


def find_all(root: Element, tag: str, cls: str | None = None) -> list[Element]:
    return [el for el in root.iter(tag) if cls is None or cls in classes(el)]


def text_of(el: Element) -> str:
    return " ".join("".join(el.itertext()).split())
