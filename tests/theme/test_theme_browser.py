"""The default theme in a real Chromium, on every page type of the example site (and of the
wolfgirl port when its corpus is present): axe-core's WCAG 2.2 AA rules in light and dark (the
system's, and dark chosen with the theme's toggle), on a desktop and a 390 px phone; no sideways
scrolling at 320 and 390 px; images reserve their space.

Every page is also screenshot (light/dark, desktop/mobile) into `<pytest tmp>/screenshots/`,
for a person to look at. axe-core comes from npm (.ci/run installs it); a missing copy fails.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sitegen.engine import Builder

REPO = Path(__file__).resolve().parents[2]
AXE_JS = Path(os.environ.get("SITEGEN_AXE_JS", REPO / ".ci/node/node_modules/axe-core/axe.min.js"))
CORPUS = REPO.parent / "shared" / "corpora" / "wolfgirl"
PORT_CONFIG = REPO / "tests" / "ports" / "wolfgirl" / "sitegen.toml"

# One URL per page type of the example site.
EXAMPLE_PAGES = {
    "home": "/",
    "post": "/blog/markdown-features/",
    "runbook": "/blog/runbooks/",
    "list": "/blog/",
    "archives": "/blog/archives/",
    "archive-year": "/blog/archives/2026/",
    "terms": "/tags/",
    "term": "/tags/markdown/",
    "page": "/about/",
    "infra": "/infra/deploy/",
    "404": "/404.html",
}
WOLFGIRL_PAGES = {
    "home": "/",
    "home-page-2": "/page/2/",
    "post": "/blog/2024-02-01-up-and-to-the-right/",
    "blog-list": "/blog/",
    "about": "/about/",
    "friends": "/friends/",
    "cybersec": "/cybersec/",
    "tags": "/tags/",
}
# The system's light and dark, and dark chosen with the theme's toggle on a light system.
SCHEMES = ("light", "dark", "toggled-dark")
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 390, "height": 844}}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def _serve(public: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(public)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("example-browser")
    Builder(REPO, tmp / "public", cache_dir=tmp / "cache").build()
    server, url = _serve(tmp / "public")
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def wolfgirl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (CORPUS / "content" / "blog").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the wolfgirl corpus is missing at {CORPUS}; CI must have it")
        pytest.skip(f"the wolfgirl corpus is not at {CORPUS}")
    tmp = tmp_path_factory.mktemp("wolfgirl-browser")
    (tmp / "site").mkdir()
    config = PORT_CONFIG.read_text("utf-8") + f'\n[build]\nallow_outside = ["{CORPUS / "content"}"]\n'
    (tmp / "site" / "sitegen.toml").write_text(config, "utf-8")
    (tmp / "site" / "content").symlink_to(CORPUS / "content", target_is_directory=True)
    Builder(tmp / "site", tmp / "public", cache_dir=tmp / "cache").build()
    server, url = _serve(tmp / "public")
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


AXE_RUN = """async () => {
    const r = await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]});
    return r.violations.map(v => [v.id, v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary)]);
}"""


def _check_pages(browser: Any, base: str, pages: dict[str, str], site: str, shots: Path, scheme: str) -> None:
    assert AXE_JS.is_file(), f"axe-core is missing at {AXE_JS}: run .ci/run (npm install axe-core)"
    failures = {}
    for view, size in VIEWPORTS.items():
        toggled = scheme.startswith("toggled-")
        context = browser.new_context(color_scheme="light" if toggled else scheme, viewport=size)
        tab = context.new_page()
        for i, (kind, path) in enumerate(pages.items()):
            response = tab.goto(base + path)
            # A wrong URL here would let axe pass on the test server's bare error page.
            assert response and response.status == 200, path
            if toggled and i == 0:
                tab.locator(".theme-toggle").click()  # once: the choice holds on every later page
            if toggled:
                assert tab.evaluate("document.documentElement.dataset.theme") == "dark", path
            tab.screenshot(path=str(shots / f"{site}-{kind}-{scheme}-{view}.png"), full_page=True)
            tab.add_script_tag(path=str(AXE_JS))
            violations = tab.evaluate(AXE_RUN)
            if violations:
                failures[f"{kind} {path} ({view})"] = violations
        context.close()
    assert failures == {}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_example_site_passes_axe(browser: Any, example: str, shots: Path, scheme: str) -> None:
    _check_pages(browser, example, EXAMPLE_PAGES, "example", shots, scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_wolfgirl_port_passes_axe(browser: Any, wolfgirl: str, shots: Path, scheme: str) -> None:
    _check_pages(browser, wolfgirl, WOLFGIRL_PAGES, "wolfgirl", shots, scheme)


@pytest.mark.parametrize("width", [320, 390])
def test_no_page_scrolls_sideways_on_a_phone(browser: Any, example: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    tab = context.new_page()
    wide = {}
    for kind, path in EXAMPLE_PAGES.items():
        tab.goto(example + path)
        scroll = tab.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide[kind] = scroll
    context.close()
    assert wide == {}


def test_inline_code_and_the_menu_do_not_break_on_a_phone(browser: Any, example: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800})
    tab = context.new_page()
    tab.goto(example + "/blog/markdown-features/")
    # A short option in inline code (`-m`, `--yes`) is one line box: never `-` / `m`.
    split = tab.evaluate("""() => [...document.querySelectorAll('.prose code .nobr')]
        .map(c => [c.textContent, c.getClientRects().length])""")
    assert split and all(n == 1 for _, n in split), split
    # The nav's links each sit on one line (no lone word wrapped mid-link).
    broken = tab.evaluate("""() => [...document.querySelectorAll('.site-nav a, .pagination a, .pagination .edge')]
        .filter(a => a.getClientRects().length > 1).map(a => a.textContent)""")
    assert broken == []
    context.close()
