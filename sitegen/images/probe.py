"""Open an image safely and read its size as a browser displays it (EXIF orientation applied)."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

# EXIF orientations 5–8 turn the picture a quarter: width and height swap on screen.
_ORIENTATION_TAG = 0x0112
_SWAPPING = frozenset({5, 6, 7, 8})


class ImageError(Exception):
    """An image that cannot be processed; the message says why, in a few words."""


@dataclass(frozen=True)
class Probe:
    width: int
    """Displayed width in pixels (after EXIF orientation)."""
    height: int
    """Displayed height in pixels."""
    format: str
    """Pillow's format name: JPEG, PNG, WEBP, GIF, AVIF…"""
    animated: bool
    """More than one frame (GIF, WebP, APNG): kept as it is, no variants."""


def open_image(data: bytes, max_pixels: int) -> Any:
    """A lazily decoded `PIL.Image` for `data`, or ImageError (empty, not an image, too many pixels)."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ImageError("the file is empty")
    # Pillow warns past MAX_IMAGE_PIXELS and refuses past twice that; we refuse past
    # max_pixels ourselves, before anything is decoded.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            raise ImageError(f"refused as a decompression bomb ({exc})") from None
        except UnidentifiedImageError:
            raise ImageError("not an image Pillow can read") from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageError(f"cannot read the image: {exc}") from None
    width, height = im.size
    if width < 1 or height < 1:
        raise ImageError(f"the image is {width}×{height} pixels")
    if width * height > max_pixels:
        raise ImageError(
            f"{width}×{height} is {width * height:,} pixels, more than images.max_pixels "
            f"({max_pixels:,}): refused as a possible decompression bomb"
        )
    return im


def orientation(im: Any) -> int:
    try:
        value = im.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # a broken EXIF block is no reason to refuse the picture
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def probe_image(im: Any) -> Probe:
    width, height = im.size
    if orientation(im) in _SWAPPING:
        width, height = height, width
    return Probe(width, height, im.format or "", getattr(im, "n_frames", 1) > 1)


def probe(data: bytes, max_pixels: int) -> Probe:
    """The displayed size and format of an image, reading only its header."""
    return probe_image(open_image(data, max_pixels))


_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.S)
_SVG_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


def _svg_attr(tag: str, name: str) -> str | None:
    match = re.search(rf"""\s{name}\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag)
    return (match.group(1) if match.group(1) is not None else match.group(2)) if match else None


def probe_svg(data: bytes) -> tuple[int, int] | None:
    """Width and height of an SVG drawing from its root element (width/height in px, else the
    viewBox), or None when it has neither (a drawing that scales to its box has no size)."""
    match = _SVG_TAG.search(data[:65536])
    if match is None:
        return None
    tag = match.group(0).decode("utf-8", "replace")
    width, height = _svg_attr(tag, "width"), _svg_attr(tag, "height")
    sized = [_SVG_LENGTH.match(v) if v else None for v in (width, height)]
    if sized[0] and sized[1]:
        w, h = (float(m.group(1)) for m in sized)  # type: ignore[union-attr]
    else:
        box = (_svg_attr(tag, "viewBox") or "").replace(",", " ").split()
        try:
            w, h = float(box[2]), float(box[3])
        except (IndexError, ValueError):
            return None
    if w <= 0 or h <= 0:
        return None
    return max(1, round(w)), max(1, round(h))
