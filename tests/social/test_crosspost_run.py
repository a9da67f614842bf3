"""Which posts a crosspost shares, called in-process (environment and secrets passed in) against
the fake servers: drafts, future posts, `since`, collections, the archive guard, missing secrets."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fakes.social import BLUESKY_PASSWORD, MASTODON_TOKEN
from social_support import SocialSite

from sitegen.errors import SocialError
from sitegen.social.crosspost import crosspost

ENV = {"MASTODON_TOKEN": MASTODON_TOKEN, "BLUESKY_APP_PASSWORD": BLUESKY_PASSWORD}


def run(site: SocialSite, tmp_path: Path, **kw: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = crosspost(site.root, environ=kw.pop("environ", ENV), state_dir=tmp_path / "state", out=out, err=err,
                     **kw)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def shared(site: SocialSite) -> set[str]:
    return {r.json["status"].split("\n")[0] for r in site.mastodon.requests_to("post_status")}


def test_only_published_posts_of_shared_collections_since_the_day(social_site: SocialSite, tmp_path: Path) -> None:
    social_site.write_config(mastodon="since = 2026-01-02", bluesky='collections = ["notes"]')
    social_site.post("2026-01-01-old.md", "---\ntitle: Old\n---\n")
    social_site.post("2026-01-03-new.md", "---\ntitle: New\n---\n")
    social_site.post("2026-01-04-draft.md", "---\ntitle: Draft\ndraft: true\n---\n")
    social_site.post("2099-01-01-future.md", "---\ntitle: Future\n---\n")
    notes = social_site.root / "content" / "notes" / "2026-01-05-note.md"
    notes.parent.mkdir(parents=True)
    notes.write_text("---\ntitle: Note\n---\n")
    social_site.build()
    code, out, err = run(social_site, tmp_path)
    assert code == 0, err
    # Mastodon shares every dated, listed collection by default (notes too); Bluesky only notes.
    assert shared(social_site) == {"New", "Note"}
    assert [r.json["record"]["text"].split("\n")[0] for r in social_site.bluesky.requests_to("createRecord")] == [
        "Note"]
    # --post shares a post before `since` when asked by name, but never a draft.
    code, out, err = run(social_site, tmp_path, posts=[social_site.root / "content/blog/2026-01-01-old.md",
                                                         social_site.root / "content/blog/2026-01-04-draft.md"])
    assert code == 0, err
    assert "Old" in shared(social_site) and "2026-01-04-draft.md: skipped: a draft" in out


def test_a_first_run_over_an_archive_is_refused_before_any_request(social_site: SocialSite, tmp_path: Path) -> None:
    for day in range(1, 13):
        social_site.post(f"2026-01-{day:02d}-p{day}.md", f"---\ntitle: P{day}\n---\n")
    social_site.build()
    with pytest.raises(SocialError, match=r"12 posts have no link yet .* more than 10 at once"):
        run(social_site, tmp_path)
    assert social_site.mastodon.requests == [] and social_site.bluesky.requests == []
    code, _, err = run(social_site, tmp_path, max_posts=12)
    assert code == 0, err
    assert len(social_site.mastodon.statuses) == 12


def test_secrets_from_the_secrets_file_and_a_missing_one_named(social_site: SocialSite, tmp_path: Path) -> None:
    social_site.post("2026-01-02-a.md", "---\ntitle: A\n---\n")
    social_site.build()
    code, out, err = run(social_site, tmp_path, environ={}, secrets={"MASTODON_TOKEN": MASTODON_TOKEN})
    assert code == 1
    assert "bluesky: $BLUESKY_APP_PASSWORD is not set" in err
    assert "mastodon: posted" in out
    assert social_site.bluesky.requests == []


def test_a_collection_kept_in_another_folder_is_shared(social_site: SocialSite, tmp_path: Path) -> None:
    """`[collections.blog] folder = "posts"`: the posts are found there, and written back there."""
    social_site.write_config(extra='[collections.blog]\nfolder = "posts"\n')
    post = social_site.root / "content" / "posts" / "2026-01-02-moved.md"
    post.parent.mkdir(parents=True)
    post.write_text("---\ntitle: Moved\n---\nBody\n")
    social_site.build()
    code, out, err = run(social_site, tmp_path)
    assert code == 0, err
    assert "content/posts/2026-01-02-moved.md: mastodon: posted" in out
    assert shared(social_site) == {"Moved"}
    assert "mastodon: http" in post.read_text() and "bluesky: at://" in post.read_text()
