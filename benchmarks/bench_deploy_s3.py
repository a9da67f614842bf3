"""What `sitegen run infra/deploy-s3.md` sends and how long it takes, against moto's S3 server on
loopback: a first deploy (every file), a deploy with nothing changed, and one after a single post
was edited.

    python3 benchmarks/bench_deploy_s3.py [--wolfgirl] [--repeats 3]

The site is this repository's example site, or with --wolfgirl the real blog in
../shared/corpora/wolfgirl (built with tests/ports/wolfgirl/sitegen.toml, its content copied so
one post can be edited). Objects uploaded are counted from moto's own request log (the PUTs it
answered 200), not from rclone's report. Prints, per kind of deploy, the median wall time of the
whole run and of its sync step, and the PUTs and DELETEs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sitegen.runbook.testing import free_port  # noqa: E402 (after the sys.path line)

CORPUS = REPO.parent / "shared" / "corpora" / "wolfgirl"
REQUEST = re.compile(r'"(PUT|DELETE) /(\S+?)/\S+ HTTP/1\.[01]" 200')


def start_moto(tmp: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    port, log = free_port(), tmp / "moto.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=5).close()
            return proc, url, log
        except OSError:
            time.sleep(0.2)
    sys.exit("moto did not start")


def make_site(tmp: Path, wolfgirl: bool) -> tuple[Path, Path]:
    """(site folder, the post the third deploy edits)."""
    site = tmp / "site"
    if wolfgirl:
        if not (CORPUS / "content").is_dir():
            sys.exit(f"the wolfgirl corpus is not at {CORPUS}")
        site.mkdir()
        shutil.copy(REPO / "tests/ports/wolfgirl/sitegen.toml", site / "sitegen.toml")
        shutil.copytree(CORPUS / "content", site / "content")
    else:
        site.mkdir()
        shutil.copy(REPO / "sitegen.toml", site / "sitegen.toml")
        for folder in ("content", "static", "infra", "themes"):  # content/infra links to ../../infra
            if (REPO / folder).is_dir():
                shutil.copytree(REPO / folder, site / folder, symlinks=True)
    post = sorted((site / "content" / "blog").glob("*.md"))[-1]
    return site, post


def deploy(moto_url: str, site: Path, bucket: str, env: dict[str, str], log: Path) -> tuple[float, float, int, int]:
    mark = log.stat().st_size
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sitegen", "run", str(REPO / "infra/deploy-s3.md"), "--yes", "--json",
                           "--var", f"SITE_DIR={site}", "--var", f"S3_BUCKET={bucket}", "--var", "S3_PROVIDER=Other",
                           "--var", f"S3_ENDPOINT={moto_url}"], env=env, capture_output=True, text=True, cwd=REPO)
    took = time.perf_counter() - start
    if proc.returncode:
        sys.exit(f"deploy failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    sync = next(e["duration"] for e in events if e.get("event") == "step" and e.get("step") == "sync")
    with log.open("rb") as f:
        f.seek(mark)
        found = [m for m in REQUEST.findall(f.read().decode("utf-8", "replace")) if m[1] == bucket]
    return took, sync, sum(m[0] == "PUT" for m in found), sum(m[0] == "DELETE" for m in found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wolfgirl", action="store_true", help="deploy the wolfgirl corpus instead")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-deploy-s3-") as name:
        tmp = Path(name)
        moto, url, log = start_moto(tmp)
        try:
            import boto3

            s3 = boto3.client("s3", endpoint_url=url, aws_access_key_id="bench", aws_secret_access_key="bench-secret",
                              region_name="us-east-1")
            site, post = make_site(tmp, args.wolfgirl)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("SITEGEN_", "RCLONE_"))}
            env.update(PYTHONPATH=str(REPO), SITEGEN_VERIFIED="off", XDG_STATE_HOME=str(tmp / "state"),
                       XDG_CACHE_HOME=str(tmp / "cache"), S3_ACCESS_KEY_ID="AKIABENCH",
                       S3_SECRET_ACCESS_KEY="bench-secret-key-123")
            results: dict[str, list[tuple[float, float, int, int]]] = {"first": [], "unchanged": [], "one post": []}
            for n in range(args.repeats):
                bucket = f"bench-{n}"
                s3.create_bucket(Bucket=bucket)
                results["first"].append(deploy(url, site, bucket, env, log))
                results["unchanged"].append(deploy(url, site, bucket, env, log))
                post.write_text(post.read_text("utf-8") + f"\n\nEdited for run {n}.\n", "utf-8")
                results["one post"].append(deploy(url, site, bucket, env, log))
            files = sum(1 for p in (tmp / "cache/sitegen/deploy-s3" / bucket / "site").rglob("*") if p.is_file())
            print(f"{'wolfgirl corpus' if args.wolfgirl else 'example site'}: {files} files, "
                  f"rclone {subprocess.run(['rclone', 'version'], capture_output=True, text=True).stdout.split()[1]}")
            for kind, rows in results.items():
                print(f"  {kind:<10} run {statistics.median(r[0] for r in rows):6.2f} s   "
                      f"sync {statistics.median(r[1] for r in rows):6.2f} s   "
                      f"PUT {sorted({r[2] for r in rows})}   DELETE {sorted({r[3] for r in rows})}   n={len(rows)}")
        finally:
            moto.terminate()
            moto.wait(10)


if __name__ == "__main__":
    main()
