"""The Markdown renderer: parse, one walk over the tokens collecting the document's facts, render."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import markdown_it
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from sitegen.errors import ContentError, SitegenError
from sitegen.fence import parse_fence_info
from sitegen.markdown import footnotes, shortcodes
from sitegen.markdown.autolink import autolink_plugin
from sitegen.markdown.dispatch import tokens_built_alike, use_fast_dispatch
from sitegen.markdown.document import IMG_IN_LINK_PREFIX, IMG_PREFIX, MD_LINK_PREFIX, Heading, Rendered
from sitegen.markdown.fastblock import use_fast_block
from sitegen.markdown.fastcode import use_fast_code
from sitegen.markdown.fastemphasis import use_fast_emphasis
from sitegen.markdown.fasthtml import FastRendererHTML
from sitegen.markdown.fastinline import use_fast_inline
from sitegen.markdown.fastlink import use_fast_link
from sitegen.markdown.headings import HEADING_ID_SCHEMES, SCHEMES, custom_id
from sitegen.markdown.highlight import HighlightCache, Highlighter
from sitegen.markdown.linkdest import use_fast_links
from sitegen.markdown.mathml import math_to_html, render_math_inline_double
from sitegen.markdown.shortcodes import REF_PREFIX
from sitegen.markdown.steps import FENCE_META_KEY, FenceBlock, fence_rule
from sitegen.verification import step_hash


@dataclass
class _Walk:
    """Facts collected from one document's tokens."""

    toc: list[Heading] = field(default_factory=list)
    summary: str = ""
    summary_marked: bool = False
    links: list[str] = field(default_factory=list)
    md_links: list[str] = field(default_factory=list)
    md_link_lines: list[int] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    has_math: bool = False
    steps: list[str] = field(default_factory=list)
    step_hashes: list[str] = field(default_factory=list)


_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# Attribute values that are URLs in raw HTML blocks/inline tags (authors write <img>, <a>): `href`
# or `src` in any case (what re.IGNORECASE matches: `ſ` is an `s` too), not after a word
# character or `-`. Spelled out rather than under re.IGNORECASE, whose Unicode case folding made
# the scan of every character twice as slow.
_HTML_URL_RE = re.compile(
    r"""(?:[hH][rR][eE][fF](?<![\w-]....)|[sSſ][rR][cC](?<![\w-]...))\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"""
)
_DOC_ID_UNSAFE_RE = re.compile(r"[^\w./-]+")


def html_urls(raw: str) -> Iterator[re.Match[str]]:
    """`_HTML_URL_RE.finditer(raw)`, trying the pattern only where `href` or `src` starts in the
    lower-cased text (every match starts at one) instead of at every character."""
    low = raw.lower()
    if len(low) != len(raw) or "ſ" in raw:  # positions would not line up; `ſ` is an `s` too
        yield from _HTML_URL_RE.finditer(raw)
        return
    pos = 0
    href = low.find("href")
    src = low.find("src")
    while href >= 0 or src >= 0:
        start = src if href < 0 or 0 <= src < href else href
        match = _HTML_URL_RE.match(raw, start)
        if match is not None:
            yield match
            pos = match.end()
        else:
            pos = start + 1
        if href < pos:
            href = low.find("href", pos) if href >= 0 else -1
        if src < pos:
            src = low.find("src", pos) if src >= 0 else -1


def _plain_text(children: Sequence[Token]) -> str:
    """Inline tokens as plain text: markup and raw HTML tags dropped, breaks become spaces."""
    parts: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline", "math_inline", "math_inline_double"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


# Characters where an inline rule of `render_inline`'s parser other than `text` can start
# (newline, escape, backticks, strikethrough, emphasis, link, image, autolink, entity), and those
# its normalisation rewrites (CR, NUL).
_INLINE_MARKUP = re.compile(r"[\n\r\0\\`~*_\[\]!<&]")

