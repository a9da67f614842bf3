#!/usr/bin/env python3
"""Make a benchmark site from the wolfgirl corpus: as is, or scaled up to N posts.

Scaled copies cycle through the corpus's blog and cybersec posts under new file names and
dates, so every post gets its own URL; text stays the corpus's own (benchmark data only,
written outside the repository).

    python3 benchmarks/make_corpus.py OUT_DIR [--posts 10000]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "wolfgirl"
CONFIG = REPO / "tests" / "ports" / "wolfgirl" / "sitegen.toml"
_PUBLISHED = re.compile(r"^published: *\d+ *$", re.MULTILINE)


def make(out: Path, posts: int | None) -> Path:
    """Write OUT/sitegen.toml and OUT/content; returns OUT."""
    if not CORPUS.is_dir():
        sys.exit(f"corpus not found at {CORPUS}")
    if out.exists():
        shutil.rmtree(out)
    content = out / "content"
    shutil.copytree(CORPUS / "content", content)
    shutil.copy(CONFIG, out / "sitegen.toml")
    for path in content.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    if posts:
        sources = sorted((CORPUS / "content" / "blog").glob("*.md")) + sorted(
            (CORPUS / "content" / "cybersec").glob("*.md")
        )
        base = 1_500_000_000
        for i in range(posts - len(sources)):
            src = sources[i % len(sources)]
            coll = src.parent.name
            year = 2000 + (i // 400) % 26
            day = 1 + i % 28
            month = 1 + (i // 28) % 12
            name = f"{year:04d}-{month:02d}-{day:02d}-gen-{i:05d}-{src.stem[:40]}.md"
            text = src.read_text("utf-8")
            text = _PUBLISHED.sub(f"published: {base + i * 3600}", text, count=1)
            (content / coll / name).write_text(text, "utf-8")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=0, help="scale to this many posts (0: the corpus as is)")
    args = parser.parse_args()
    make(args.out, args.posts or None)
    print(f"wrote {sum(1 for _ in (args.out / 'content').rglob('*.md'))} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
