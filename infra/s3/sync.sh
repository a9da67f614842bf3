# rclone reads the bucket's settings from these variables only: no rclone.conf is read or
# written (RCLONE_CONFIG=/dev/null keeps its configuration in memory), and the keys are
# never on a command line, where `ps` would show them.
work=${XDG_CACHE_HOME:-$HOME/.cache}/sitegen/deploy-s3/$S3_BUCKET
# `sync` makes the bucket look like the folder: an empty or missing build would empty the bucket.
if [ -z "$(ls -A -- "$work/site" 2>/dev/null)" ]; then
  echo "no build in $work/site (the site step makes it): not syncing, which would empty $S3_BUCKET"
  exit 1
fi
export RCLONE_CONFIG=/dev/null
export RCLONE_CONFIG_BUCKET_TYPE=s3
export RCLONE_CONFIG_BUCKET_PROVIDER=$S3_PROVIDER
export RCLONE_CONFIG_BUCKET_REGION=$S3_REGION
export RCLONE_CONFIG_BUCKET_ACL=$S3_ACL
export RCLONE_CONFIG_BUCKET_ENV_AUTH=false
export RCLONE_CONFIG_BUCKET_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID
export RCLONE_CONFIG_BUCKET_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY
if [ -n "$S3_ENDPOINT" ]; then
  export RCLONE_CONFIG_BUCKET_ENDPOINT=$S3_ENDPOINT
  export RCLONE_CONFIG_BUCKET_FORCE_PATH_STYLE=true
fi
# A CA bundle means nothing to plain http, and the AWS SDK inside rclone fails on one.
case $S3_ENDPOINT in http://*) unset AWS_CA_BUNDLE ;; esac

# Two passes, one log. Images under /_img/ are named by their content, so they never change
# under a name: they go first (a new page never points at an image not uploaded yet) and
# may be cached for a year. Then everything else, with a short cache lifetime; `sync`
# deletes what the build no longer has, after every upload has succeeded. --checksum
# compares MD5 sums with the bucket's, so a rebuilt but identical file is not sent again;
# --fast-list reads the bucket in one recursive listing instead of one per folder (S3 bills
# per request: 2 listings for a deploy of this site instead of 28).
log=$work/rclone.log
rm -f -- "$log" "$work/changed.txt"
common=(--checksum --fast-list --use-json-log --log-level INFO --log-file "$log" --stats 0)
status=0
rclone copy "$work/site/" "bucket:$S3_BUCKET" --include '/_img/**' \
  --header-upload "Cache-Control: $ASSET_CACHE_CONTROL" "${common[@]}" || status=$?
if [ "$status" = 0 ]; then
  rclone sync "$work/site/" "bucket:$S3_BUCKET" \
    --header-upload "Cache-Control: $PAGE_CACHE_CONTROL" "${common[@]}" || status=$?
fi

# rclone's log has one JSON object per line: a summary here, the full log stays in $log, and
# the paths that changed go to changed.txt for the CDN purge.
python3 - "$log" "$work/changed.txt" "$status" "$S3_BUCKET" "$(find "$work/site" -type f | wc -l)" <<'PY'
import json
import sys

log, changed_file, status, bucket, total = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
new, replaced, deleted, errors = [], [], [], []
try:
    with open(log, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                errors.append(line.strip())
                continue
            what, msg = entry.get("object", ""), entry.get("msg", "")
            if msg == "Copied (new)":
                new.append(what)
            elif msg.startswith("Copied"):
                replaced.append(what)
            elif msg == "Deleted":
                deleted.append(what)
            elif entry.get("level") in ("error", "critical"):
                errors.append(msg)
except FileNotFoundError:
    pass
if status:
    text = " ".join(errors)
    if any(code in text for code in ("SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied",
                                     "status code: 403")):
        reason = ("the bucket refused the credentials: check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY "
                  "and that the key may write to " + bucket)
    elif "NoSuchBucket" in text:
        reason = f"there is no bucket {bucket.split('/')[0]} at that endpoint"
    else:
        reason = (errors[-1] if errors else "rclone failed")[:500]
    print(f"sync to {bucket} failed (rclone exit code {status}): {reason}. "
          f"{len(new) + len(replaced)} files were uploaded and {len(deleted)} deleted before it stopped. "
          f"rclone's log: {log}")
    sys.exit(1)
with open(changed_file, "w", encoding="utf-8") as out:
    out.writelines(f"{path}\n" for path in sorted(new + replaced + deleted))
unchanged = total - len(new) - len(replaced)
uploaded = len(new) + len(replaced)
print(f"synced {bucket}: uploaded {uploaded} file{'' if uploaded == 1 else 's'} ({len(new)} new, {len(replaced)} changed), "
      f"deleted {len(deleted)}, {unchanged} unchanged")
shown = [f"uploaded {path}" for path in sorted(new + replaced)] + [f"deleted {path}" for path in sorted(deleted)]
for line in shown[:20]:
    print("  " + line)
if len(shown) > 20:
    print(f"  … and {len(shown) - 20} more (rclone's log: {log})")
PY