# The block tokens the walk looks at; it passes over the others.
_WALKED = frozenset({"inline", "heading_open", "paragraph_open", "fence", "html_block", "math_block"})

DEFAULT_SUMMARY_SEPARATOR = "<!-- more -->"
# Zola's anchor for the place the summary ends; themes link "Continue reading" to it.
_CONTINUE_READING = '<span id="continue-reading"></span>\n'


def _squeeze(text: str) -> str:
    """Whitespace-insensitive form: `<!--more-->` and `<!-- more -->` are the same marker."""
    return "".join(text.split()).lower()


def _is_relative_md(href: str) -> bool:
    if not href or href[0] in "#/" or _SCHEME_RE.match(href):
        return False
    path = href.split("#", 1)[0].split("?", 1)[0]
    return path.lower().endswith(".md")


def _md_target(href: str) -> str:
    """The `md_links` entry for a link to another page, or "" for any other link.

    Relative `.md` paths stay as written; Zola's `@/blog/x.md` names a file from content/;
    Hugo's `{{< ref >}}` (a `sitegen-ref:` href by now) is either, and may omit `.md`.
    """
    if href.startswith("@/"):
        return href
    if href.startswith(REF_PREFIX):
        ref = href[len(REF_PREFIX):]
        if not ref or ref.startswith("#"):
            return ""
        return "@" + ref if ref.startswith("/") else ref
    return href if _is_relative_md(href) else ""


def _render_heading_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    opening = self.renderToken(tokens, idx, options, env)
    slug = token.attrGet("id")
    if not slug:
        return opening
    text = escapeHtml(token.meta.get("text", ""))
    return f'{opening}<a class="anchor" href="#{escapeHtml(str(slug))}" aria-label="Permalink: {text}">#</a>'


def render_list_item_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A GFM task item's checkbox, labelled by the item's own text (axe `label`)."""
    token = tokens[idx]
    result = self.renderToken(tokens, idx, options, env)
    if token.meta and "checked" in token.meta:
        text = ""
        for tok in tokens[idx + 1:]:
            if tok.type == "inline":
                text = "".join(c.content for c in tok.children or () if c.type in ("text", "code_inline")).strip()
                break
            if tok.type == "list_item_close":
                break
        checked = ' checked=""' if token.meta["checked"] else ""
        label = f' aria-label="{escapeHtml(text)}"' if text else ""
        result += f'<input class="task-list-item-checkbox" disabled="" type="checkbox"{checked}{label}> '
    return result


def render_code_inline(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Inline code; a short word with a hyphen (`-m`, `--yes`) is kept on one line, so a narrow
    screen never breaks it after its dash. Long words may still wrap (no sideways scroll)."""
    token = tokens[idx]
    body = escapeHtml(token.content)
    if "-" in body:
        body = " ".join([f'<span class="nobr">{w}</span>' if "-" in w and len(w) <= 32 else w for w in body.split(" ")])
    return f"<code{self.renderAttrs(token)}>{body}</code>"


# The fast paths follow markdown-it-py 4's own loops and rules line for line, and the tests compare
# them with it on the pinned version; under another major version, or a Token with other fields
# than the ones they set, markdown-it-py's code runs.
FAST_PATHS = markdown_it.__version__.split(".")[0] == "4" and tokens_built_alike()


