"""style.css: colour tokens in light and dark meet WCAG AA, and every token used is defined."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from theme_site import STYLE_CSS

CSS = STYLE_CSS.read_text(encoding="utf-8")

# (text, background) pairs the theme actually puts together. Normal-size text needs 4.5:1.
TEXT_PAIRS = [
    ("fg", "bg"), ("fg-strong", "bg"), ("fg-soft", "bg"), ("muted", "bg"), ("accent", "bg"),
    ("accent-strong", "bg"),
    ("fg", "surface"), ("fg-strong", "surface"), ("fg-soft", "surface"), ("muted", "surface"),
    ("accent", "surface"),
    ("accent", "accent-bg"),  # tags, buttons, the step host
    ("bg", "accent"),  # hovered tags and buttons, the current page number
    ("bg", "fg-strong"),  # the skip link
    ("code-fg", "code-bg"), ("badge-fg", "badge-bg"), ("mark-fg", "mark-bg"), ("fg-strong", "mark-bg"),
    ("ok-fg", "ok-bg"), ("drift-fg", "drift-bg"),  # step cards: verified, changed since it ran clean
]
# 3:1 is enough for the focus ring (non-text contrast, WCAG 1.4.11) and for very large text
# (the 404 page's ornamental number).
UI_PAIRS = [("focus", "bg"), ("focus", "surface"), ("ornament", "bg")]


def _block(source: str, start: int) -> str:
    """The text between the brace at `start` and its matching close."""
    depth = 0
    for i in range(start, len(source)):
        if source[i] == "{":
            depth += 1
        elif source[i] == "}":
            depth -= 1
            if depth == 0:
                return source[start + 1 : i]
    raise AssertionError("unbalanced braces in style.css")


def _tokens(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+)\s*:\s*([^;]+);", block))


def _root_tokens(source: str) -> dict[str, str]:
    match = re.search(r"(?m)^:root\s*\{", source)
    assert match, "no :root block"
    return _tokens(_block(source, match.end() - 1))


def _media_block(query: str) -> str:
    match = re.search(r"@media\s*\(\s*" + query + r"\s*\)\s*\{", CSS)
    assert match, f"no @media ({query})"
    return _block(CSS, match.end() - 1)


def _without_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


LIGHT = _root_tokens(_without_comments(CSS))
DARK = {**LIGHT, **_tokens(_without_comments(_media_block(r"prefers-color-scheme:\s*dark")))}


def luminance(color: str) -> float:
    """Relative luminance of #rgb or #rrggbb (WCAG 2.x)."""
    hexa = color.strip().lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", hexa), f"not a hex colour: {color!r}"

    def channel(byte: str) -> float:
        c = int(byte, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(hexa[i : i + 2]) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_luminance_function_matches_known_values() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#123456", "#123456") == pytest.approx(1.0)


def test_dark_scheme_overrides_the_colours() -> None:
    assert "color-scheme: light dark" in CSS
    changed = {name for name in LIGHT if DARK[name] != LIGHT[name]}
    assert {"bg", "fg", "muted", "accent", "surface", "code-bg"} <= changed


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("text", "background"), TEXT_PAIRS)
def test_text_contrast_is_wcag_aa(scheme: str, text: str, background: str) -> None:
    tokens = LIGHT if scheme == "light" else DARK
    ratio = contrast(tokens[text], tokens[background])
    assert ratio >= 4.5, f"{scheme}: --{text} on --{background} is {ratio:.2f}:1"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("ui", "background"), UI_PAIRS)
def test_focus_ring_and_large_text_contrast(scheme: str, ui: str, background: str) -> None:
    tokens = LIGHT if scheme == "light" else DARK
    assert contrast(tokens[ui], tokens[background]) >= 3.0


def test_every_custom_property_used_is_defined() -> None:
    used = set(re.findall(r"var\(--([\w-]+)", CSS))
    # --depth (contents entries) and --weight (tag cloud) are set inline by the templates, with fallbacks.
    undefined = used - set(LIGHT) - {"depth", "weight"}
    assert not undefined, f"used but never defined: {sorted(undefined)}"
    assert set(DARK) == set(LIGHT), "the dark scheme may only override tokens the light scheme defines"


def test_typography_uses_system_fonts_and_a_readable_measure() -> None:
    assert "system-ui" in LIGHT["font-sans"] and "ui-monospace" in LIGHT["font-mono"]
    measure = re.fullmatch(r"([\d.]+)rem", LIGHT["measure"])
    assert measure and 36 <= float(measure.group(1)) <= 46, "about 65 characters a line"
    assert re.search(r"body\s*\{[^}]*line-height:\s*1\.[5-7]", CSS)


def test_code_blocks_scale_with_the_body_text_and_chips_survive_striped_rows() -> None:
    """Body text grows with the viewport (a clamp() in rem); code blocks follow it in em, not a
    fixed rem. Inline code on an even table row keeps a background of its own."""
    pre = re.search(r"(?m)^pre \{([^}]*overflow-x[^}]*)\}", CSS)
    assert pre and re.search(r"font-size:\s*0\.\d+em", pre.group(1))
    row = re.search(r"tbody tr:nth-child\(even\) \{[^}]*background:\s*var\((--[\w-]+)\)", CSS)
    chip = re.search(r"tbody tr:nth-child\(even\) code \{[^}]*background:\s*var\((--[\w-]+)\)", CSS)
    assert row and chip and row.group(1) != chip.group(1)


def test_the_chosen_dark_scheme_has_the_same_tokens_as_the_systems() -> None:
    """Dark comes from the system's preference or from the reader's toggle (data-theme="dark"):
    two blocks of the same tokens, and light chosen on a dark system keeps the light ones."""
    source = _without_comments(CSS)
    media = _media_block(r"prefers-color-scheme:\s*dark")
    assert re.search(r':root:not\(\[data-theme="light"\]\)\s*\{', media)
    chosen = re.search(r'(?m)^:root\[data-theme="dark"\]\s*\{', source)
    assert chosen
    assert _tokens(_block(source, chosen.end() - 1)) == _tokens(_without_comments(media))


def test_theme_stylesheets_are_published_minified_and_a_sites_own_as_written(tmp_path: Path) -> None:
    from sitegen.engine import Builder
    from sitegen.theme import minify_css

    css = minify_css('/* a */ .a :is(.b, .c) {\n  width: calc(1rem + 2px);\n  content: "x  /* y */ ;";\n}\n')
    assert css == '.a :is(.b,.c){width:calc(1rem + 2px);content:"x  /* y */ ;"}'
    site = tmp_path / "site"
    (site / "content" / "blog").mkdir(parents=True)
    (site / "sitegen.toml").write_text('title = "T"\nbase_url = "https://t.example"\n')
    Builder(site, tmp_path / "out", cache_dir=tmp_path / "cache").build()
    published = (tmp_path / "out" / "style.css").read_text()
    assert "/*" not in published and len(published) < 0.8 * len(CSS)
    assert published == minify_css(CSS)
    (site / "static").mkdir()
    (site / "static" / "style.css").write_text("/* mine */\nbody { color: red; }\n")
    Builder(site, tmp_path / "out", cache_dir=tmp_path / "cache").build()
    assert (tmp_path / "out" / "style.css").read_text() == "/* mine */\nbody { color: red; }\n"
