"""Every post of the wolfgirl corpus renders, with no nested <pre> and no duplicate ids.

The corpus lives outside the repository (its text must not be copied in); the test is
skipped where it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from md_html_checks import duplicate_ids, has_nested_pre

from sitegen.markdown import Renderer

CORPUS = Path(__file__).resolve().parents[2].parent / "shared/corpora/wolfgirl"
POSTS = sorted((CORPUS / "content").rglob("*.md")) if CORPUS.is_dir() else []


def split_front_matter(text: str) -> tuple[str, int]:
    """The body after a leading `---` … `---` block, and how many lines came before it."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return text, 0
    for n, line in enumerate(lines[1:], start=1):
        if line.rstrip() == "---":
            return "".join(lines[n + 1 :]), n + 1
    return text, 0


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.mark.skipif(not POSTS, reason=f"corpus not found at {CORPUS}")
@pytest.mark.parametrize("path", POSTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_post_renders(renderer: Renderer, path: Path) -> None:
    body, offset = split_front_matter(path.read_text(encoding="utf-8"))
    out = renderer.render(body, doc_id=path.stem, source=str(path), line_offset=offset)
    assert out.html or not body.strip()
    assert not has_nested_pre(out.html)
    assert duplicate_ids(out.html) == []
    assert [h.id for h in out.toc] == [h.id for h in {h.id: h for h in out.toc}.values()]


def test_split_front_matter() -> None:
    assert split_front_matter("---\ntitle: x\n---\nBody\n") == ("Body\n", 3)
    assert split_front_matter("No front matter\n") == ("No front matter\n", 0)
