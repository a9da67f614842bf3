"""The image cache on disk: each image's facts and variant files, keyed by its bytes and the settings.

Lives beside the build cache (`$XDG_CACHE_HOME/sitegen/images/`) and is shared by every site and
by `serve`: the same photo is encoded once per settings, whichever page or site uses it.
Deleting it is safe; the next build that needs an image encodes it again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from sitegen.images.encode import Processed, VariantFile
from sitegen.images.probe import ImageError


def content_key(data: bytes, settings_key: str) -> str:
    """20 hex digits of the image's bytes and the settings: short enough for URLs, no collisions in practice."""
    digest = hashlib.blake2b(data, digest_size=10)
    digest.update(settings_key.encode())
    return digest.hexdigest()


class ImageCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _facts_path(self, key: str) -> Path:
        return self.root / "facts" / key[:2] / f"{key}.json"

    def file(self, name: str) -> Path:
        """Where a variant's bytes are kept."""
        return self.root / "files" / name[:2] / name

    def lookup(self, key: str) -> Processed | ImageError | None:
        """What a previous encode found (an error is remembered too), or None to encode."""
        try:
            raw = json.loads(self._facts_path(key).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if "error" in raw:
            return ImageError(raw["error"])
        try:
            processed = Processed(key, raw["width"], raw["height"],
                                  tuple(VariantFile(*v) for v in raw["variants"]))
        except (KeyError, TypeError):
            return None
        # A variant file deleted by hand means encoding again, not a broken page.
        if not all(self.file(v.name).exists() for v in processed.variants):
            return None
        return processed

    def store(self, processed: Processed, files: list[tuple[VariantFile, bytes]]) -> None:
        for variant, data in files:
            _write(self.file(variant.name), data)
        facts = {"width": processed.width, "height": processed.height,
                 "variants": [[v.format, v.width, v.height, v.name] for v in processed.variants]}
        _write(self._facts_path(processed.key), json.dumps(facts).encode())

    def store_error(self, key: str, error: ImageError) -> None:
        _write(self._facts_path(key), json.dumps({"error": str(error)}).encode())


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: another build (or a worker) may read the cache at the same time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
