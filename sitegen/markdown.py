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
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from io import StringIO
from typing import Any, Protocol

import markdown_it
import mdit_py_plugins
import pygments
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.styles import get_all_styles
from pygments.util import ClassNotFound

from sitegen.errors import ConfigError, ContentError, SitegenError
from sitegen.fence import FenceInfo, FenceInfoError, parse_fence_info

__all__ = [
    "MD_LINK_PREFIX",
    "RENDERER_VERSION",
    "Heading",
    "Rendered",
    "Renderer",
    "highlight_css",
    "md_link_placeholder",
]

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
    f"2+mdit{markdown_it.__version__}+mditpp{mdit_py_plugins.__version__}"
    f"+pygments{pygments.__version__}+l2m{_dist_version('latex2mathml')}"
)
"""Changes whenever the HTML for the same input may change; use it in cache keys."""

MD_LINK_PREFIX = "sitegen-md:"
"""Scheme-like prefix of the placeholder href emitted for links to `.md` files."""


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
    """Plain text of the first top-level paragraph, whitespace collapsed, not shortened."""
    links: tuple[str, ...]
    """Every author-written href / img src in document order (incl. raw HTML), for the link
    checker; links to `.md` files appear in their placeholder form `sitegen-md:…`."""
    md_links: tuple[str, ...]
    """Targets of relative links to `.md` files, as they appear after `sitegen-md:`."""
    has_math: bool
    """True when the document contains `$…$` or `$$…$$` math."""
    steps: tuple[str, ...]
    """Names of the runbook-step fences, in order."""


def md_link_placeholder(target: str) -> str:
    """The exact text that stands for `target` (an entry of `md_links`) in `Rendered.html`."""
    return MD_LINK_PREFIX + escapeHtml(target)


def highlight_css(light: str = "default", dark: str = "monokai") -> str:
    """Pygments CSS for `pre.highlight`; the `dark` style applies under `prefers-color-scheme: dark`.

    Raises ConfigError for a style name Pygments does not know.
    """

    def rules(style: str) -> str:
        try:
            formatter = HtmlFormatter(style=style)
        except ClassNotFound:
            known = ", ".join(sorted(get_all_styles()))
            raise ConfigError(f"unknown highlight style {style!r} (known: {known})") from None
        # Only the scoped rules: `get_style_defs()` also emits a global `pre { … }` rule,
        # which would restyle every `<pre>` of the theme.
        scope = ".highlight"
        return "\n".join(
            [*formatter.get_background_style_defs(scope), *formatter.get_token_style_defs(scope)]
        )

    dark_rules = "\n".join("  " + line for line in rules(dark).splitlines())
    return f"{rules(light)}\n@media (prefers-color-scheme: dark) {{\n{dark_rules}\n}}\n"


# --- per-document state -------------------------------------------------------------------


@dataclass
class _Fence:
    """What the `fence` render rule needs, worked out during the token walk."""

    lang: str
    code: str
    classes: tuple[str, ...] = ()
    """`.class` words from the braces, for the `<pre>` or the step's `<figure>`."""
    info: FenceInfo | None = None
    """Set for runbook steps (fences with `{…}` attributes)."""
    step_name: str = ""


@dataclass
class _Walk:
    """Facts collected from one document's tokens."""

    toc: list[Heading] = field(default_factory=list)
    summary: str = ""
    links: list[str] = field(default_factory=list)
    md_links: list[str] = field(default_factory=list)
    has_math: bool = False
    steps: list[str] = field(default_factory=list)


