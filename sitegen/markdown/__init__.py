"""Markdown → HTML for posts and runbooks: pure text in, `Rendered` values out (no file I/O).

One `Renderer` builds its MarkdownIt parser, Pygments formatter and lexer cache once and is
reused for every document. `render()` parses, walks the token stream once to collect what
the engine needs (table of contents, summary, links, runbook steps, math), then renders.

Links between posts are written as relative `.md` paths (`[next](../other.md#part)`). The
renderer does not know URLs, and its output is cached by content hash, so such a link is
emitted as the placeholder ``href="sitegen-md:../other.md#part"`` and the target is listed
in `Rendered.md_links`. The engine resolves each target (relative to the source file, after
splitting off ``#fragment``/``?query`` and percent-decoding the path) and replaces
`md_link_placeholder(target)` in the HTML with the real URL: a plain string replace.

Images work the same way: their size and variants depend on the image file, so each Markdown
image is emitted as ``<img src="sitegen-img:SRC" alt=…>`` and listed in `Rendered.images`; the
build matches `IMG_TAG_RE` and puts the `<picture>` markup (or the plain `<img>`) in its place.
"""

from __future__ import annotations

from sitegen.markdown.document import (
    IMG_TAG_RE,
    MD_LINK_PREFIX,
    RENDERER_VERSION,
    Heading,
    Rendered,
    md_link_placeholder,
)
from sitegen.markdown.highlight import highlight_css
from sitegen.markdown.renderer import Renderer

__all__ = [
    "IMG_TAG_RE",
    "MD_LINK_PREFIX",
    "RENDERER_VERSION",
    "Heading",
    "Rendered",
    "Renderer",
    "highlight_css",
    "md_link_placeholder",
]
