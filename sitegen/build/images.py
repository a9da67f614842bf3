"""The build's side of images: a page's Markdown image `src`s → files, processed by sitegen.images,
the facts kept on the page record, and the variant files to publish under `/_img/`.

A page depends on the image files it shows (like `include=` files): replacing one processes the
page's images again and re-renders the page, with no Markdown rendered again. Remote images
(`fetch_remote`) are asked for only when their page is processed.
"""

from __future__ import annotations

import copy
import functools
import os
import posixpath
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from sitegen.build.scan import Stat, file_stat
from sitegen.config import SiteConfig
from sitegen.content import PageRecord

if TYPE_CHECKING:
    from sitegen.images import EncodeSettings

IMG_DIR = "_img"
"""Output folder of the variants; their names carry a content hash, so they can be cached forever."""

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".tif", ".tiff", ".bmp", ".svg"})
"""What Pillow reads, and SVG (its size only); anything else stays as written."""

_STEM_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_REMOTE = "remote:"


def _suffix(path: str) -> str:
    return posixpath.splitext(path)[1].lower()


def resolve_src(src: str, page_key: str, config: SiteConfig) -> str | None:
    """Where a page's image comes from: `content/…` or `static/…` (relative to the site), `remote:URL`,
    or None for an image left as written (another scheme, a data: URL, SVG, remote without fetch_remote)."""
    parts = urlsplit(src)
    if parts.scheme in ("http", "https") and parts.netloc:
        if not config.images.fetch_remote or _suffix(parts.path) not in IMAGE_SUFFIXES | {""}:
            return None
        return _REMOTE + src
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if _suffix(path) not in IMAGE_SUFFIXES:
        return None
    if path.startswith("/"):
        rel = posixpath.normpath("static" + path)
        return rel if rel.startswith("static/") else None
    rel = posixpath.normpath(posixpath.join("content", posixpath.dirname(page_key), path))
    if rel.startswith("content/"):
        return rel
    # `../static/img.png` from a post, climbing out of content/: fine while it stays in the site.
    return rel if rel.startswith("static/") else None


def _stem(source: str) -> str:
    name = posixpath.basename(urlsplit(source[len(_REMOTE):]).path if source.startswith(_REMOTE) else source)
    stem = _STEM_UNSAFE.sub("-", posixpath.splitext(name)[0]).strip("-")[:40]
    return stem or "image"


def variant_url(source: str, cache_name: str) -> str:
    """`/_img/<stem>.<key>-<width>.<format>`: readable, and unique by content and settings."""
    return f"/{IMG_DIR}/{_stem(source)}.{cache_name}"


def cache_name_of(url: str) -> str:
    return url.rsplit(".", 2)[-2] + "." + url.rsplit(".", 1)[-1]


def image_stats(config: SiteConfig, records: Mapping[str, PageRecord],
                scan: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Stat | None]:
    """(mtime, size) of every local image file a page uses (None: missing), by site-relative path.

    A file the scan walked (content/…, static/…) takes the scan's figure rather than a stat() of
    its own: with a thousand photos, stat()ing each again was most of a no-change build's work.
    """
    files = {f for rec in records.values() for f in rec.image_files if not f.startswith(_REMOTE)}
    parts: list[tuple[str, Mapping[str, Any]]] = []
    if scan:
        content = Path(os.path.relpath(config.content_dir, config.root)).as_posix()
        parts = [(content + "/", scan.get("content_files", {})), ("static/", scan.get("site_static", {}))]
    root = str(config.root) + os.sep
    found: dict[str, Stat | None] = {}
    for f in sorted(files):
        for prefix, entries in parts:
            if f.startswith(prefix) and f[len(prefix):] in entries:
                found[f] = entries[f[len(prefix):]]
                break
        else:
            found[f] = file_stat(Path(root + f))
    return found


