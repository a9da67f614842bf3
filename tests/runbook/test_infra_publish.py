"""infra/publish.md end to end: its local steps against the fake Mastodon and Bluesky servers
(tests/fakes/social.py), moto's S3 server as the bucket and a loopback CDN in front of it,
which is also where the site's base_url points — so "live" means served from the bucket.
"""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

from fakes.social import BLUESKY_PASSWORD, MASTODON_TOKEN, FakeBluesky, FakeMastodon
from runbook_support import REPO
from s3_support import CDN, Moto, file_digests, run_env, sitegen_run, write_site

from sitegen.runbook.testing import free_port

RUNBOOK = REPO / "infra" / "publish.md"
BUCKET = "blog"
S3_SECRET = "moto-secret-key-publish-42"
POST = "content/blog/2026-11-02-notes.md"


class Publish:
    def __init__(self, moto: Moto, work: Path, bucket: str, mastodon: FakeMastodon, bluesky: FakeBluesky,
                 base_url: str | None = None) -> None:
        self.moto, self.work, self.bucket = moto, work, bucket
        moto.client().create_bucket(Bucket=bucket)
        self.cdn = CDN(moto, bucket)
        self.site = write_site(work / "site", base_url or self.cdn.url)
        with (self.site / "sitegen.toml").open("a") as config:
            config.write(f'\n[social.mastodon]\ninstance = "{mastodon.base_url}"\ntoken_env = "MASTODON_TOKEN"\n'
                         f'\n[social.bluesky]\nservice = "{bluesky.base_url}"\nhandle = "{bluesky.handle}"\n'
                         f'password_env = "BLUESKY_APP_PASSWORD"\nappview = "{bluesky.base_url}"\n')
        self.post = self.site / POST

    def run(self, *extra: str) -> subprocess.CompletedProcess[str]:
        env = run_env(self.work, {"S3_ACCESS_KEY_ID": "AKIAMOTOPUBLISH", "S3_SECRET_ACCESS_KEY": S3_SECRET,
                                  "MASTODON_TOKEN": MASTODON_TOKEN, "BLUESKY_APP_PASSWORD": BLUESKY_PASSWORD})
        return sitegen_run(RUNBOOK, env, "--var", f"SITE_DIR={self.site}", "--var", f"POST={POST}",
                           "--var", f"S3_BUCKET={self.bucket}", "--var", "S3_PROVIDER=Other",
                           "--var", f"S3_ENDPOINT={self.moto.url}", "--var", "LIVE_TIMEOUT=20",
                           "--var", f"CDN_PURGE_URL={self.cdn.url}/purge", *extra)

    def page(self, path: str) -> str:
        with urllib.request.urlopen(f"{self.cdn.url}{path}", timeout=10) as response:
            return response.read().decode()

    def state_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in (self.work / "state").rglob("*") if p.is_file())


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    return proc.stdout


def test_publish_shares_the_post_and_redeploys_it_with_its_discuss_links(
        moto: Moto, tmp_path: Path, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky) -> None:
    pub = Publish(moto, tmp_path, BUCKET, fake_mastodon, fake_bluesky)
    before = pub.post.read_text()
    other = (pub.site / "content/blog/2026-11-01-harbour.md").read_text()
    mark = moto.mark()
    out = ok(pub.run())
    steps = [line.split()[1] for line in out.splitlines() if line.startswith("==> ") and line.endswith(")")
             and "@local" in line]
    assert steps == ["tools@local", "site@local", "sync@local", "purge@local", "live@local", "preview@local",
                     "crosspost@local",
                     "rebuild@local", "resync@local", "repurge@local"]
    assert f"[live@local] live: {pub.cdn.url}/blog/notes/ answers 200" in out

    # The texts were shown before anything was sent.
    preview = [line for line in out.splitlines() if line.startswith("[preview@local]")]
    assert f"[preview@local] {POST}: mastodon (public, en) would post:" in preview
    assert f"[preview@local] {POST}: bluesky (en) would post:" in preview
    assert f"[preview@local]     {pub.cdn.url}/blog/notes/" in preview
    # Shared once on each network, and both links written back as one new line each.
    (status,) = fake_mastodon.statuses.values()
    ((uri, record),) = fake_bluesky.posts.items()
    assert f"{pub.cdn.url}/blog/notes/" in status["text"] and f"{pub.cdn.url}/blog/notes/" in record["record"]["text"]
    after = pub.post.read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert sorted(added) == sorted([f"bluesky: {uri}", f"mastodon: {status['url']}"])
    assert len(after.splitlines()) == len(before.splitlines()) + 2
    assert (pub.site / "content/blog/2026-11-01-harbour.md").read_text() == other  # only --post POST

    # The redeployed page — read back through the CDN from the bucket — links to both.
    page = pub.page("/blog/notes/")
    rkey = uri.rsplit("/", 1)[1]
    assert "Discuss this post on" in page
    assert f'href="{status["url"]}"' in page and f"/post/{rkey}" in page
    assert "Discuss this post on" not in pub.page("/blog/harbour/")

    # The second sync uploaded only what the links changed; moto saw every file once, then those.
    build = file_digests(tmp_path / "cache/sitegen/deploy-s3" / BUCKET / "site")
    resync = next(line for line in out.splitlines() if line.startswith("[resync@local] synced "))
    uploaded = int(resync.split("uploaded ")[1].split()[0])
    assert 1 <= uploaded < len(build) // 2
    assert "[resync@local]   uploaded blog/notes/index.html" in out
    puts = [path for method, path, status_code in moto.requests(mark)
            if method == "PUT" and path.startswith(f"/{BUCKET}/") and status_code == 200]
    assert len(puts) == len(build) + uploaded
    assert {k: o["ETag"].strip('"') for k, o in moto.objects(BUCKET).items()} == build
    first_purge, second_purge = pub.cdn.purges
    assert first_purge["body"] == {"purge_everything": True}
    assert f"{pub.cdn.url}/blog/notes/" in second_purge["body"]["files"]

    for text in (out, pub.state_text()):
        for secret in (S3_SECRET, MASTODON_TOKEN, BLUESKY_PASSWORD):
            assert secret not in text

    # Run again: the post already has both links, so nothing is posted and nothing uploaded.
    out = ok(pub.run())
    assert len(fake_mastodon.statuses) == 1 and len(fake_bluesky.posts) == 1
    assert len(fake_mastodon.requests_to("post_status")) == 1 and len(fake_bluesky.requests_to("createRecord")) == 1
    assert pub.post.read_text() == after
    assert "[resync@local] synced blog: uploaded 0 files" in out


def test_a_post_that_never_goes_live_is_not_shared(
        moto: Moto, tmp_path: Path, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # where the site says it lives: nothing answers there
    pub = Publish(moto, tmp_path, "never-live", fake_mastodon, fake_bluesky, base_url=dead)
    before = pub.post.read_text()
    proc = pub.run("--var", "LIVE_TIMEOUT=1")
    assert proc.returncode == 1
    assert (f"[live@local] {dead}/blog/notes/ is not live after 1s ([Errno 111] Connection refused); "
            "nothing was shared. Run again with --resume") in proc.stdout
    assert "==> crosspost@local" not in proc.stdout
    assert fake_mastodon.requests_to("post_status") == [] and fake_bluesky.requests_to("createRecord") == []
    assert pub.post.read_text() == before
