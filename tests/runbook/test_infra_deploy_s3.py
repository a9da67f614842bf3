"""infra/deploy-s3.md against a real S3 API: Debian's rclone syncing to moto's S3 server on
127.0.0.1, and a loopback HTTP server standing in for the CDN's purge API.

What is checked comes from the far side: the bucket's objects (listed and read with boto3),
moto's own request log (which objects were PUT and DELETEd by each run), and the purge requests
the CDN received.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from runbook_support import REPO
from s3_support import CDN, Moto, file_digests, run_env, sitegen_run, write_site

from sitegen.runbook.records import read_events, records_path, resume_point

RUNBOOK = REPO / "infra" / "deploy-s3.md"
BUCKET = "www"
SECRET = "moto-secret-key-0123456789"
CDN_TOKEN = "cdn-api-token-abcdef0123"

# What each kind of file must be served as: what a browser needs, whatever rclone's own table says.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".xml": "text/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8", ".webp": "image/webp", ".jpg": "image/jpeg", ".svg": "image/svg+xml",
    ".js": "text/javascript; charset=utf-8",
}


class Deploy:
    def __init__(self, moto: Moto, work: Path, bucket: str) -> None:
        self.moto, self.work, self.bucket = moto, work, bucket
        moto.client().create_bucket(Bucket=bucket)
        self.cdn = CDN(moto, bucket)
        self.site = write_site(work / "site", "https://example.org")
        self.token = work / "cdn-token"
        self.token.write_text(CDN_TOKEN + "\n")
        self.token.chmod(0o600)

    @property
    def build(self) -> Path:
        return self.work / "cache" / "sitegen" / "deploy-s3" / self.bucket / "site"

    def env(self, secret: str = SECRET) -> dict[str, str]:
        return run_env(self.work, {"S3_ACCESS_KEY_ID": "AKIAMOTOTEST", "S3_SECRET_ACCESS_KEY": secret})

    def argv(self, *extra: str, purge: bool = True) -> list[str]:
        cdn = ["--var", f"CDN_PURGE_URL={self.cdn.url}/zones/z1/purge_cache",
               "--var", f"CDN_PURGE_TOKEN_FILE={self.token}"] if purge else []
        return ["--var", f"SITE_DIR={self.site}", "--var", f"S3_BUCKET={self.bucket}", "--var", "S3_PROVIDER=Other",
                "--var", f"S3_ENDPOINT={self.moto.url}", *cdn, *extra]

    def run(self, *extra: str, secret: str = SECRET, purge: bool = True) -> subprocess.CompletedProcess[str]:
        return sitegen_run(RUNBOOK, self.env(secret), *self.argv(*extra, purge=purge))

    def state_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in (self.work / "state").rglob("*") if p.is_file())


@pytest.fixture
def deploy(moto: Moto, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Deploy]:
    d = Deploy(moto, tmp_path, request.node.name.replace("_", "-")[5:40].strip("-"))
    yield d
    d.cdn.close()


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc.stdout


def puts(moto: Moto, mark: int, bucket: str) -> list[str]:
    return sorted(path.removeprefix(f"/{bucket}/") for method, path, status in moto.requests(mark)
                  if method == "PUT" and path.startswith(f"/{bucket}/") and status == 200)


def test_first_sync_uploads_the_build_then_only_what_changed(deploy: Deploy, moto: Moto) -> None:
    mark = moto.mark()
    out = ok(deploy.run())
    built = file_digests(deploy.build)
    assert len(built) > 20 and any(k.startswith("_img/") for k in built) and "notes.txt" in built
    objects = moto.objects(deploy.bucket)
    # The bucket holds exactly the build, byte for byte (a single-part ETag is the MD5).
    assert {k: o["ETag"].strip('"') for k, o in objects.items()} == built
    assert puts(moto, mark, deploy.bucket) == sorted(built)
    assert f"synced {deploy.bucket}: uploaded {len(built)} files ({len(built)} new, 0 changed), deleted 0, " \
           f"0 unchanged" in out
    for key, head in objects.items():
        suffix = Path(key).suffix
        assert suffix in CONTENT_TYPES, key
        assert head["ContentType"] == CONTENT_TYPES[suffix], key
        immutable = key.startswith("_img/")
        assert head["CacheControl"] == ("public, max-age=31536000, immutable" if immutable
                                        else "public, max-age=300"), key
    # More URLs changed than CDN_PURGE_MAX: one purge of everything, with the token from its file.
    (purge,) = deploy.cdn.purges
    assert purge == {"path": "/zones/z1/purge_cache", "auth": f"Bearer {CDN_TOKEN}", "type": "application/json",
                     "body": {"purge_everything": True}}
    assert "[purge@local] purged everything from the CDN" in out

    # One post edited: only the files whose bytes changed travel, and the CDN drops just those.
    post = deploy.site / "content/blog/2026-11-02-notes.md"
    post.write_text(post.read_text().replace("A first note.", "A first note, edited."))
    mark = moto.mark()
    out = ok(deploy.run())
    after = file_digests(deploy.build)
    changed = sorted(k for k in after if after[k] != built.get(k))
    assert "blog/notes/index.html" in changed and len(changed) < len(after) // 2
    assert puts(moto, mark, deploy.bucket) == changed
    assert f"uploaded {len(changed)} files (0 new, {len(changed)} changed), deleted 0, " \
           f"{len(after) - len(changed)} unchanged" in out
    purged = deploy.cdn.purges[1]["body"]["files"]
    assert "https://example.org/blog/notes/" in purged and "https://example.org/blog/notes/index.html" in purged
    assert len(purged) == len(changed) + sum(k.endswith("index.html") for k in changed)

    # A post deleted: its page leaves the bucket; nothing else is uploaded.
    (deploy.site / "content/blog/2026-11-01-harbour.md").unlink()
    mark = moto.mark()
    ok(deploy.run())
    final = file_digests(deploy.build)
    assert {k: o["ETag"].strip('"') for k, o in moto.objects(deploy.bucket).items()} == final
    deletes = {path.removeprefix(f"/{deploy.bucket}/") for method, path, _ in moto.requests(mark) if method == "DELETE"}
    assert "blog/harbour/index.html" in deletes and deletes == set(after) - set(final)
    assert not any(k.startswith("_img/") for k in final)

    # The keys and the CDN token never reach the output or sitegen's records.
    for text in (out, deploy.state_text()):
        assert SECRET not in text and CDN_TOKEN not in text


def test_no_change_uploads_nothing_and_purges_nothing(deploy: Deploy, moto: Moto) -> None:
    ok(deploy.run(purge=False))
    mark = moto.mark()
    out = ok(deploy.run())
    assert puts(moto, mark, deploy.bucket) == []
    assert "uploaded 0 files (0 new, 0 changed), deleted 0" in out
    assert "[purge@local] nothing changed in the bucket: no purge" in out
    assert deploy.cdn.purges == []

    # Without a build (the cache was cleared), a sync would empty the bucket: it refuses.
    def stored() -> dict[str, tuple[str, object]]:
        return {k: (o["ETag"], o["LastModified"]) for k, o in moto.objects(deploy.bucket).items()}

    before = stored()
    assert before
    shutil.rmtree(deploy.build)
    deploy.build.mkdir()
    proc = deploy.run("--from", "sync")
    assert proc.returncode == 1
    assert f"[sync@local] no build in {deploy.build} (the site step makes it): not syncing, which would empty " \
           f"{deploy.bucket}" in proc.stdout
    assert stored() == before


def test_a_wrong_secret_fails_in_one_line_and_leaves_a_record(deploy: Deploy, moto: Moto) -> None:
    key, right = moto.access_key()
    wrong = "wrong-" + right[6:]
    env = {**deploy.env(wrong), "S3_ACCESS_KEY_ID": key}
    moto.set_auth(True)
    try:
        proc = sitegen_run(RUNBOOK, env, *deploy.argv(purge=False))
    finally:
        moto.set_auth(False)
    assert proc.returncode == 1, proc.stdout
    sync_lines = [line for line in proc.stdout.splitlines() if line.startswith("[sync@local]")]
    assert sync_lines == [
        f"[sync@local] sync to {deploy.bucket} failed (rclone exit code 1): the bucket refused the credentials: "
        f"check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY and that the key may write to {deploy.bucket}. "
        f"0 files were uploaded and 0 deleted before it stopped. "
        f"rclone's log: {deploy.build.parent / 'rclone.log'}"]
    assert "==> stopped: step 'sync' failed with exit code 1" in proc.stdout
    for text in (proc.stdout, proc.stderr, deploy.state_text()):
        assert wrong not in text and right not in text
    assert moto.objects(deploy.bucket) == {}

    # The record: the build finished, the sync did not; --resume would start at sync.
    record = records_path(deploy.work / "state" / "sitegen", RUNBOOK)
    point = resume_point(read_events(record), str(RUNBOOK))
    assert set(point.done) == {"tools", "site"}
    # With the right key the inputs differ, so --resume refuses and says how to go on ...
    env_right = {**env, "S3_SECRET_ACCESS_KEY": right}
    refused = sitegen_run(RUNBOOK, env_right, *deploy.argv("--resume", purge=False))
    assert refused.returncode == 1
    assert "S3_SECRET_ACCESS_KEY (secret, changed)" in refused.stderr and right not in refused.stderr
    # ... and --from sync uploads the build already made, without building again.
    out = ok(sitegen_run(RUNBOOK, env_right, *deploy.argv("--from", "sync", purge=False)))
    assert "==> site@local" not in out
    assert set(moto.objects(deploy.bucket)) == set(file_digests(deploy.build))


def test_a_token_file_others_can_read_is_refused(deploy: Deploy, moto: Moto) -> None:
    deploy.token.chmod(0o644)
    proc = deploy.run()
    assert proc.returncode == 1
    assert f"[purge@local] {deploy.token}: mode 0644 lets other users read the token; run chmod 600 {deploy.token}" \
        in proc.stdout
    assert deploy.cdn.purges == [] and CDN_TOKEN not in proc.stdout


def test_a_failed_purge_fails_the_run_and_resumes_at_the_purge(deploy: Deploy, moto: Moto) -> None:
    deploy.cdn.status = 500
    proc = deploy.run()
    assert proc.returncode == 1
    assert '[purge@local] the CDN refused the purge: HTTP 500: {"success": false}' in proc.stdout
    deploy.cdn.status = 200
    out = ok(deploy.run("--resume"))
    assert "==> sync@local" not in out and "purged everything from the CDN" in out
    assert [p["body"] for p in deploy.cdn.purges] == [{"purge_everything": True}] * 2

