# The site is built into the cache, never into the checkout; a fresh folder each time, so a
# page that was removed from the site is not uploaded again from an old build.
out=${XDG_CACHE_HOME:-$HOME/.cache}/sitegen/deploy-s3/$S3_BUCKET/site
rm -rf -- "$out"
mkdir -p -- "$(dirname -- "$out")"
python3 -m sitegen build "$SITE_DIR" --out "$out" --clean
echo "built $SITE_DIR: $(find "$out" -type f | wc -l) files"
