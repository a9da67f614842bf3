"""The default theme's own Pygments styles: code colours from the theme's palette (its indigo
accent, green, rust and teal), every token at least 4.5:1 against the code background in light
and dark (tests/theme/test_theme_highlight.py computes it from the generated stylesheet)."""

from __future__ import annotations

from typing import Any, ClassVar

from pygments.style import Style
from pygments.token import (
    Comment,
    Error,
    Generic,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Token,
)


class SitegenLight(Style):
    name = "sitegen-light"
    background_color = "#f5f3ee"
    highlight_color = "#e6e2f7"
    line_number_color = "#5f6470"
    styles: ClassVar[dict[Any, str]] = {
        Token: "#1d1f24",
        Text: "#1d1f24",
        Comment: "italic #5b606b",
        Comment.Preproc: "noitalic #8a2c0d",
        Keyword: "bold #4338ca",
        Keyword.Type: "nobold #0b5f6e",
        Operator: "#3a3d45",
        Operator.Word: "bold #4338ca",
        Punctuation: "#3a3d45",
        Name.Builtin: "#0b5f6e",
        Name.Function: "#7a2f8f",
        Name.Class: "bold #0b5f6e",
        Name.Decorator: "#7a2f8f",
        Name.Exception: "#a1261c",
        Name.Tag: "#4338ca",
        Name.Attribute: "#7a4b00",
        Name.Variable: "#8a2c0d",
        Name.Constant: "#8a2c0d",
        String: "#1f6a2a",
        String.Escape: "bold #7a4b00",
        String.Interpol: "#7a4b00",
        Number: "#8a2c0d",
        Literal: "#8a2c0d",
        Generic.Heading: "bold #1d1f24",
        Generic.Subheading: "bold #4338ca",
        Generic.Deleted: "#a1261c",
        Generic.Inserted: "#1f6a2a",
        Generic.Error: "#a1261c",
        Generic.Emph: "italic",
        Generic.Strong: "bold",
        Generic.Prompt: "bold #5b606b",
        Generic.Output: "#3a3d45",
        Generic.Traceback: "#a1261c",
        Error: "#a1261c",
    }


class SitegenDark(Style):
    name = "sitegen-dark"
    background_color = "#1d1f27"
    highlight_color = "#2d3150"
    line_number_color = "#a3a7b1"
    styles: ClassVar[dict[Any, str]] = {
        Token: "#e6e3dc",
        Text: "#e6e3dc",
        Comment: "italic #a3a7b1",
        Comment.Preproc: "noitalic #fdc39a",
        Keyword: "bold #aab4ff",
        Keyword.Type: "nobold #7fd6e3",
        Operator: "#cfccc5",
        Operator.Word: "bold #aab4ff",
        Punctuation: "#cfccc5",
        Name.Builtin: "#7fd6e3",
        Name.Function: "#f0b4ff",
        Name.Class: "bold #7fd6e3",
        Name.Decorator: "#f0b4ff",
        Name.Exception: "#ffaba3",
        Name.Tag: "#aab4ff",
        Name.Attribute: "#ffe08a",
        Name.Variable: "#fdc39a",
        Name.Constant: "#fdc39a",
        String: "#a7e3ad",
        String.Escape: "bold #ffe08a",
        String.Interpol: "#ffe08a",
        Number: "#fdc39a",
        Literal: "#fdc39a",
        Generic.Heading: "bold #f6f4ef",
        Generic.Subheading: "bold #aab4ff",
        Generic.Deleted: "#ffaba3",
        Generic.Inserted: "#a7e3ad",
        Generic.Error: "#ffaba3",
        Generic.Emph: "italic",
        Generic.Strong: "bold",
        Generic.Prompt: "bold #a3a7b1",
        Generic.Output: "#cfccc5",
        Generic.Traceback: "#ffaba3",
        Error: "#ffaba3",
    }


STYLES = {SitegenLight.name: SitegenLight, SitegenDark.name: SitegenDark}
