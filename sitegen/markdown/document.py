"""What rendering a document yields (`Rendered`, `Heading`), and the version cache keys use."""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown_it
import mdit_py_plugins
import pygments
from markdown_it.common.utils import escapeHtml


# The library versions are part of the version because they change the output too
# (a new Pygments lexer, a markdown-it fix); a cache keyed on this never serves stale HTML.
def _dist_version(module: str) -> str:
    """A package's version from its dist-info folder name, without importing it.

    latex2mathml takes ~40 ms to import and most posts have no math; importlib.metadata
    is slow to import too.
    """
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return "none"
    site = Path(spec.origin).resolve().parent.parent
    found = sorted(site.glob(f"{module}-*.dist-info"))
    return found[-1].name[len(module) + 1 : -len(".dist-info")] if found else "unknown"


RENDERER_VERSION = (
    f"7+mdit{markdown_it.__version__}+mditpp{mdit_py_plugins.__version__}"
    f"+pygments{pygments.__version__}+l2m{_dist_version('latex2mathml')}"
)
"""Changes whenever the HTML for the same input may change; use it in cache keys."""

MD_LINK_PREFIX = "sitegen-md:"
"""Scheme-like prefix of the placeholder href emitted for links to `.md` files."""

IMG_PREFIX = "sitegen-img:"
"""Prefix of the placeholder `src` of a Markdown image; the build replaces the whole `<img>`."""
IMG_IN_LINK_PREFIX = "sitegen-img-in-link:"
"""The same for an image inside a link (`[![alt](a.png)](url)`): no click-through link is added."""


@dataclass(frozen=True)
class Heading:
    level: int
    """1–6, as in `<h1>`…`<h6>`."""
    id: str
    """The element id, unique within the document (`intro`, then `intro-1`)."""
    text: str
    """Plain text of the heading, inline markup stripped."""


@dataclass(frozen=True)
class Rendered:
    html: str
    """Body HTML (no `<html>`/`<body>`)."""
    toc: tuple[Heading, ...]
    """Every heading, in document order."""
    summary: str
    """Plain text of the first top-level paragraph, whitespace collapsed, not shortened; or of
    every paragraph before the summary separator (`<!-- more -->`) when there is one."""
    links: tuple[str, ...]
    """Every author-written href / img src in document order (incl. raw HTML), for the link
    checker; links to `.md` files appear in their placeholder form `sitegen-md:…`."""
    md_links: tuple[str, ...]
    """Targets of links to other pages, as they appear after `sitegen-md:`: relative `.md`
    paths, or `@/path` from content/ (Zola's `@/…`, Hugo's `ref "/…"`), `.md` optional."""
    images: tuple[str, ...]
    """`src` of every Markdown image (`![alt](src)`), in order; in the HTML each `<img>` has
    `src="sitegen-img:SRC"` (or `sitegen-img-in-link:SRC`), see `IMG_TAG_RE`."""
    has_math: bool
    """True when the document contains `$…$` or `$$…$$` math."""
    steps: tuple[str, ...]
    """Names of the runbook-step fences, in order."""
    step_hashes: tuple[str, ...] = ()
    md_link_lines: tuple[int, ...] = ()
    """The line of the file (counting `line_offset`) of each entry of `md_links`."""
    unknown_shortcodes: tuple[tuple[str, int], ...] = ()
    """(shortcode, line of the file) of each Hugo/Zola shortcode sitegen does not know; left as written."""
    summary_marked: bool = False
    """True when the author ended the summary with the separator: it is used as written, not cut."""
    """`sitegen.verification.step_hash` of each step, in the same order as `steps`."""


IMG_TAG_RE = re.compile(r'<img src="sitegen-img(-in-link)?:([^"]*)"([^>]*)>')
"""A placeholder image in `Rendered.html`: (in a link?, escaped src, the other attributes)."""


def md_link_placeholder(target: str) -> str:
    """The exact text that stands for `target` (an entry of `md_links`) in `Rendered.html`."""
    return MD_LINK_PREFIX + escapeHtml(target)
