"""Fenced code blocks on the page: highlighted code, or a runbook step's captioned figure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from sitegen.fence import FenceInfo
from sitegen.markdown.highlight import Highlighter

FENCE_META_KEY = "sitegen"
"""Token meta key under which the token walk leaves a fence's `FenceBlock`."""
# Step attributes the caption shows in their own words; the rest are listed generically.
_STEP_SPECIAL = frozenset({"name", "on", "arch", "write", "include"})


@dataclass
class FenceBlock:
    """What the `fence` render rule needs, worked out during the token walk."""

    lang: str
    code: str
    info: FenceInfo
    """The parsed info string: classes, line options, a step's attributes."""
    step_name: str = ""
    """Set for runbook steps."""


def fence_rule(highlighter: Highlighter) -> Callable[..., str]:
    """The `fence` render rule; formatting only, the token walk has done the thinking."""

    def render_fence(
        self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        fence: FenceBlock = tokens[idx].meta[FENCE_META_KEY]
        code = fence.code
        # markdown-it ends every non-empty fence with a newline; included files may not.
        if code and not code.endswith("\n"):
            code += "\n"
        if not fence.step_name:
            return highlighter.code_html(code, fence.lang, fence.info.classes, fence.info)
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