class ImageStep:
    """Processes the images of the pages a build touches; one per Builder (kept by serve)."""

    def __init__(self, config: SiteConfig, cache_root: Path, jobs: int) -> None:
        from sitegen.images import ImageCache

        self.config = config
        self.cache = ImageCache(cache_root)
        self.remote_root = cache_root / "remote"
        self.jobs = jobs
        self.encoded = 0
        """Images encoded by this step so far (tests and benchmarks count them)."""

    @functools.cached_property
    def settings(self) -> EncodeSettings:
        """Asked only when there are images to process: it imports Pillow (which formats it can write)."""
        from sitegen.images import EncodeSettings

        return EncodeSettings.from_config(self.config.images)

    def attach(self, records: dict[str, PageRecord], keys: Iterable[str], warnings: list[str],
               *, fresh: set[str] = frozenset()) -> set[str]:
        """Process the images of `records[key]` for each key; give each record its pictures.

        Records not in `fresh` (just parsed, so not shared with last build) are copied first:
        last build's records must keep last build's values for change detection.
        Returns the keys whose pictures changed.
        """
        from sitegen.images.markup import picture

        config = self.config
        wanted: dict[str, dict[str, str | None]] = {}
        for key in keys:
            rec = records.get(key)
            if rec is None or not rec.images:
                continue
            wanted[key] = {src: resolve_src(src, key, config) if config.images.enabled else None
                           for src in rec.images}
        if not wanted:
            return set()
        sources = {s for found in wanted.values() for s in found.values() if s is not None}
        urls = [s[len(_REMOTE):] for s in sources if s.startswith(_REMOTE)]
        remote_files: dict[str, Path] = {}
        if urls:  # the HTTP client (ssl, urllib) is imported only for remote images
            from sitegen.images.remote import RemoteImages

            remote = RemoteImages(self.remote_root)
            remote_files = {_REMOTE + url: path for url, path in remote.fetch_all(urls).items()}
            for host, failure in sorted(remote.failures.items()):
                count = len(failure.urls)
                warnings.append(f"images from {host}: {failure.reason} ({count} image{'s' * (count != 1)}"
                                f"{', remote URL kept' if 'earlier build' not in failure.reason else ''})")
        root = config.root
        paths = {s: remote_files.get(s) if s.startswith(_REMOTE) else root / s for s in sources}
        existing = [p for s, p in paths.items() if p is not None and (s.startswith(_REMOTE) or p.is_file())]
        results: dict[Path, Any] = {}
        if existing:  # (Pillow is imported only then)
            from sitegen.images.process import process, terminal

            results, stats = process(existing, self.cache, self.settings, jobs=self.jobs, progress=terminal())
            self.encoded += stats.encoded
        changed: set[str] = set()
        for key, found in wanted.items():
            rec = records[key]
            if key not in fresh:
                rec = records[key] = copy.copy(rec)
            pictures: dict[str, Any] = {}
            for src, source in found.items():
                path = paths.get(source) if source else None
                result = results.get(path) if path is not None else None
                if result is None:
                    continue
                if isinstance(result, Exception):
                    where = source if not source.startswith(_REMOTE) else source[len(_REMOTE):]
                    warnings.append(f"content/{key}: image {src} ({where}): {result}; linked unchanged")
                    continue
                url_of = {v.name: variant_url(source, v.name) for v in result.variants}
                pictures[src] = picture(result, url_of)
            image_files = tuple(sorted(s for s in found.values() if s is not None))
            if pictures != rec.pictures or image_files != rec.image_files:
                changed.add(key)
            rec.pictures = pictures
            rec.image_files = image_files
        return changed

    def publish(self, pages: Iterable[PageRecord]) -> tuple[dict[str, tuple[Path, Stat]], list[str]]:
        """Variant files the output needs (rel → cache file, a stand-in stat), and the pages whose
        variants are missing from the cache (deleted by hand) and must be processed again."""
        out: dict[str, tuple[Path, Stat]] = {}
        missing: list[str] = []
        for rec in pages:
            lost = False
            for _w, _h, sources in rec.pictures.values():
                for _fmt, urls in sources:
                    for url, _width in urls:
                        path = self.cache.file(cache_name_of(url))
                        # Names are content hashes: same name, same bytes.
                        out[url[1:]] = (path, (0, 0))
                        lost = lost or not path.exists()
            if lost:
                missing.append(rec.key)
        return out, missing
