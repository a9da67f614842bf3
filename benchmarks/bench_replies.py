#!/usr/bin/env python3
"""Replies benchmark: what the replies section costs a reader, in headless Chromium.

Prints the size of the theme's replies.js (as served and gzipped), then, for threads of growing
size seeded into the fake Mastodon and Bluesky servers (tests/fakes, loopback), the time from
the click event on Show replies to the thread being in the page (three requests, parsing,
sanitising, rendering; p50 and max of --rounds), the p50 of the part until the last answer
arrived, and the DOM nodes it added. Half of each thread's replies are on each network, each a reply to the one
before in runs of five, so the thread nests.

    python3 benchmarks/bench_replies.py
    python3 benchmarks/bench_replies.py --sizes 10 100 500 --rounds 7
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "social"))
from fakes.social import FakeBluesky, FakeMastodon  # noqa: E402
from replies_site import Conversation, build_site, serve  # noqa: E402

SCRIPT = REPO / "themes" / "default" / "static" / "replies.js"
CHROMIUM = os.environ.get("SITEGEN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def seed(masto: FakeMastodon, bsky: FakeBluesky, size: int) -> Conversation:
    root = masto.seed_status("<p>bench</p>")
    post = bsky.seed_post("bench")
    parent_m, parent_b = root["id"], post
    for i in range(size // 2):
        if i % 5 == 0:
            parent_m, parent_b = root["id"], post
        minute = f"2026-11-20T{10 + i // 60 % 10:02d}:{i % 60:02d}:00.000Z"
        status = masto.seed_reply(parent_m, f"<p>Reply {i} with a <a href='https://example.org/{i}'>link</a></p>",
                                  username=f"m{i}", created_at=minute, favourites_count=i % 7)
        parent_m = status["id"]
        text = f"Reply {i} on Bluesky, with a link https://example.net/{i}"
        start = text.index("https://")
        parent_b = bsky.seed_reply(parent_b, text, handle=f"b{i}.bsky.social", like_count=i % 5, facets=[
            {"index": {"byteStart": start, "byteEnd": len(text)},
             "features": [{"$type": "app.bsky.richtext.facet#link", "uri": text[start:]}]}])
    return Conversation(mastodon_url=root["url"], bluesky_uri=post)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    raw = SCRIPT.read_bytes()
    print(f"replies.js: {len(raw):,} bytes, {len(gzip.compress(raw, 9)):,} gzipped")
    with tempfile.TemporaryDirectory() as tmp, FakeMastodon() as masto, FakeBluesky() as bsky, \
            sync_playwright() as pw:
        convs = {f"t{size}": seed(masto, bsky, size) for size in args.sizes}
        public = build_site(Path(tmp), convs, bsky.base_url)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        with serve(public) as url:
            print(f"{'replies':>8} {'p50 ms':>8} {'max ms':>8} {'of which fetching':>18} {'DOM nodes':>10}")
            for size in args.sizes:
                times, fetching, nodes = [], [], 0
                for _ in range(args.rounds):
                    page = browser.new_page()
                    page.goto(f"{url}/blog/t{size}/")
                    before = page.evaluate("document.getElementsByTagName('*').length")
                    # From the click event (not Playwright's click call) to the count in the status line.
                    page.evaluate("""() => { document.querySelector('.replies-load').addEventListener('click',
                            () => { window.__t0 = performance.now(); }, {capture: true});
                        new MutationObserver(() => { if (document.querySelector('.replies-status').textContent
                            .match(/\\d+ repl/)) window.__t1 = window.__t1 || performance.now(); })
                          .observe(document.querySelector('.replies-status'), {childList: true, subtree: true,
                                   characterData: true}); }""")
                    page.click(".replies-load")
                    page.wait_for_function("() => window.__t1")
                    times.append(page.evaluate("window.__t1 - window.__t0"))
                    fetching.append(page.evaluate("""() => Math.max(...performance.getEntriesByType('resource')
                        .filter(e => /api|xrpc/.test(e.name)).map(e => e.responseEnd)) - window.__t0"""))
                    nodes = page.evaluate("document.getElementsByTagName('*').length") - before
                    page.close()
                print(f"{size:>8} {statistics.median(times):>8.1f} {max(times):>8.1f} "
                      f"{statistics.median(fetching):>18.1f} {nodes:>10}")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