def make_parser(
    highlighter: Highlighter, footnote_words: tuple[str, str, str], *, fast: bool = True, fast_html: bool | None = None
) -> MarkdownIt:
    """The MarkdownIt instance for documents: CommonMark, GFM tables, strikethrough, task items,
    autolinks, footnotes, math, and our render rules. `fast=False` keeps markdown-it-py's own rule
    loops, link reading and renderer (sitegen.markdown.dispatch and .linkdest give the same tokens
    sooner, .fasthtml the same HTML; tests compare the two). `fast_html` picks the renderer alone
    (default: as `fast`). Both are off under a markdown-it-py the fast paths were not written for."""
    fast_html = (fast if fast_html is None else fast_html) and FAST_PATHS
    fast = fast and FAST_PATHS
    md = MarkdownIt("commonmark", {"html": True, "typographer": False, "xhtmlOut": False},
                    renderer_cls=FastRendererHTML if fast_html else RendererHTML)
    # Only `~~strike~~`: GFM's single-tilde form would strike "~5 to ~10" in prose.
    md.enable(["table", "strikethrough"])
    # markdown-it-py ≥ 4.1 parses GFM task items in its list rule, cheaper than the
    # tasklists plugin's extra pass over every token.
    md.options["tasklists"] = True
    md.options["tasklists_editable"] = False
    # GFM's autolink extension rather than linkify-it: linkify's fuzzy matching turns
    # "README.md" and "main.py" into links to the .md and .py top-level domains.
    md.use(autolink_plugin)
    md.use(footnote_plugin, inline=False)
    # Pandoc's rule for inline math: no space inside the dollars and no digit after the
    # closing one, so "$5 and $10" and "$5-$10" stay prose.
    md.use(
        dollarmath_plugin,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        allow_blank_lines=False,
        double_inline=True,
        renderer=math_to_html,
    )
    # The plugin renders `$$…$$` inside a paragraph as a <div>, which cannot sit in a
    # <p>; a <span> holding block-mode MathML displays the same and stays valid.
    md.add_render_rule("math_inline_double", render_math_inline_double)
    md.options["footnote_words"] = footnote_words
    md.add_render_rule("list_item_open", render_list_item_open)
    md.add_render_rule("code_inline", render_code_inline)
    md.add_render_rule("footnote_ref", footnotes.render_footnote_ref)
    md.add_render_rule("footnote_block_open", footnotes.render_footnote_block_open)
    md.add_render_rule("footnote_block_close", footnotes.render_footnote_block_close)
    md.add_render_rule("footnote_open", footnotes.render_footnote_open)
    md.add_render_rule("footnote_close", footnotes.render_footnote_close)
    md.add_render_rule("footnote_anchor", footnotes.render_footnote_anchor)
    md.add_render_rule("heading_open", _render_heading_open)
    # Our own fence rule instead of `options.highlight`: markdown-it would wrap Pygments'
    # output in a second <pre> (markdown-it-py #256) and could not add the step caption.
    md.add_render_rule("fence", fence_rule(highlighter))
    if fast:
        use_fast_dispatch(md)
        use_fast_block(md)
        use_fast_links(md)
        use_fast_inline(md)
        use_fast_link(md)
        use_fast_code(md)
        use_fast_emphasis(md)
    return md


