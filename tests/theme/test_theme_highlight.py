"""The default highlight styles belong to the theme's palette and every token colour in the
generated /highlight.css has at least 4.5:1 contrast against its code background (WCAG AA),
in light and in dark. Computed from the stylesheet itself, not from a list of colours."""

from __future__ import annotations

import re

import pytest

from sitegen.config import SiteConfig
from sitegen.errors import ConfigError
from sitegen.markdown.highlight import highlight_css


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _schemes(css: str) -> dict[str, str]:
    """The light rules, the dark ones under the system's preference, the dark ones the reader chose."""
    light, _, dark = css.partition("@media (prefers-color-scheme: dark){")
    system, _, chosen = dark.partition("\n}\n")
    return {"light": light, "dark": system, "dark-chosen": chosen}


def _colours(block: str) -> tuple[str, dict[str, str]]:
    background = re.search(r"\.highlight\s*\{\s*background-color:\s*(#[0-9a-fA-F]{3,6})", block)
    assert background, block[:200]
    colours = {}
    for m in re.finditer(r"^\s*([^{}\n]+?)\s*\{[^}]*?(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", block, re.M):
        # One rule may style several tokens: `.highlight :is(.k,.kd){…}`.
        group = re.search(r":is\(([^)]*)\)", m.group(1))
        for token in group.group(1).split(",") if group else [m.group(1).strip()]:
            colours[token] = m.group(2)
    return background.group(1), colours


def test_default_styles_are_the_themes_own() -> None:
    from pathlib import Path

    from sitegen.config import load_config

    config = load_config(Path(__file__).resolve().parents[2])
    assert (config.highlight_light, config.highlight_dark) == ("sitegen-light", "sitegen-dark")
    assert SiteConfig.__dataclass_fields__["highlight_light"].default == "sitegen-light"


@pytest.mark.parametrize("scheme", ["light", "dark", "dark-chosen"])
def test_every_token_colour_reaches_4_5_to_1(scheme: str) -> None:
    background, colours = _colours(_schemes(highlight_css())[scheme])
    assert len(colours) >= 20  # the rules were really read
    weak = {rule: (colour, round(_contrast(colour, background), 2))
            for rule, colour in colours.items() if _contrast(colour, background) < 4.5}
    assert weak == {}


def test_the_dark_code_background_sits_on_the_dark_page() -> None:
    """Close to the page's own dark surface (#20222a), not Monokai's olive #272822."""
    background, _ = _colours(_schemes(highlight_css())["dark"])
    assert background.lower() != "#272822"
    assert _contrast(background, "#16171c") < 1.3


def test_the_dark_style_follows_the_system_and_the_readers_choice() -> None:
    """Dark under the system's dark preference unless the reader chose light (the theme's
    toggle sets data-theme on <html>), and whenever the reader chose dark: the same rules."""
    schemes = _schemes(highlight_css())
    system = schemes["dark"].replace("html:not([data-theme=light])", "SCOPE")
    chosen = schemes["dark-chosen"].replace("html[data-theme=dark]", "SCOPE")
    assert system.split() == chosen.split() and "SCOPE .highlight" in system
    # Every dark rule is scoped, so a reader's light choice wins over a dark system.
    assert all(line.startswith("html") for line in schemes["dark-chosen"].splitlines() if line)


def test_plain_tokens_inherit_and_alike_tokens_share_a_rule() -> None:
    css = highlight_css()
    assert "/*" not in css and len(css) < 5000
    # Keywords and their kinds are drawn alike: one rule.
    assert re.search(r"\.highlight :is\(\.k,[^)]*\.kd[^)]*\)\{color:#4338CA;font-weight:bold\}", css)


def test_a_stock_pygments_style_still_works_and_an_unknown_one_is_an_error() -> None:
    assert "@media (prefers-color-scheme: dark){" in highlight_css("friendly", "monokai")
    with pytest.raises(ConfigError, match="sitegen-light"):
        highlight_css("no-such-style")
