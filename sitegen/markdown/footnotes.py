"""Render rules for footnotes: per-document id prefixes, one back-link per citation."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict


def _words(options: OptionsDict) -> tuple[str, str, str]:
    """The translatable words: the notes' title, "Note" (before a reference's number) and the
    back-link's label ([strings] notes, note, back_to_reference)."""
    return options.get("footnote_words") or ("Notes", "Note", "Back to reference")


def footnote_ids(env: EnvType) -> str:
    """The per-document part of footnote ids: `fn-<docId>-1`, `fnref-<docId>-1:2`.

    `docId` never contains `:` (see `render`), so the `:k` of a repeated citation cannot
    make one document's id equal another's.
    """
    doc_id = env.get("docId")
    return f"{doc_id}-" if isinstance(doc_id, str) and doc_id else ""


def render_footnote_ref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    n = meta["id"] + 1
    prefix = footnote_ids(env)
    sub = meta.get("subId", 0)
    # Every citation gets its own id so each one has its own back-link.
    ref_id = f"fnref-{prefix}{n}" + (f":{sub + 1}" if sub > 0 else "")
    note = escapeHtml(_words(options)[1])
    # "Note 1" to a screen reader, not a bare "1".
    return (f'<sup class="footnote-ref"><a href="#fn-{prefix}{n}" id="{ref_id}">'
            f'<span class="visually-hidden">{note} </span>{n}</a></sup>')


def render_footnote_block_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    title = escapeHtml(_words(options)[0])
    heading_id = f"footnotes-{footnote_ids(env)}".rstrip("-")
    return (
        f'<hr class="footnotes-sep">\n<section class="footnotes" aria-labelledby="{heading_id}">\n'
        f'<h2 class="footnotes-title" id="{heading_id}">{title}</h2>\n'
        '<ol class="footnotes-list">\n'
    )


def render_footnote_block_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</ol>\n</section>\n"


def render_footnote_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    n = tokens[idx].meta["id"] + 1
    return f'<li id="fn-{footnote_ids(env)}{n}" class="footnote-item">'


def render_footnote_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</li>\n"


def render_footnote_anchor(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    n = meta["id"] + 1
    sub = meta["subId"]
    ref_id = f"fnref-{footnote_ids(env)}{n}" + (f":{sub + 1}" if sub > 0 else "")
    label = f"{escapeHtml(_words(options)[2])} {n}" + (f"-{sub + 1}" if sub > 0 else "")
    # U+FE0E keeps ↩ a text glyph; iOS would otherwise draw an emoji.
    mark = "\u21a9\ufe0e" + (f"<sup>{sub + 1}</sup>" if sub > 0 else "")
    return f' <a href="#{ref_id}" class="footnote-backref" aria-label="{label}">{mark}</a>'
