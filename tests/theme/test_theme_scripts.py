"""The default theme's two scripts in a real Chromium: the copy button on code blocks and the
light/dark toggle. Both are progressive: without JavaScript neither button shows and the page
still follows the system's colour scheme."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_theme_browser import _serve
from theme_site import build_site

CODE_POST = """\
---
title: Code to copy
---

A block with line numbers:

```python {linenos=true}
def greet(name: str) -> str:
    return f"hello {name}"

print(greet("you"))
```

A console session:

```console
$ ls /srv
backup  www
$ echo done
done
```

A runbook step:

```sh {#deploy on=web1}
rsync -a public/ web1:/srv/www/
systemctl reload nginx
```
"""

LIGHT_BG = "rgb(253, 252, 249)"  # --bg, light
DARK_BG = "rgb(22, 23, 28)"  # --bg, dark
DARK_CODE_BG = "rgb(29, 31, 39)"  # the sitegen-dark highlight background


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("theme-scripts")
    built = build_site(tmp, drafts=False)
    (built.root / "content/blog/2024-05-01-code.md").write_text(textwrap.dedent(CODE_POST), "utf-8")
    built.rebuild()
    server, url = _serve(built.out)
    yield url
    server.shutdown()
    server.server_close()


def _background(tab: Any, selector: str = "body") -> str:
    return tab.evaluate(f"getComputedStyle(document.querySelector({selector!r})).backgroundColor")


def test_copy_button_copies_the_code_as_typed(browser: Any, site: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    tab.goto(site + "/blog/code/")
    assert tab.locator("pre > code").count() == 3
    buttons = tab.locator(".copy-button")
    copied = []
    for i in range(3):
        # A block gets its button as it nears the viewport.
        tab.locator("pre").nth(i).scroll_into_view_if_needed()
        buttons.nth(i).click()
        copied.append(tab.evaluate("navigator.clipboard.readText()"))
        assert buttons.nth(i).text_content() == "Copied"
    assert buttons.count() == 3
    assert copied == [
        # No line numbers (they are drawn by CSS), the blank line kept.
        'def greet(name: str) -> str:\n    return f"hello {name}"\n\nprint(greet("you"))\n',
        # The commands only: no prompts, no output.
        "ls /srv\necho done\n",
        # A runbook step: the code, not its caption (name, host).
        "rsync -a public/ web1:/srv/www/\nsystemctl reload nginx\n",
    ]
    # The result is announced to screen readers too.
    assert tab.locator("[role=status]").text_content() == "Copied"
    # A target of at least 24 x 24 CSS pixels (WCAG 2.5.8), reachable with Tab, with a visible focus ring.
    box = buttons.first.bounding_box()
    assert box and box["width"] >= 24 and box["height"] >= 24
    buttons.first.focus()
    tab.keyboard.press("Shift+Tab")
    tab.keyboard.press("Tab")
    outline = tab.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert tab.evaluate("document.activeElement.className") == "copy-button" and outline == "solid"
    context.close()


def test_without_javascript_there_is_no_button_and_the_system_scheme_still_applies(browser: Any, site: str) -> None:
    context = browser.new_context(java_script_enabled=False, color_scheme="dark")
    tab = context.new_page()
    tab.goto(site + "/blog/code/")
    assert tab.locator(".copy-button").count() == 0
    assert not tab.locator(".theme-toggle").is_visible()
    assert _background(tab) == DARK_BG
    assert _background(tab, "pre.highlight") == DARK_CODE_BG
    context.close()


def test_scripts_load_only_where_needed(site: str, tmp_path: Path) -> None:
    from urllib.request import urlopen

    with_code = urlopen(site + "/blog/code/").read().decode()
    without = urlopen(site + "/about/").read().decode()
    assert "/copy-code.js" in with_code and "/copy-code.js" not in without
    assert ".highlight :is(" in with_code and ".highlight" not in without
    assert "highlight.css" not in with_code  # inlined, not a second render-blocking request


def test_toggle_overrides_the_system_and_persists(browser: Any, site: str) -> None:
    context = browser.new_context(color_scheme="light")
    tab = context.new_page()
    tab.goto(site + "/blog/code/")
    toggle = tab.locator(".theme-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
    assert _background(tab) == LIGHT_BG
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert _background(tab) == DARK_BG
    # The code colours follow the toggle, not only the media query.
    assert _background(tab, "pre.highlight") == DARK_CODE_BG
    tab.reload()
    assert _background(tab) == DARK_BG and toggle.get_attribute("aria-pressed") == "true"
    tab.goto(site + "/about/")
    assert _background(tab) == DARK_BG
    # Back to the system's own scheme: nothing is kept, the page follows the system again.
    tab.locator(".theme-toggle").click()
    assert _background(tab) == LIGHT_BG
    assert tab.evaluate("localStorage.getItem('sitegen-theme')") is None
    assert tab.evaluate("document.documentElement.dataset.theme") is None
    context.close()


def test_a_light_choice_wins_over_a_dark_system(browser: Any, site: str) -> None:
    context = browser.new_context(color_scheme="dark")
    tab = context.new_page()
    tab.goto(site + "/blog/code/")
    assert _background(tab) == DARK_BG and _background(tab, "pre.highlight") == DARK_CODE_BG
    tab.locator(".theme-toggle").click()
    assert _background(tab) == LIGHT_BG
    assert _background(tab, "pre.highlight") == "rgb(245, 243, 238)"
    tab.reload()
    assert _background(tab) == LIGHT_BG
    context.close()


# Runs before any of the page's scripts: records the scheme the moment <body> is parsed, i.e.
# what the first paint would use.
FIRST_PAINT = """
new MutationObserver((records, observer) => {
    if (!document.body) return;
    observer.disconnect();
    window.firstPaint = {
        theme: document.documentElement.dataset.theme || null,
        dark: matchMedia("(prefers-color-scheme: dark)").matches,
    };
}).observe(document, {childList: true, subtree: true});
"""


@pytest.mark.parametrize(("system", "stored", "expected"), [
    ("dark", None, DARK_BG),
    ("light", "dark", DARK_BG),
    ("dark", "light", LIGHT_BG),
])
def test_no_flash_of_the_wrong_scheme(browser: Any, site: str, system: str, stored: str | None, expected: str) -> None:
    context = browser.new_context(color_scheme=system)
    tab = context.new_page()
    tab.goto(site + "/about/")
    if stored:
        tab.evaluate(f"localStorage.setItem('sitegen-theme', {stored!r})")
    tab.add_init_script(FIRST_PAINT)
    tab.goto(site + "/tags/")
    first = tab.evaluate("window.firstPaint")
    # The reader's choice is on <html> before <body> exists, so before anything is painted.
    assert first == {"theme": stored, "dark": system == "dark"}
    assert _background(tab) == expected
    context.close()
