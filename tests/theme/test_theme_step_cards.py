"""The default theme's step cards in a real Chromium: every state (verified, changed since it
last ran clean, never run) passes axe-core's WCAG AA checks in light and dark, and each state
is told apart by its words, not its colour alone.

axe-core comes from npm (.ci/run installs it and sets SITEGEN_AXE_JS); a missing copy is a
failure, not a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sitegen import verification
from sitegen.engine import Builder

REPO = Path(__file__).resolve().parents[2]
AXE_JS = Path(os.environ.get("SITEGEN_AXE_JS", REPO / ".ci/node/node_modules/axe-core/axe.min.js"))

BOOK = """\
---
title: Cards
published: 2026-11-30
---

Three steps, three states.

```sh {#fresh on=web}
echo fresh
```

```sh {#edited}
echo edited
```

```sh {#untried}
echo untried
```
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("cards")
    (site / "content" / "blog").mkdir(parents=True)
    (site / "sitegen.toml").write_text('title = "Cards"\nbase_url = "https://cards.example"\n')
    (site / "content" / "blog" / "cards.md").write_text(BOOK)
    builder = Builder(site, site / "public", cache_dir=site / ".cache")
    builder.build()
    record = builder.state["records"]["blog/cards.md"]
    hashes = dict(zip(record.steps, record.step_hashes, strict=True))

    def ran(name: str, step_hash: str, exit_code: int = 0) -> verification.Outcome:
        return verification.Outcome(step_hash, "web" if name == "fresh" else "local", "aarch64", exit_code,
                                    "2026-12-01T09:30:00Z", 1.0, "0.1.0")

    data: verification.Record = {
        "fresh": verification.StepRecord(clean=ran("fresh", hashes["fresh"])),
        "edited": verification.StepRecord(clean=ran("edited", "an-older-text"),
                                          failed=ran("edited", hashes["edited"], exit_code=2)),
    }
    (site / "content" / "blog" / "cards.verified.json").write_text(verification.dumps(data, "content/blog/cards.md"))
    builder.build()
    return site / "public" / "blog" / "cards" / "index.html"


@pytest.fixture(scope="module")
def served(page: Path) -> Iterator[str]:
    """The built site over HTTP on loopback, so /style.css resolves as it does when deployed."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    public = page.parents[2]
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(public)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/blog/cards/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_step_cards_pass_axe_in_both_schemes(served: str, browser: Any, scheme: str) -> None:
    """`browser` is the session's Chromium (tests/conftest.py)."""
    assert AXE_JS.is_file(), f"axe-core is missing at {AXE_JS}: run .ci/run (npm install axe-core)"
    context = browser.new_context(color_scheme=scheme, viewport={"width": 900, "height": 1200})
    tab = context.new_page()
    tab.goto(served)
    assert tab.evaluate("getComputedStyle(document.querySelector('.step-status')).borderRadius") != "0px"
    tab.add_script_tag(path=str(AXE_JS))
    result = tab.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]});
            return {violations: r.violations.map(v => [v.id, v.nodes.map(n => n.target.join(" "))]),
                    checked: r.passes.filter(p => p.id === "color-contrast")
                                     .flatMap(p => p.nodes.map(n => n.target.join(" ")))};
        }"""
    )
    assert result["violations"] == []
    # The contrast rule really looked at the cards and the header (not only the prose).
    checked = " ".join(result["checked"])
    assert ".step-status-verified" in checked and ".step-status-drift" in checked and ".step-status-never" in checked
    assert ".runbook-status" in checked
    # Words, not colour: each card's text says its state.
    cards = tab.eval_on_selector_all(".step-status", "els => els.map(e => e.textContent)")
    assert cards == [
        "verified 2026-12-01 on web (aarch64)",
        "changed since it last ran clean, 2026-12-01 on local (aarch64); last run failed 2026-12-01 (exit 2)",
        "never run",
    ]
    assert tab.text_content(".runbook-status") == "3 steps: 1 verified, 1 changed since it last ran clean, 1 never run"
    # Screenshots for a human look (kept out of the repository): SITEGEN_SCREENSHOTS=DIR.
    if shots := os.environ.get("SITEGEN_SCREENSHOTS"):
        tab.locator("article").screenshot(path=str(Path(shots) / f"step-cards-{scheme}.png"))
    context.close()
