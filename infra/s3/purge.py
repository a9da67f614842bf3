# Tell the CDN to drop its copies of what changed. The request is Cloudflare's purge_cache
# shape — {"files": [URL, ...]} or {"purge_everything": true} when more than CDN_PURGE_MAX
# URLs changed — sent as POST to CDN_PURGE_URL; the token, if any, is read from the file
# CDN_PURGE_TOKEN_FILE names (mode 0600), never from the command line.
import json
import os
import stat
import sys
import urllib.error
import urllib.request
from pathlib import Path

from sitegen.config import load_config

work = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sitegen/deploy-s3" / os.environ["S3_BUCKET"]
changed = (work / "changed.txt").read_text(encoding="utf-8").split()
if not changed:
    print("nothing changed in the bucket: no purge")
    sys.exit(0)

base = load_config(Path(os.environ["SITE_DIR"])).base_url.rstrip("/")
urls = []
for path in changed:
    urls.append(f"{base}/{path}")
    if path == "index.html" or path.endswith("/index.html"):
        urls.append(f"{base}/{path[:-len('index.html')]}")  # the address readers use
limit = int(os.environ["CDN_PURGE_MAX"])
body = {"files": urls} if len(urls) <= limit else {"purge_everything": True}

headers = {"Content-Type": "application/json", "User-Agent": "sitegen-deploy"}
token_file = os.environ["CDN_PURGE_TOKEN_FILE"]
if token_file:
    mode = os.stat(token_file).st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(f"{token_file}: mode {stat.S_IMODE(mode):04o} lets other users read the token; run chmod 600 {token_file}")
        sys.exit(1)
    headers["Authorization"] = "Bearer " + Path(token_file).read_text(encoding="utf-8").strip()

request = urllib.request.Request(os.environ["CDN_PURGE_URL"], data=json.dumps(body).encode(), headers=headers,
                                 method="POST")
try:
    with urllib.request.urlopen(request, timeout=30) as response:
        status = response.status
except urllib.error.HTTPError as exc:
    print(f"the CDN refused the purge: HTTP {exc.code}: {exc.read(300).decode('utf-8', 'replace').strip()}")
    sys.exit(1)
except (urllib.error.URLError, OSError) as exc:
    print(f"cannot reach the CDN at {os.environ['CDN_PURGE_URL']}: {getattr(exc, 'reason', exc)}")
    sys.exit(1)
if "files" in body:
    print(f"purged {len(urls)} URLs from the CDN (HTTP {status})")
else:
    print(f"purged everything from the CDN: {len(urls)} URLs changed, more than CDN_PURGE_MAX={limit} (HTTP {status})")
