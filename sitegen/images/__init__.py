"""Responsive images: probe an image file, encode resized WebP/AVIF variants, cache them by content.

Knows nothing of pages. The build hands it image files (and, with `fetch_remote`, URLs); it
hands back `Processed` values (intrinsic size, variant files in the cache) or an `ImageError`
saying why an image was left as it is. `markup.picture()` turns those facts into HTML.

- `probe.py`: open safely (decompression bombs refused), size as displayed (EXIF orientation).
- `encode.py`: one image → its variants, metadata stripped; `EncodeSettings` and their key.
- `cache.py`: variants and facts on disk, keyed by the image's bytes and the settings.
- `process.py`: many images at once, over the CPU cores, with progress on a terminal.
- `remote.py`: `https://` images downloaded once, revalidated with ETag / Last-Modified.
- `markup.py`: facts → `<picture>` with `srcset`, `sizes`, `width` and `height`.
"""

from __future__ import annotations

from sitegen.images.cache import ImageCache
from sitegen.images.encode import EncodeSettings, Processed, VariantFile
from sitegen.images.probe import ImageError

__all__ = ["EncodeSettings", "ImageCache", "ImageError", "Processed", "VariantFile"]
