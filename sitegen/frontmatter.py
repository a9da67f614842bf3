"""Split a content file into front matter and body, and validate the front matter fields.

Pure: bytes in, values out. YAML (`---`) and TOML (`+++`) are both read. Errors name the file
and the line of the offending key; finding that line costs a second parse, so it only
happens on the error path.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sitegen.errors import ContentError, toml_error_line

_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:-|$)")
_BLUESKY = re.compile(r"^at://([^/\s]+)/app\.bsky\.feed\.post/([^/\s]+)$")


@dataclass(frozen=True)
class Document:
    meta: dict[str, Any]
    """The parsed front matter, as written."""
    body: str
    """Markdown after the closing delimiter."""
    body_line: int
    """0-based line number where the body starts, so Markdown errors can name the real line."""
    fmt: str
    """"yaml" or "toml"."""
    raw_meta: str
    """The front matter text, kept for line look-ups on later validation errors."""
    written_as: dict[str, str] = field(default_factory=dict)
    """Key in `meta` → the key as the file spells it, when another generator's name was read."""


def decode(data: bytes, source: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(f"not valid UTF-8 (byte {exc.start})", source, line) from None
    return text.removeprefix("\ufeff")


def split(text: str, source: str, required: bool = True) -> Document:
    """Find the front matter block; a file without one is an error with a hint, unless not
    `required` (Hugo, Zola and Jekyll read a page without front matter as one with none)."""
    if not required and not text.startswith(("---", "+++")):
        return Document(meta={}, body=text, body_line=0, fmt="yaml", raw_meta="")
    if text.startswith("---"):
        fence, fmt = "---", "yaml"
    elif text.startswith("+++"):
        fence, fmt = "+++", "toml"
    else:
        raise ContentError(
            "no front matter: start the file with a `---` line, then `title: ...`, then `---`", source, 1
        )
    first_nl = text.find("\n")
    if first_nl == -1 or text[:first_nl].rstrip() != fence:
        raise ContentError(f"the opening `{fence}` must stand alone on the first line", source, 1)
    pos = first_nl + 1
    line_no = 1
    while True:
        nl = text.find("\n", pos)
        line = text[pos:] if nl == -1 else text[pos:nl]
        line_no += 1
        if line.rstrip() == fence:
            raw = text[first_nl + 1 : pos]
            body = "" if nl == -1 else text[nl + 1 :]
            meta = _parse(raw, fmt, source)
            return Document(meta=meta, body=body, body_line=line_no, fmt=fmt, raw_meta=raw)
        if nl == -1:
            raise ContentError(f"front matter is not closed: add a `{fence}` line after it", source, 1)
        pos = nl + 1


def _yaml_loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(raw: str, fmt: str, source: str) -> dict[str, Any]:
    if fmt == "toml":
        try:
            return tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            # +1: the front matter starts on the line after the opening `+++`.
            line = toml_error_line(exc)
            line = line + 1 if line is not None else None
            raise ContentError(f"invalid TOML front matter: {exc}", source, line) from None
    import yaml

    try:
        data = yaml.load(raw, Loader=_yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"invalid YAML front matter: {problem}", source, line) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ContentError("front matter must be a mapping of `key: value` lines", source, 2)
    return {str(k): v for k, v in data.items()}


def key_line(doc: Document, key: str) -> int | None:
    """The file line where `key` is set (line 1 is the opening delimiter)."""
    key = doc.written_as.get(key, key)
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[:=]")
    for i, line in enumerate(doc.raw_meta.splitlines()):
        if pattern.match(line):
            return i + 2
    return None


def field_error(doc: Document, source: str, key: str, message: str) -> ContentError:
    return ContentError(f"`{key}`: {message}", source, key_line(doc, key))


def parse_date(value: Any, tz: ZoneInfo) -> dt.datetime | None:
    """Unix seconds, an ISO 8601 date or datetime (string or YAML/TOML value) → aware datetime."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return dt.datetime.fromtimestamp(value, tz=dt.UTC).astimezone(tz)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_date(int(text), tz)
        try:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                value = dt.date.fromisoformat(text)
            except ValueError:
                return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=tz)
    return None


def date_from_filename(stem: str, tz: ZoneInfo) -> dt.datetime | None:
    match = _DATE_PREFIX.match(stem)
    if not match:
        return None
    try:
        return dt.datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=tz)
    except ValueError:
        return None


def strip_date_prefix(stem: str) -> str:
    match = _DATE_PREFIX.match(stem)
    return stem[match.end():] if match and match.end() < len(stem) else stem


def bluesky_web_url(uri: str) -> str | None:
    """at://<did>/app.bsky.feed.post/<rkey> → https://bsky.app/profile/<did>/post/<rkey>."""
    match = _BLUESKY.match(uri.strip())
    if not match:
        return None
    return f"https://bsky.app/profile/{match[1]}/post/{match[2]}"
