"""Parse a fenced block's info string: language plus optional `{...}` step attributes.

Shared by the Markdown renderer (which shows steps) and the runbook planner (which runs them),
so a block means the same thing in both places.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field


class FenceInfoError(ValueError):
    """The attribute braces of an info string could not be read."""


@dataclass(frozen=True)
class FenceInfo:
    lang: str
    """The language word (`sh`, `python`, …), lower-cased; empty when absent."""
    attrs: dict[str, str | bool] = field(default_factory=dict)
    """Attributes from the braces; bare flags map to True, `#id` maps to `name`."""
    classes: tuple[str, ...] = ()
    """`.class` words from the braces."""
    has_braces: bool = False
    """True when the info string carried `{...}`: such a block is a runbook step."""


def parse_fence_info(info: str) -> FenceInfo:
    """Split ```` ```sh {#build on=web needs=a,b confirm} ```` into its parts.

    Accepts `{#id}`, `{key=value flag}`, quoted values (`unless="test -f x"`) and Runme's
    JSON form `{"name": "build"}`.
    """
    info = info.strip()
    brace = info.find("{")
    if brace == -1:
        lang = info.split(maxsplit=1)[0] if info else ""
        return FenceInfo(lang=lang.lower())
    lang = info[:brace].strip().split(maxsplit=1)[0].lower() if info[:brace].strip() else ""
    body = info[brace:].strip()
    if not body.endswith("}"):
        raise FenceInfoError(f"attribute braces are not closed in {info!r}")
    if body.startswith('{"') or body.startswith("{ \""):
        try:
            data = json.loads(body)
        except json.JSONDecodeError as exc:
            raise FenceInfoError(f"invalid JSON attributes {body!r}: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise FenceInfoError(f"JSON attributes must be an object: {body!r}")
        attrs = {str(k): _json_value(v) for k, v in data.items()}
        return FenceInfo(lang=lang, attrs=attrs, has_braces=True)
    try:
        words = shlex.split(body[1:-1])
    except ValueError as exc:
        raise FenceInfoError(f"cannot read attributes {body!r}: {exc}") from exc
    attrs: dict[str, str | bool] = {}
    classes: list[str] = []
    for word in words:
        if word.startswith("#") and len(word) > 1:
            attrs["name"] = word[1:]
        elif word.startswith(".") and len(word) > 1:
            classes.append(word[1:])
        elif "=" in word:
            key, _, value = word.partition("=")
            if not key:
                raise FenceInfoError(f"attribute without a name in {body!r}")
            attrs[key] = value
        else:
            attrs[word] = True
    return FenceInfo(lang=lang, attrs=attrs, classes=tuple(classes), has_braces=True)


def _json_value(value: object) -> str | bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