class Renderer:
    """Markdown → HTML, reusable: build once, call `render()` for each document."""

    def __init__(self, *, heading_ids: str = "sitegen", summary_separator: str = DEFAULT_SUMMARY_SEPARATOR,
                 footnote_words: tuple[str, str, str] = ("Notes", "Note", "Back to reference"),
                 youtube: str = "link") -> None:
        """`heading_ids`: one of HEADING_ID_SCHEMES (see sitegen.markdown.headings).
        `summary_separator`: the raw HTML line or paragraph that ends a post's summary."""
        if heading_ids not in HEADING_ID_SCHEMES:
            raise ValueError(f"unknown heading id scheme {heading_ids!r}")
        self._slugify = SCHEMES[heading_ids]
        if youtube not in shortcodes.YOUTUBE_MODES:
            raise ValueError(f"unknown youtube mode {youtube!r}")
        self._youtube = youtube
        self._separator = _squeeze(summary_separator)
        self.options_key = f"ids={heading_ids}\0more={summary_separator}\0fn={'|'.join(footnote_words)}\0yt={youtube}"
        self._footnote_words = footnote_words
        self._block_md: MarkdownIt | None = None
        """The options as text, for cache keys: the same document renders differently under others."""
        self._inline_md: dict[bool, MarkdownIt] = {}
        self._highlighter = Highlighter()
        self._md = make_parser(self._highlighter, footnote_words)

    def use_highlight_cache(self, cache: HighlightCache | None) -> None:
        """Reuse highlighted code blocks across builds (keyed by language and code)."""
        self._highlighter.cache = cache

    def render_inline(self, text: str, *, links: bool = True) -> tuple[str, str]:
        """One line of inline Markdown (a title, a description) → (HTML, plain text).

        Authors write titles like "Deriving `Functor` in Rust": the page heading shows code,
        while `<title>`, meta tags and feeds want the words alone. `links=False` for titles,
        which themes put inside a link of their own (nested links are invalid HTML).
        """
        if not _INLINE_MARKUP.search(text):
            # Most titles are words alone: no rule but `text` can match them, so markdown-it
            # would give one text token, escaped (tests/markdown/test_fasthtml.py compares).
            return escapeHtml(text), " ".join(text.split())
        md = self._inline_md.get(links)
        if md is None:
            # No raw HTML here: a title such as "Why <div> soup" means the words, not a tag.
            renderer = FastRendererHTML if FAST_PATHS else RendererHTML
            md = MarkdownIt("commonmark", {"html": False}, renderer_cls=renderer).enable(["strikethrough"])
            if not links:
                md.disable(["link", "image", "autolink"])
            self._inline_md[links] = md
        env: dict[str, Any] = {}
        tokens = md.parseInline(text, env)
        html_out = md.renderer.render(tokens, md.options, env)
        children = tokens[0].children if tokens and tokens[0].children else []
        return html_out, _plain_text(children)

    def render(
        self,
        text: str,
        *,
        doc_id: str,
        source: str = "<string>",
        line_offset: int = 0,
        read_include: Callable[[str], str] | None = None,
    ) -> Rendered:
        """Render one document.

        `doc_id` prefixes footnote ids so several documents can share a page; heading ids
        are not prefixed (URLs like `/post/#setup` stay pretty). `source` and `line_offset`
        (lines before `text` in the file, e.g. front matter) only locate errors.
        `read_include(path)` supplies the code of a step fence with `include=path`; the
        engine should record the paths it is asked for, since they are inputs of the output.

        Raises ContentError for a malformed or duplicate runbook step or a failed include;
        any other Markdown renders.
        """
        # `docId` is the footnote plugin's key for the id prefix. It goes into attributes
        # unescaped, so only id-safe characters are kept.
        env: dict[str, Any] = {"docId": _DOC_ID_UNSAFE_RE.sub("_", doc_id)}
        unknown: list[tuple[str, int]] = []
        if shortcodes.might_have_shortcodes(text):
            if self._block_md is None:
                # Block rules only: where the code blocks are, which shortcodes never touch.
                self._block_md = MarkdownIt("commonmark").disable("inline")
            expanded = shortcodes.expand(text, self._block_md, self._youtube)
            text = expanded.text
            unknown = [(kind, line_offset + line) for kind, line in expanded.unknown]
        tokens = self._md.parse(text, env)
        walk = self._walk(tokens, env, source, line_offset, read_include)
        body = self._md.renderer.render(tokens, self._md.options, env)
        return Rendered(
            html=body,
            toc=tuple(walk.toc),
            summary=walk.summary,
            summary_marked=walk.summary_marked,
            links=tuple(walk.links),
            md_links=tuple(walk.md_links),
            md_link_lines=tuple(walk.md_link_lines),
            unknown_shortcodes=tuple(unknown),
            images=tuple(walk.images),
            has_math=walk.has_math,
            steps=tuple(walk.steps),
            step_hashes=tuple(walk.step_hashes),
        )

    # The one pass over the tokens: collects the document's facts and prepares tokens for
    # the render rules (ids, lazy images, placeholder hrefs, fence metadata), so nothing
    # has to search the HTML afterwards.
    def _walk(
        self,
        tokens: list[Token],
        env: EnvType,
        source: str,
        line_offset: int,
        read_include: Callable[[str], str] | None,
    ) -> _Walk:
        walk = _Walk()
        slugs: set[str] = set()
        next_suffix: dict[str, int] = {}
        # Footnote ids share the id namespace with headings; a heading must not take one.
        prefix = footnotes.footnote_ids(env)
        for n in range(1, len(env.get("footnotes", {}).get("list", {})) + 1):
            slugs.add(f"fn-{prefix}{n}")
            slugs.add(f"fnref-{prefix}{n}")
        # Custom ids (`## Title {#id}`) are taken as written; automatic ones must avoid them.
        custom: dict[int, str] = {}
        for idx in [i for i, token in enumerate(tokens) if token.type == "heading_open"]:
            if children := tokens[idx + 1].children:
                last = children[-1]
                if last.type == "text" and (found := custom_id(last.content)) is not None:
                    last.content = found[0].rstrip()
                    custom[idx] = found[1]
                    slugs.add(found[1])
        want_summary = True
        # Top-level paragraphs so far, for a summary ended by the separator.
        paragraphs: list[int] = []
        for idx, token in enumerate(tokens):
            kind = token.type
            if kind not in _WALKED:
                continue
            if kind == "inline":
                if token.children:
                    self._walk_inline(token.children, walk, line_offset + (token.map[0] + 1 if token.map else 1))
            elif kind == "heading_open":
                heading_text = _plain_text(tokens[idx + 1].children or ())
                if idx in custom:
                    unique = custom[idx]
                else:
                    # An id may not be empty (GitHub's and Zola's rules can leave nothing).
                    slug = self._slugify(heading_text) or "section"
                    # Resume counting where this slug left off: a post with hundreds of
                    # identical headings must not cost quadratic time.
                    n = next_suffix.get(slug, 0)
                    unique = f"{slug}-{n}" if n else slug
                    while unique in slugs:
                        n += 1
                        unique = f"{slug}-{n}"
                    next_suffix[slug] = n + 1
                    slugs.add(unique)
                token.attrSet("id", unique)
                token.meta["text"] = heading_text
                walk.toc.append(Heading(level=int(token.tag[1]), id=unique, text=heading_text))
            elif kind == "paragraph_open" and token.level == 0 and not walk.summary_marked:
                if self._separator_paragraph(tokens, idx):
                    self._end_summary(tokens, paragraphs, walk)
                    continue
                paragraphs.append(idx)
                if want_summary:
                    # A paragraph holding only an image has no words to summarise; use the
                    # first one that does.
                    walk.summary = _plain_text(tokens[idx + 1].children or ())
                    want_summary = not walk.summary
            elif kind == "fence":
                token.meta[FENCE_META_KEY] = self._fence(token, walk, source, line_offset, read_include)
            elif kind == "html_block":
                if token.level == 0 and not walk.summary_marked and self._is_separator(token.content):
                    self._end_summary(tokens, paragraphs, walk)
                    token.content = _CONTINUE_READING
                else:
                    self._html_links(token.content, walk)
            elif kind == "math_block":
                walk.has_math = True
        return walk

    def _is_separator(self, text: str) -> bool:
        if len(text) >= 200:
            return False
        # Most paragraphs differ in their first character, which needs no squeezing: the first
        # non-space character, lowered, starts the squeezed text.
        first = self._separator[:1]
        if first and text.lstrip()[:1].lower()[:1] != first:
            return False
        return _squeeze(text) == self._separator

    def _separator_paragraph(self, tokens: list[Token], idx: int) -> bool:
        """A paragraph that is only the separator (a custom one in words, `<!--more-->` inline)
        is dropped from the page."""
        if not self._is_separator(tokens[idx + 1].content):
            return False
        for i in (idx, idx + 1, idx + 2):
            tokens[i].hidden = True
        tokens[idx + 1].children = []
        return True

    @staticmethod
    def _end_summary(tokens: list[Token], paragraphs: list[int], walk: _Walk) -> None:
        """The summary is every top-level paragraph before the separator, in full."""
        texts = (_plain_text(tokens[i + 1].children or ()) for i in paragraphs)
        walk.summary = " ".join(t for t in texts if t)
        walk.summary_marked = True

    def _walk_inline(self, children: list[Token], walk: _Walk, line: int) -> None:
        in_link = 0
        for child in children:
            kind = child.type
            if kind == "text":
                continue
            if kind == "link_close":
                in_link -= 1
            elif kind in ("softbreak", "hardbreak"):
                line += 1
            elif kind == "link_open":
                in_link += 1
                href = str(child.attrGet("href") or "")
                # Most links are to the web, which _md_target passes over.
                target = "" if href.startswith(("https://", "http://")) else _md_target(href)
                if target:
                    walk.md_links.append(target)
                    walk.md_link_lines.append(line)
                    href = MD_LINK_PREFIX + target
                    child.attrSet("href", href)
                walk.links.append(href)
            elif kind == "image":
                src = str(child.attrGet("src") or "")
                walk.links.append(src)
                child.attrSet("loading", "lazy")
                child.attrSet("decoding", "async")
                if src and not src.startswith("data:"):
                    # Size and variants depend on the image file, not on this text: the build
                    # fills them in (see sitegen.images), as it resolves .md links.
                    walk.images.append(src)
                    child.attrSet("src", (IMG_IN_LINK_PREFIX if in_link else IMG_PREFIX) + src)
            elif kind == "html_inline":
                self._html_links(child.content, walk)
            elif kind in ("math_inline", "math_inline_double"):
                walk.has_math = True

    @staticmethod
    def _html_links(raw: str, walk: _Walk) -> None:
        if "=" not in raw:
            return
        for match in html_urls(raw):
            value = match.group(1) if match.group(1) is not None else match.group(2) or match.group(3)
            walk.links.append(html.unescape(value or ""))

    def _fence(
        self,
        token: Token,
        walk: _Walk,
        source: str,
        line_offset: int,
        read_include: Callable[[str], str] | None,
    ) -> FenceBlock:
        line = line_offset + (token.map[0] + 1 if token.map else 1)
        # The raw info string, as the runbook parser reads it, so that a block means the
        # same thing on the page and when it runs. Reading it never fails: an info string is
        # free text, and other tools write their own words there.
        info = parse_fence_info(token.info)
        if not info.is_step:
            return FenceBlock(lang=info.lang, code=token.content, info=info)
        name = str(info.attrs["name"])
        if name in walk.steps:
            raise ContentError(f"runbook step name {name!r} is used twice in this document", source, line)
        code = token.content
        include = info.attrs.get("include")
        # A bare `include` flag shows the fence's own text; `sitegen check` and `run` report it.
        if isinstance(include, str) and include:
            code = self._include(include, read_include, source, line)
        walk.steps.append(name)
        # The same hash `sitegen run` records, so the page can tell whether this text ran clean.
        walk.step_hashes.append(step_hash(info.lang, info.attrs, code))
        return FenceBlock(lang=info.lang, code=code, info=info, step_name=name)

    @staticmethod
    def _include(path: str, read_include: Callable[[str], str] | None, source: str, line: int) -> str:
        if read_include is None:
            raise ContentError(f"cannot include {path!r}: includes are not available here", source, line)
        try:
            return read_include(path)
        except (SitegenError, OSError) as exc:
            detail = exc.message if isinstance(exc, SitegenError) else (exc.strerror or str(exc))
            raise ContentError(f"cannot include {path!r}: {detail}", source, line) from exc
