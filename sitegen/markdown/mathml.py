"""`$…$` and `$$…$$` → MathML at build time (latex2mathml, imported on first use)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict


def math_to_html(tex: str, options: dict[str, Any]) -> str:
    # Imported on first use: latex2mathml costs ~60 ms to import and few posts have math.
    from latex2mathml.converter import convert

    try:
        return convert(tex, display="block" if options.get("display_mode") else "inline")
    # latex2mathml raises a zoo of exception types for TeX it cannot read; a post must
    # still build, so show the source instead.
    except Exception:
        return f'<code class="math">{escapeHtml(tex)}</code>'


def render_math_inline_double(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    content = math_to_html(tokens[idx].content.strip(), {"display_mode": True})
    return f'<span class="math display">{content}</span>'