_ENV_KEY = "sitegen"
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# Attribute values that are URLs in raw HTML blocks/inline tags (authors write <img>, <a>).
_HTML_URL_RE = re.compile(
    r"""(?<![\w-])(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE
)
_SLUG_DROP_RE = re.compile(r"[^\w\- ]")
_DOC_ID_UNSAFE_RE = re.compile(r"[^\w./-]+")
# Step attributes the caption shows in their own words; the rest are listed generically.
_STEP_SPECIAL = frozenset({"name", "on", "arch", "write", "include"})


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


def _slugify(text: str) -> str:
    # GitHub's rule (lower-case, keep letters/digits/-/_, spaces to hyphens) so anchors
    # written for GitHub keep working; `\w` is Unicode-aware, so "Überblick" stays readable.
    slug = _SLUG_DROP_RE.sub("", text.lower()).replace(" ", "-")
    return slug or "section"


def _is_relative_md(href: str) -> bool:
    if not href or href[0] in "#/" or _SCHEME_RE.match(href):
        return False
    path = href.split("#", 1)[0].split("?", 1)[0]
    return path.lower().endswith(".md")


# --- Pygments ---------------------------------------------------------------------------


class HighlightCache(Protocol):
    """Highlighted code by (language, code) key; the engine keeps one across builds."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, html: str) -> None: ...


class _Highlighter:
    """Pygments with one formatter and a per-language lexer cache (lexer lookup is slow)."""

    def __init__(self) -> None:
        self._formatter = HtmlFormatter(nowrap=True)
        self.cache: HighlightCache | None = None
        """Optional: a hit skips Pygments, whose lexers compile their regexes on first use in
        each process (tens of ms per language) — most of a one-post rebuild for code-heavy posts."""
        self._lexers: dict[str, Lexer | None] = {}
        self._builtin: frozenset[str] | None = None

    def lexer(self, lang: str) -> Lexer | None:
        try:
            return self._lexers[lang]
        except KeyError:
            pass
        if self._builtin is None:
            # Built-in lexers only. For a name it does not know, Pygments scans the
            # `pygments.lexers` entry points of every installed package; an installed
            # IPython then imports IPython and jedi (~0.5 s, and jedi raises the recursion
            # limit). Output must not depend on what else happens to be installed, either.
            self._builtin = frozenset(
                alias for _, aliases, _, _ in get_all_lexers(plugins=False) for alias in aliases
            )
        found: Lexer | None = None
        if lang in self._builtin:
            # stripnl=False: leading/trailing blank lines are part of what the author wrote.
            found = get_lexer_by_name(lang, stripnl=False, ensurenl=True)
        # Unknown names are cached too, but the cache must not grow without bound on
        # adversarial input (every fence a different made-up language).
        if len(self._lexers) < 1024:
            self._lexers[lang] = found
        return found

    def code_html(self, code: str, lang: str, classes: tuple[str, ...] = ()) -> str:
        """`<pre>` for one block: highlighted when Pygments knows `lang`, escaped otherwise."""
        lang_attr = f' class="language-{escapeHtml(lang)}"' if lang else ""
        body = None
        key = ""
        if self.cache is not None and lang and code:
            # Looked up before the lexer: creating a lexer is what compiles its regexes.
            key = hashlib.blake2b(f"{lang}\0{code}".encode(), digest_size=16).hexdigest()
            body = self.cache.get(key)
        if body is not None:
            pre_class = " ".join(("highlight", *classes))
        else:
            lexer = self.lexer(lang) if lang else None
            if lexer is None or not code:
                pre_class = " ".join(classes)
                body = escapeHtml(code)
            else:
                pre_class = " ".join(("highlight", *classes))
                out = StringIO()
                self._formatter.format(lexer.get_tokens(code), out)
                body = out.getvalue()
                if self.cache is not None:
                    self.cache.put(key, body)
        pre_attr = f' class="{escapeHtml(pre_class)}"' if pre_class else ""
        # tabindex: a code block that scrolls sideways must be reachable from the keyboard.
        return f'<pre{pre_attr} tabindex="0"><code{lang_attr}>{body}</code></pre>\n'


# --- math ---------------------------------------------------------------------------------


def _math_to_html(tex: str, options: dict[str, Any]) -> str:
    # Imported on first use: latex2mathml costs ~60 ms to import and few posts have math.
    from latex2mathml.converter import convert

    try:
        return convert(tex, display="block" if options.get("display_mode") else "inline")
    # latex2mathml raises a zoo of exception types for TeX it cannot read; a post must
    # still build, so show the source instead.
    except Exception:
        return f'<code class="math">{escapeHtml(tex)}</code>'


def _render_math_inline_double(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    content = _math_to_html(tokens[idx].content.strip(), {"display_mode": True})
    return f'<span class="math display">{content}</span>'


# --- render rules -------------------------------------------------------------------------


def _footnote_ids(env: EnvType) -> str:
    """The per-document part of footnote ids: `fn-<docId>-1`, `fnref-<docId>-1:2`.

    `docId` never contains `:` (see `render`), so the `:k` of a repeated citation cannot
    make one document's id equal another's.
    """
    doc_id = env.get("docId")
    return f"{doc_id}-" if isinstance(doc_id, str) and doc_id else ""


def _render_footnote_ref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    n = meta["id"] + 1
    prefix = _footnote_ids(env)
    sub = meta.get("subId", 0)
    # Every citation gets its own id so each one has its own back-link.
    ref_id = f"fnref-{prefix}{n}" + (f":{sub + 1}" if sub > 0 else "")
    return f'<sup class="footnote-ref"><a href="#fn-{prefix}{n}" id="{ref_id}">{n}</a></sup>'


def _render_footnote_block_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return (
        '<hr class="footnotes-sep">\n<section class="footnotes" aria-label="Footnotes">\n'
        '<ol class="footnotes-list">\n'
    )


def _render_footnote_block_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</ol>\n</section>\n"


def _render_footnote_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    n = tokens[idx].meta["id"] + 1
    return f'<li id="fn-{_footnote_ids(env)}{n}" class="footnote-item">'


def _render_footnote_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</li>\n"


def _render_footnote_anchor(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    n = meta["id"] + 1
    sub = meta["subId"]
    ref_id = f"fnref-{_footnote_ids(env)}{n}" + (f":{sub + 1}" if sub > 0 else "")
    label = f"Back to reference {n}" + (f"-{sub + 1}" if sub > 0 else "")
    # U+FE0E keeps ↩ a text glyph; iOS would otherwise draw an emoji.
    mark = "\u21a9\ufe0e" + (f"<sup>{sub + 1}</sup>" if sub > 0 else "")
    return f' <a href="#{ref_id}" class="footnote-backref" aria-label="{label}">{mark}</a>'


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


# --- the renderer -------------------------------------------------------------------------


class Renderer:
    """Markdown → HTML, reusable: build once, call `render()` for each document."""

    def __init__(self) -> None:
        md = MarkdownIt("commonmark", {"html": True, "typographer": False, "xhtmlOut": False})
        # Only `~~strike~~`: GFM's single-tilde form would strike "~5 to ~10" in prose.
        md.enable(["table", "strikethrough"])
        # markdown-it-py ≥ 4.1 parses GFM task items in its list rule, cheaper than the
        # tasklists plugin's extra pass over every token.
        md.options["tasklists"] = True
        md.options["tasklists_editable"] = False
        # GFM's autolink extension rather than linkify-it: linkify's fuzzy matching turns
        # "README.md" and "main.py" into links to the .md and .py top-level domains.
        md.use(gfm_autolink_plugin)
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
            renderer=_math_to_html,
        )
        # The plugin renders `$$…$$` inside a paragraph as a <div>, which cannot sit in a
        # <p>; a <span> holding block-mode MathML displays the same and stays valid.
        md.add_render_rule("math_inline_double", _render_math_inline_double)
        md.add_render_rule("footnote_ref", _render_footnote_ref)
        md.add_render_rule("footnote_block_open", _render_footnote_block_open)
        md.add_render_rule("footnote_block_close", _render_footnote_block_close)
        md.add_render_rule("footnote_open", _render_footnote_open)
        md.add_render_rule("footnote_close", _render_footnote_close)
        md.add_render_rule("footnote_anchor", _render_footnote_anchor)
        md.add_render_rule("heading_open", _render_heading_open)
        # Our own fence rule instead of `options.highlight`: markdown-it would wrap Pygments'
        # output in a second <pre> (markdown-it-py #256) and could not add the step caption.
        self._inline_md: dict[bool, MarkdownIt] = {}
        self._highlighter = _Highlighter()
        md.add_render_rule("fence", _fence_rule(self._highlighter))
        self._md = md

    def use_highlight_cache(self, cache: HighlightCache | None) -> None:
        """Reuse highlighted code blocks across builds (keyed by language and code)."""
        self._highlighter.cache = cache

    def render_inline(self, text: str, *, links: bool = True) -> tuple[str, str]:
        """One line of inline Markdown (a title, a description) → (HTML, plain text).

        Authors write titles like "Deriving `Functor` in Rust": the page heading shows code,
        while `<title>`, meta tags and feeds want the words alone. `links=False` for titles,
        which themes put inside a link of their own (nested links are invalid HTML).
        """
        md = self._inline_md.get(links)
        if md is None:
            # No raw HTML here: a title such as "Why <div> soup" means the words, not a tag.
            md = MarkdownIt("commonmark", {"html": False}).enable(["strikethrough"])
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
        tokens = self._md.parse(text, env)
        walk = self._walk(tokens, env, source, line_offset, read_include)
        body = self._md.renderer.render(tokens, self._md.options, env)
        return Rendered(
            html=body,
            toc=tuple(walk.toc),
            summary=walk.summary,
            links=tuple(walk.links),
            md_links=tuple(walk.md_links),
            has_math=walk.has_math,
            steps=tuple(walk.steps),
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
        prefix = _footnote_ids(env)
        for n in range(1, len(env.get("footnotes", {}).get("list", {})) + 1):
            slugs.add(f"fn-{prefix}{n}")
            slugs.add(f"fnref-{prefix}{n}")
        want_summary = True
        for idx, token in enumerate(tokens):
            kind = token.type
            if kind == "inline":
                if token.children:
                    self._walk_inline(token.children, walk)
            elif kind == "heading_open":
                heading_text = _plain_text(tokens[idx + 1].children or ())
                slug = _slugify(heading_text)
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
            elif kind == "paragraph_open":
                if want_summary and token.level == 0:
                    # A paragraph holding only an image has no words to summarise; use the
                    # first one that does.
                    walk.summary = _plain_text(tokens[idx + 1].children or ())
                    want_summary = not walk.summary
            elif kind == "fence":
                token.meta[_ENV_KEY] = self._fence(token, walk, source, line_offset, read_include)
            elif kind == "html_block":
                self._html_links(token.content, walk)
            elif kind == "math_block":
                walk.has_math = True
        return walk

    def _walk_inline(self, children: list[Token], walk: _Walk) -> None:
        for child in children:
            kind = child.type
            if kind == "link_open":
                href = str(child.attrGet("href") or "")
                if _is_relative_md(href):
                    walk.md_links.append(href)
                    href = MD_LINK_PREFIX + href
                    child.attrSet("href", href)
                walk.links.append(href)
            elif kind == "image":
                walk.links.append(str(child.attrGet("src") or ""))
                child.attrSet("loading", "lazy")
                child.attrSet("decoding", "async")
            elif kind == "html_inline":
                self._html_links(child.content, walk)
            elif kind in ("math_inline", "math_inline_double"):
                walk.has_math = True

    @staticmethod
    def _html_links(raw: str, walk: _Walk) -> None:
        if "=" not in raw:
            return
        for match in _HTML_URL_RE.finditer(raw):
            value = match.group(1) if match.group(1) is not None else match.group(2) or match.group(3)
            walk.links.append(html.unescape(value or ""))

    def _fence(
        self,
        token: Token,
        walk: _Walk,
        source: str,
        line_offset: int,
        read_include: Callable[[str], str] | None,
    ) -> _Fence:
        line = line_offset + (token.map[0] + 1 if token.map else 1)
        # The raw info string, as the runbook parser reads it, so that a block means the
        # same thing on the page and when it runs.
        try:
            info = parse_fence_info(token.info)
        except FenceInfoError as exc:
            raise ContentError(f"bad runbook step attributes: {exc}", source, line) from exc
        # Braces holding only `.class` words are a rendering hint, not a step (as in
        # sitegen.runbook): the classes go on the <pre>.
        if not info.has_braces or not info.attrs:
            return _Fence(lang=info.lang, code=token.content, classes=info.classes)
        name = info.attrs.get("name", "")
        if not isinstance(name, str):
            raise ContentError("runbook step attribute name needs a value", source, line)
        # Unnamed steps are numbered among the document's steps, as the runbook parser does.
        name = name or f"step-{len(walk.steps) + 1}"
        if name in walk.steps:
            raise ContentError(f"runbook step name {name!r} is used twice in this document", source, line)
        code = token.content
        if "include" in info.attrs:
            code = self._include(info.attrs["include"], read_include, source, line)
        walk.steps.append(name)
        return _Fence(lang=info.lang, code=code, classes=info.classes, info=info, step_name=name)

    @staticmethod
    def _include(
        path: str | bool, read_include: Callable[[str], str] | None, source: str, line: int
    ) -> str:
        if not isinstance(path, str) or not path:
            raise ContentError("include= needs a file path", source, line)
        if read_include is None:
            raise ContentError(f"cannot include {path!r}: includes are not available here", source, line)
        try:
            return read_include(path)
        except (SitegenError, OSError) as exc:
            detail = exc.message if isinstance(exc, SitegenError) else (exc.strerror or str(exc))
            raise ContentError(f"cannot include {path!r}: {detail}", source, line) from exc


def _fence_rule(highlighter: _Highlighter) -> Callable[..., str]:
    """The `fence` render rule; formatting only, the token walk has done the thinking."""

    def render_fence(
        self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        fence: _Fence = tokens[idx].meta[_ENV_KEY]
        code = fence.code
        # markdown-it ends every non-empty fence with a newline; included files may not.
        if code and not code.endswith("\n"):
            code += "\n"
        if fence.info is None:
            return highlighter.code_html(code, fence.lang, fence.classes)
        return _step_figure(fence.info, fence.step_name, highlighter.code_html(code, fence.lang))

    return render_fence


def _step_figure(info: FenceInfo, name: str, pre: str) -> str:
    attrs = info.attrs

    def text(key: str) -> str | None:
        value = attrs.get(key)
        return escapeHtml(value) if isinstance(value, str) else None

    caption = [f'<span class="step-name">{escapeHtml(name)}</span>']
    if host := text("on"):
        caption.append(f'<span class="step-host">on {host}</span>')
    if arch := text("arch"):
        caption.append(f'<span class="step-arch">{arch}</span>')
    if written := text("write"):
        caption.append(f'<span class="step-write">writes <code>{written}</code></span>')
    if included := text("include"):
        caption.append(f'<span class="step-include">from <code>{included}</code></span>')
    for key, value in attrs.items():
        if key in _STEP_SPECIAL:
            continue
        if value is True:
            caption.append(f'<span class="step-flag">{escapeHtml(key)}</span>')
        elif value is not False:
            caption.append(f'<span class="step-attr">{escapeHtml(key)}={escapeHtml(value)}</span>')
    classes = " ".join(["step", *(escapeHtml(c) for c in info.classes)])
    return (
        f'<figure class="{classes}" data-step="{escapeHtml(name)}">'
        f'<figcaption>{" ".join(caption)}</figcaption>\n{pre}</figure>\n'
    )
