"""Every HTML page parses as HTML5 without a single parse error (html5lib in strict mode).

Both the fixture site with its own templates (the engine's markup: bodies, footnotes, code) and
the same content under the default theme (what users get without overrides).
"""

from __future__ import annotations

from pathlib import Path

import html5lib
import pytest
from site_helpers import BASE_CONFIG, SiteDir, copy_fixture

FEATURES = """---
title: Every feature at once
published: 2024-06-01
tags: [demo]
runbook:
  hosts:
    web: {ssh: deploy@web.example, arch: x86_64}
---
Footnote used twice[^a] and again[^a], and one with a nested reference[^b].

[^a]: First note.
[^b]: Second note, citing the first[^a].

## Steps

```sh {name=build}
make all
```

```sh {name=upload on=web needs=build confirm timeout=5m}
rsync -a out/ /srv/www/
```

```python {#check}
print("ok")
```

## Steps

| left | centre | right |
|:-----|:------:|------:|
| a | b | c |

- [x] done
- [ ] todo

$$
\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}
$$

Inline $x^2$ math, ~~strike~~, <https://example.org/auto>, and an ![image](/img.png "title").

<details><summary>More</summary>

Hidden *Markdown*.

</details>

> A quote with `code`.
"""


def _parse_errors(path: Path) -> list[str]:
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(path.read_bytes(), transport_encoding="utf-8")
    return [f"line {pos[0]} col {pos[1]}: {code} {data}" for pos, code, data in parser.errors]


def _strict_parse(path: Path) -> None:
    html5lib.HTMLParser(strict=True).parse(path.read_bytes(), transport_encoding="utf-8")


@pytest.fixture(scope="module", params=["own templates", "default theme", "default theme, every feature"])
def out_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("html5")
    if request.param == "default theme, every feature":
        site = SiteDir(tmp).write({"sitegen.toml": BASE_CONFIG, "content/blog/features.md": FEATURES,
                                   "static/img.png": b"not really a png"})
    else:
        site = copy_fixture(tmp, own_templates=request.param == "own templates")
    site.build(drafts=True)  # drafts too: more pages, and the preview shows them
    return site.out


def test_every_page_is_valid_html5(out_dir):
    pages = sorted(out_dir.rglob("*.html"))
    assert len(pages) >= 8
    failures = {}
    for page in pages:
        try:
            _strict_parse(page)
        except html5lib.html5parser.ParseError:
            failures[page.relative_to(out_dir).as_posix()] = _parse_errors(page)
    assert not failures
