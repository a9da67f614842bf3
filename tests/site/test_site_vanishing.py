"""A file that disappears while a build runs is a deleted file, not a crash."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from site_helpers import BASE_CONFIG, SiteDir, post


@pytest.fixture
def site(tmp_path: Path) -> SiteDir:
    return SiteDir(tmp_path).write({
        "sitegen.toml": BASE_CONFIG,
        "content/blog/a.md": post("Stays", published="2024-01-01"),
        "content/blog/b.md": post("Goes away", published="2024-01-02"),
        "static/keep.css": "p {}",
        "static/gone.css": "q {}",
    })


def test_a_post_deleted_between_listing_and_stat(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder listing names b.md; it is gone by the time its size is asked for."""
    real_scandir = os.scandir
    victim = site.root / "content" / "blog" / "b.md"

    class Listing:
        def __init__(self, path: str) -> None:
            self._it = real_scandir(path)

        def __enter__(self) -> Listing:
            return self

        def __exit__(self, *exc: object) -> None:
            self._it.close()

        def __iter__(self):  # type: ignore[no-untyped-def]
            for entry in self._it:
                if entry.path == str(victim) and victim.exists():
                    victim.unlink()
                yield entry

    monkeypatch.setattr(os, "scandir", Listing)
    site.build()
    monkeypatch.undo()
    assert (site.out / "blog" / "a" / "index.html").is_file()
    assert not (site.out / "blog" / "b").exists()


def test_a_post_deleted_before_it_is_read(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> None:
    site.build()
    site.edit("content/blog/b.md", "Body text.", "Body text, edited.")
    real_read = Path.read_bytes
    victim = site.root / "content" / "blog" / "b.md"

    def read_bytes(self: Path) -> bytes:
        if self == victim:
            self.unlink()
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    site.build()
    monkeypatch.undo()
    assert not (site.out / "blog" / "b").exists() and "Goes away" not in site.read("index.html")
    # and the next build agrees that it is gone
    assert site.build().nothing


def test_a_static_file_deleted_before_it_is_copied(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen.build import commit as commit_module

    real_copy = commit_module._copy_checked  # the copy of one static file
    victim = site.root / "static" / "gone.css"

    def copyfile(src: object, dst: object, fence: object) -> object:
        if Path(str(src)) == victim and victim.exists():
            victim.unlink()
        return real_copy(src, dst, fence)  # type: ignore[arg-type]

    before = victim.stat()
    monkeypatch.setattr(commit_module, "_copy_checked", copyfile)
    site.build()
    monkeypatch.undo()
    assert site.read("keep.css") == "p {}" and not (site.out / "gone.css").exists()
    # back before the next build with the very same (mtime, size) as when it was scanned (a
    # writer quicker than the clock's tick): still a file to copy, not "nothing changed"
    victim.write_text("q {}")
    os.utime(victim, ns=(before.st_atime_ns, before.st_mtime_ns))
    site.build()
    assert site.read("gone.css") == "q {}"
    assert site.build().nothing


def test_builds_racing_a_writer_never_crash(site: SiteDir) -> None:
    """A real race, bounded: a thread creates and deletes posts and static files while builds run."""
    stop = threading.Event()
    blog, static = site.root / "content" / "blog", site.root / "static"

    def churn() -> None:
        i = 0
        while not stop.is_set() and i < 20_000:
            n = i % 7
            # written whole, as editors save (a half-written post would be a real front matter error)
            (blog / f".churn-{n}.md.tmp").write_text(post(f"Churn {n}", published="2024-03-03"))
            os.replace(blog / f".churn-{n}.md.tmp", blog / f"churn-{n}.md")
            (static / f"churn-{n}.txt").write_text("x" * n)
            (blog / f"churn-{(n + 3) % 7}.md").unlink(missing_ok=True)
            (static / f"churn-{(n + 3) % 7}.txt").unlink(missing_ok=True)
            i += 1

    writer = threading.Thread(target=churn)
    writer.start()
    try:
        for _ in range(25):
            site.build()
    finally:
        stop.set()
        writer.join()
    site.build()
    published = {p for p in site.snapshot() if p.startswith("churn-") or p.startswith("blog/churn-")}
    on_disk = {f"churn-{p.stem.split('-')[1]}.txt" for p in static.glob("churn-*.txt")}
    on_disk |= {f"blog/churn-{p.stem.split('-')[1]}/index.html" for p in blog.glob("churn-*.md")}
    assert published == on_disk  # once the writer stops, the output matches the folder exactly


def test_a_static_file_replaced_while_it_is_copied(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deleted and written again between the copy's open and the check after it (an editor's
    save): the file is there, so the build publishes what it holds now instead of crashing."""
    from sitegen.build import commit as commit_module

    real_copy = commit_module._copy_checked  # the copy of one static file
    victim = site.root / "static" / "gone.css"
    raced = []

    def copyfile(src: object, dst: object, fence: object) -> object:
        if Path(str(src)) == victim and not raced:
            raced.append(True)
            victim.unlink()
            victim.write_text("q { new }")
            raise FileNotFoundError(2, "No such file or directory", str(src))
        return real_copy(src, dst, fence)  # type: ignore[arg-type]

    monkeypatch.setattr(commit_module, "_copy_checked", copyfile)
    site.build()
    monkeypatch.undo()
    assert raced and site.read("gone.css") == "q { new }"
    # it changed after the scan, so the next build looks at it again; then nothing is left to do
    site.build()
    assert site.read("gone.css") == "q { new }" and site.build().nothing
