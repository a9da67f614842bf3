"""One image → resized WebP/AVIF variants: EXIF orientation applied, metadata (EXIF, GPS, XMP) dropped."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from sitegen.images.probe import ImageError, open_image, probe_image, probe_svg

ENCODER_VERSION = "1"
"""Changes whenever the same image and settings may encode differently; part of every cache key."""

MIME = {"avif": "image/avif", "webp": "image/webp"}
_PIL_FORMAT = {"avif": "AVIF", "webp": "WEBP"}
# One thread per AVIF encode: the build runs one worker per core. The speed is a setting
# (`[images] avif_speed`); the figures behind its default are on the configuration page.
_WEBP_METHOD = 4


def writable_formats(wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The formats of `wanted` this Pillow can write (AVIF needs a Pillow built with libavif)."""
    from PIL import features

    return tuple(f for f in wanted if features.check(f))


@dataclass(frozen=True)
class EncodeSettings:
    widths: tuple[int, ...] = (480, 960, 1440)
    formats: tuple[str, ...] = ("avif", "webp")
    """Formats to write, already reduced to those Pillow can write."""
    quality: int = 80
    avif_quality: int = 55
    max_pixels: int = 89_478_485
    avif_speed: int = 8

    @classmethod
    def from_config(cls, cfg: Any) -> EncodeSettings:
        return cls(tuple(cfg.widths), writable_formats(tuple(cfg.formats)), cfg.quality, cfg.avif_quality,
                   cfg.max_pixels, cfg.avif_speed)

    @property
    def key(self) -> str:
        """Everything that changes the encoded bytes, including the Pillow version."""
        import PIL

        text = (f"{ENCODER_VERSION}|{PIL.__version__}|{self.widths}|{self.formats}|{self.quality}|"
                f"{self.avif_quality}|{self.max_pixels}")
        if "avif" in self.formats:  # (appended, so WebP-only caches stay valid)
            text += f"|speed {self.avif_speed}"
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class VariantFile:
    format: str
    """`webp` or `avif`."""
    width: int
    height: int
    name: str
    """File name in the image cache."""


@dataclass(frozen=True)
class Processed:
    """What the build needs to know about one processed image."""

    key: str
    """Cache key: the image's bytes and the settings."""
    width: int
    """Displayed width of the original (EXIF orientation applied)."""
    height: int
    variants: tuple[VariantFile, ...] = ()
    """Resized copies, smallest first per format; empty for animated images."""


def variant_widths(width: int, wanted: tuple[int, ...]) -> list[int]:
    """The configured widths this image can fill, plus its own width when smaller than the largest.

    Never upscaled: a 1000 px photo with widths 480/960/1440 gets 480, 960 and 1000.
    """
    widths = [w for w in sorted(set(wanted)) if w < width]
    if not wanted or width <= max(wanted):
        widths.append(width)
    else:
        widths.append(max(wanted))
    return sorted(set(widths))


def _prepare(im: Any, largest: tuple[int, int]) -> Any:
    """Decode (JPEGs at a reduced DCT scale when that still covers the largest variant), upright, in RGB(A)."""
    from PIL import ImageOps

    if im.format == "JPEG":
        # draft() picks the smallest scale still at least this big: same output, far less to decode.
        im.draft("RGB", largest)
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGB", "RGBA", "L"):
        return im
    if (im.mode in ("LA", "PA", "P") and im.has_transparency_data) or im.mode == "RGBa":
        return im.convert("RGBA")
    return im.convert("RGB")


def encode(data: bytes, settings: EncodeSettings, key: str) -> tuple[Processed, list[tuple[VariantFile, bytes]]]:
    """Encode every variant of one image; ImageError for anything Pillow cannot read."""
    from PIL import Image

    if data.lstrip()[:1] == b"<":
        # SVG scales without variants; its size still reserves the space on the page.
        size = probe_svg(data)
        if size is None:
            raise ImageError("an SVG drawing without width/height or viewBox")
        return Processed(key, *size), []
    im = open_image(data, settings.max_pixels)
    try:
        info = probe_image(im)
        if info.animated or not settings.formats:
            im.load()  # a truncated or corrupt file fails here, not in the browser
            return Processed(key, info.width, info.height), []
        widths = variant_widths(info.width, settings.widths)
        scale = widths[-1] / info.width
        # draft() works in the file's own orientation.
        raw_w, raw_h = im.size
        largest = (max(1, round(raw_w * scale)), max(1, round(raw_h * scale)))
        upright = _prepare(im, largest)
        icc = im.info.get("icc_profile")
        files: list[tuple[VariantFile, bytes]] = []
        for width in widths:
            height = max(1, round(info.height * width / info.width))
            if upright.size == (width, height):
                resized = upright
            else:
                resized = upright.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
            for fmt in settings.formats:
                buf = io.BytesIO()
                # No exif= or xmp=: Pillow writes metadata only when asked, so GPS and camera data stay out.
                options: dict[str, Any] = {"icc_profile": icc} if icc else {}
                if fmt == "avif":
                    options.update(quality=settings.avif_quality, speed=settings.avif_speed, max_threads=1)
                else:
                    options.update(quality=settings.quality, method=_WEBP_METHOD)
                resized.save(buf, _PIL_FORMAT[fmt], **options)
                files.append((VariantFile(fmt, width, height, f"{key}-{width}.{fmt}"), buf.getvalue()))
    except ImageError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageError(f"cannot decode the image: {exc}") from None
    finally:
        im.close()
    variants = tuple(sorted((v for v, _ in files), key=lambda v: (settings.formats.index(v.format), v.width)))
    return Processed(key, info.width, info.height, variants), files
