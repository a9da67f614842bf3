"""markdown-it-py's HTML renderer with the per-token work inlined: the same bytes, sooner.

`RendererHTML.render` calls a bound rule or `renderToken` for every token, and the stock
`text` rule calls `escapeHtml`: three Python calls for each word run of a post, ~400,000 for a
750-post site. `FastRendererHTML` renders the commonest tokens in its own loop instead:

- `text`, `softbreak`, `hardbreak`, `html_inline` and `html_block`, as long as the rule in
  `self.rules` is still markdown-it-py's own (a plugin or `add_render_rule` that replaces one is
  called as before);
- every token without a rule (paragraphs, lists, emphasis, links, table cells…) by
  `renderToken`, rewritten here with the same output: hidden tokens give nothing, a block opening
  after a hidden token gets a newline first, attributes are escaped with `escapeHtml`'s four
  replacements, and a block tag ends its line unless it holds inline content or closes at once.
  The loops write the commonest results themselves: nothing for a hidden token, `</p>\n` for a
  block's closing tag without attributes, `<em>` for a bare inline tag.

Every other token goes to its rule with the stock signature, so the render rules of
sitegen.markdown (headings, fences, footnotes, task items, inline code) are unchanged; those that
call `self.renderToken` or `self.renderAttrs` get the versions below. `make_parser(fast=False)`
keeps the stock renderer; tests/markdown/test_fasthtml.py compares the two.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

_STOCK_TEXT = RendererHTML.text
_STOCK_SOFTBREAK = RendererHTML.softbreak
_STOCK_HARDBREAK = RendererHTML.hardbreak
_STOCK_HTML_INLINE = RendererHTML.html_inline
_STOCK_HTML_BLOCK = RendererHTML.html_block


def _is_stock(rule: object, func: object) -> bool:
    return getattr(rule, "__func__", None) is func


def _attrs(attrs: dict) -> str:
    """`renderAttrs`: ` key="value"` for each attribute, both escaped like `escapeHtml`."""
    out = []
    for key, value in attrs.items():
        value = str(value)
        if "&" in value or "<" in value or ">" in value or '"' in value:  # few are: skip four calls
            value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        if "&" in key or "<" in key or ">" in key or '"' in key:
            key = key.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        out.append(f' {key}="{value}"')
    return "".join(out)


class FastRendererHTML(RendererHTML):
    """`RendererHTML` whose loops render the common tokens themselves (see the module docstring)."""

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        rules = self.rules
        html_block = _is_stock(rules.get("html_block"), _STOCK_HTML_BLOCK)
        inline = self._inline_plan(options)
        render_children = self._render_children
        render_token = self.renderToken
        out: list[str] = []
        append = out.append
        for i, token in enumerate(tokens):
            kind = token.type
            if kind == "inline":
                if token.children:
                    append(render_children(token.children, options, env, inline))
            elif kind == "html_block" and html_block:
                append(token.content)
            elif kind in rules:
                append(rules[kind](tokens, i, options, env))
            elif token.hidden:
                continue  # renderToken gives it nothing (tight lists' paragraphs)
            elif token.nesting == -1 and token.block and not token.attrs:
                append("</" + token.tag + ">\n")  # renderToken for a block's closing tag
            else:
                append(render_token(tokens, i, options, env))
        return "".join(out)

    def renderInline(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        return self._render_children(tokens, options, env, self._inline_plan(options))

    def _inline_plan(self, options: OptionsDict) -> tuple[bool, bool, str | None, str | None]:
        """Which inline rules are still the stock ones: (text, html_inline, softbreak's HTML,
        hardbreak's HTML); None where a rule of someone else's must be called."""
        rules = self.rules
        br = "<br />\n" if options["xhtmlOut"] else "<br>\n"
        return (
            _is_stock(rules.get("text"), _STOCK_TEXT),
            _is_stock(rules.get("html_inline"), _STOCK_HTML_INLINE),
            (br if options["breaks"] else "\n") if _is_stock(rules.get("softbreak"), _STOCK_SOFTBREAK) else None,
            br if _is_stock(rules.get("hardbreak"), _STOCK_HARDBREAK) else None,
        )

    def _render_children(
        self,
        tokens: Sequence[Token],
        options: OptionsDict,
        env: EnvType,
        plan: tuple[bool, bool, str | None, str | None],
    ) -> str:
        text, html_inline, softbreak, hardbreak = plan
        rules = self.rules
        render_token = self.renderToken
        out: list[str] = []
        append = out.append
        for i, token in enumerate(tokens):
            kind = token.type
            if kind == "text" and text:
                content = token.content
                # Most text needs no escaping; four `in` tests cost less than four replace calls.
                if "&" in content or "<" in content or ">" in content or '"' in content:
                    content = (content.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                               .replace('"', "&quot;"))
                append(content)
            elif kind == "softbreak" and softbreak is not None:
                append(softbreak)
            elif kind in rules:
                if kind == "html_inline" and html_inline:
                    append(token.content)
                elif kind == "hardbreak" and hardbreak is not None:
                    append(hardbreak)
                else:
                    append(rules[kind](tokens, i, options, env))
            elif token.nesting and not (token.attrs or token.block or token.hidden):
                # renderToken for a bare inline tag: `<em>`, `</strong>`, `</a>`.
                append(("</" if token.nesting == -1 else "<") + token.tag + ">")
            else:
                append(render_token(tokens, i, options, env))
        return "".join(out)

    def renderToken(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        if token.hidden:
            return ""
        nesting = token.nesting
        attrs = _attrs(token.attrs) if token.attrs else ""
        slash = " /" if nesting == 0 and options["xhtmlOut"] else ""
        if not token.block:
            return f"{'</' if nesting == -1 else '<'}{token.tag}{attrs}{slash}>"
        lead = "\n" if nesting != -1 and idx and tokens[idx - 1].hidden else ""
        end = ">\n"
        if nesting == 1 and idx + 1 < len(tokens):
            following = tokens[idx + 1]
            if following.type == "inline" or following.hidden or (
                following.nesting == -1 and following.tag == token.tag
            ):
                end = ">"
        return f"{lead}{'</' if nesting == -1 else '<'}{token.tag}{attrs}{slash}{end}"

    @staticmethod
    def renderAttrs(token: Token) -> str:
        return _attrs(token.attrs) if token.attrs else ""
