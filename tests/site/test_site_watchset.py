"""What a build reads, as places to watch (Builder.watch_set): the preview watches exactly what the
build compares, including files outside the scanned folders, and a watcher's hint about a file
read through a symlink makes the build look again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from site_helpers import BASE_CONFIG, SiteDir

RUNBOOK = """\
---
title: Deploy notes
date: 2024-01-05
runbook: {}
---
WORDS

```sh {#prepare include=scripts/go.sh}
```
"""


@pytest.fixture
def site(tmp_path: Path) -> SiteDir:
    site = SiteDir(tmp_path).write({
        "sitegen.toml": BASE_CONFIG,
        "infra/notes.md": RUNBOOK.replace("WORDS", "First words."),
        "scripts/go.sh": "echo go\n",
        "docs-src/guide.md": "---\ntitle: Guide\ndate: 2024-01-02\n---\nRead me.\n",
        "static/style.css": "p {}",
    })
    (site.root / "content").mkdir()
    (site.root / "content" / "notes.md").symlink_to("../infra/notes.md")
    (site.root / "content" / "docs").symlink_to("../docs-src")
    return site


def test_the_watch_set_is_what_the_build_read(site: SiteDir) -> None:
    builder = site.builder()
    builder.build()
    found = builder.watch_set()
    root = site.root
    assert {root / "content", root / "static", root / "docs-src"} <= set(found.trees)
    assert root not in found.trees and root / "infra" not in found.trees
    # The symlinked page's target, its verification record (not written yet) and its include= file.
    assert {str(root / "infra/notes.md"), str(root / "infra/notes.verified.json"),
            str(root / "scripts/go.sh")} <= found.files
    assert {root / "infra", root / "scripts"} <= set(found.folders)
    assert found.reads(root / "infra/notes.verified.json") and found.reads(root / "docs-src/new.md")
    assert not found.reads(root / "infra/unrelated.txt") and not found.reads(root / "README")


def test_a_record_folder_not_made_yet_is_watched_from_its_parent(site: SiteDir) -> None:
    site.write({"sitegen.toml": BASE_CONFIG + '\n[runbooks]\nverified_dir = "verified"\n'})
    builder = site.builder()
    builder.build()
    found = builder.watch_set()
    record = site.root / "verified" / "infra" / "notes.json"
    assert str(record) in found.files
    assert site.root in found.folders  # its nearest existing folder: creating verified/ is seen
    assert found.reads(site.root / "verified") and found.reads(site.root / "verified" / "infra")


def test_a_hint_about_a_symlink_target_makes_the_build_look_again(site: SiteDir) -> None:
    builder = site.builder()
    builder.build()
    target = site.root / "infra" / "notes.md"
    before = target.stat().st_mtime_ns
    target.write_text(RUNBOOK.replace("WORDS", "Second words, longer."))
    os.utime(target, ns=(before + 10**9, before + 10**9))
    report = builder.build(changed=[str(target)])  # what serve passes: the path it was told about
    assert "/notes/" in [url for url, _ in report.rendered]
    assert "Second words" in (site.out / "notes" / "index.html").read_text()
