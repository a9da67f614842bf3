"""Processed-image facts → HTML: `<picture>` with a `srcset` per format, `sizes`, `width` and `height`.

The original stays the `<img>` fallback and, unless the image already sits inside a link, the
target of a link around the picture (click-through to the full-size file).
"""

from __future__ import annotations

from markupsafe import escape

from sitegen.images.encode import MIME, Processed

Picture = tuple[int, int, tuple[tuple[str, tuple[tuple[str, int], ...]], ...]]
"""(width, height, ((format, ((URL, width), …)), …)): what a page keeps about one processed
image. Plain tuples, so page records load without importing this package."""


def picture(processed: Processed, url_of: dict[str, str]) -> Picture:
    """The facts a page keeps, with each variant file's published URL from `url_of` (name → URL)."""
    sources: dict[str, list[tuple[str, int]]] = {}
    for v in processed.variants:
        sources.setdefault(v.format, []).append((url_of[v.name], v.width))
    return (processed.width, processed.height, tuple((f, tuple(urls)) for f, urls in sources.items()))


def picture_html(pic: Picture, src: str, rest: str, sizes: str, *, linked: bool) -> str:
    """The markup for one image.

    `src` is the original URL as it goes into the HTML (already escaped), `rest` the `<img>`
    attributes after `src` (alt, title, loading…), `linked` true when the image is already
    inside a link, so no second link is wrapped around it.
    """
    width, height, sources = pic
    img = f'<img src="{src}"{rest} width="{width}" height="{height}">'
    if not sources:
        return img
    parts = ["<picture>"]
    for fmt, urls in sources:
        srcset = ", ".join(f"{escape(url)} {w}w" for url, w in urls)
        parts.append(f'<source type="{MIME[fmt]}" srcset="{srcset}" sizes="{escape(sizes)}">')
    parts.append(img)
    parts.append("</picture>")
    body = "".join(parts)
    return body if linked else f'<a class="image-link" href="{src}">{body}</a>'
