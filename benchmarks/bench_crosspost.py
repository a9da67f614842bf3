"""What `sitegen crosspost` costs, against the fake Mastodon and Bluesky servers on loopback.

    python3 benchmarks/bench_crosspost.py [--posts 200] [--repeats 3]

A synthetic site of N posts (YAML and TOML front matter, accents and emoji in titles, tags).
Measures, in-process: a --dry-run over every post (texts, hashtags, facets); the first run,
which checks each page is live and posts each on both networks, journals and writes each link
back (per post); the second run, which has nothing to do (it must send no request); and the
front matter edit alone (insert_key) per file. A loopback server answers 200 for every page.
Prints medians.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes.social import BLUESKY_HANDLE, BLUESKY_PASSWORD, MASTODON_TOKEN, FakeBluesky, FakeMastodon

from sitegen.social.crosspost import crosspost
from sitegen.social.writeback import insert_key

ENV = {"MASTODON_TOKEN": MASTODON_TOKEN, "BLUESKY_APP_PASSWORD": BLUESKY_PASSWORD}


class Live(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_site(root: Path, posts: int, base_url: str, masto: str, bsky: str) -> None:
    blog = root / "content" / "blog"
    blog.mkdir(parents=True)
    (root / "sitegen.toml").write_text(
        f'title = "Bench"\nbase_url = "{base_url}"\n'
        f'[social.mastodon]\ninstance = "{masto}"\n'
        f'[social.bluesky]\nservice = "{bsky}"\nhandle = "{BLUESKY_HANDLE}"\n')
    for i in range(posts):
        day = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
        if i % 2:
            text = (f'+++\ntitle = "Café night {i} 🐺"\ntags = ["rust", "home lab"]\n\n[extra]\nn = {i}\n+++\n'
                    f"Body of post {i} with *some* words.\n")
        else:
            text = (f'---\n# post {i}\ntitle: "Ünïcode post {i} 👩‍💻"\ntags: [nix, self-hosting]\n---\n'
                    f"Body of post {i}.\n")
        (blog / f"{day}-post-{i}.md").write_text(text, encoding="utf-8")


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    live = ThreadingHTTPServer(("127.0.0.1", 0), Live)
    live.daemon_threads = True
    threading.Thread(target=live.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{live.server_address[1]}"
    dry, first, second, edits = [], [], [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp, FakeMastodon() as masto, FakeBluesky() as bsky:
            root = Path(tmp) / "site"
            make_site(root, args.posts, base, masto.base_url, bsky.base_url)
            state = Path(tmp) / "state"

            def run(root: Path = root, state: Path = state, **kw: object) -> int:
                return crosspost(root, environ=ENV, state_dir=state, out=io.StringIO(), err=io.StringIO(),
                                 max_posts=args.posts, **kw)  # type: ignore[arg-type]

            dry.append(timed(lambda: run(dry_run=True)))
            first.append(timed(run))
            assert len(masto.statuses) == args.posts and len(bsky.posts) == args.posts
            masto.clear_requests()
            bsky.clear_requests()
            second.append(timed(run))
            assert masto.requests == [] and bsky.requests == [], "a second run sent requests"
            files = [p.read_bytes() for p in sorted((root / "content" / "blog").iterdir())]
            start = time.perf_counter()
            for data in files:
                insert_key(data, "syndication", "https://example.org/x", "bench.md")
            edits.append((time.perf_counter() - start) / len(files))
    live.shutdown()
    n = args.posts
    print(f"{n} posts, median of {args.repeats}:")
    print(f"  dry run (texts, facets)          {statistics.median(dry) * 1000:8.1f} ms  "
          f"({statistics.median(dry) / n * 1000:.2f} ms/post)")
    print(f"  first run (live check, 2 posts, journal, write-back)"
          f" {statistics.median(first) * 1000:8.1f} ms  ({statistics.median(first) / n * 1000:.2f} ms/post)")
    print(f"  second run (nothing to do, 0 requests) {statistics.median(second) * 1000:8.1f} ms")
    print(f"  front matter edit (insert_key)   {statistics.median(edits) * 1e6:8.1f} µs/file")


if __name__ == "__main__":
    main()
