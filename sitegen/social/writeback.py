"""Write a crosspost's link into a post's front matter as one new line (pure: bytes in, bytes
out). Every other byte stays as it was — comments, key order, quoting, CRLF line ends, a
missing final newline — and the edit is checked by parsing the result before it is used."""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from sitegen.errors import ContentError

_TABLE_HEADER = re.compile(r"[ \t]*\[")


def _lines(text: str) -> list[str]:
    """Lines with their line ends kept."""
    return text.splitlines(keepends=True)


_YAML_SCALAR = re.compile(r"^[A-Za-z0-9_-]+:[ \t]+(\S)", re.MULTILINE)


def _yaml_quote_style(raw: str) -> str:
    """How the file writes its top-level text values: '"', "'" or "" (plain), by majority."""
    counts = {'"': 0, "'": 0, "": 0}
    for first in _YAML_SCALAR.findall(raw):
        if first in "\"'":
            counts[first] += 1
        elif first not in "[{|>&*!#" and not first.isdigit():
            counts[""] += 1
    return max(counts, key=lambda k: (counts[k], k == ""))


def _yaml_value(value: str, style: str) -> str:
    """`value` quoted the way the file quotes its others; plain only where plain reads back the same."""
    import yaml

    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if style == "":
        try:
            if _parse("yaml", f"k: {value}") == {"k": value} and value.strip() == value:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)


def _parse(fmt: str, raw: str) -> Any:
    if fmt == "toml":
        return tomllib.loads(raw)
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when PyYAML has it
    return yaml.load(raw, Loader=loader) or {}


def insert_key(data: bytes, key: str, value: str, source: str) -> bytes:
    """`data` with `key: value` (YAML) or `key = "value"` (TOML) added to its front matter.

    YAML: the line goes just before the closing `---`, its value quoted as the file quotes its
    other text values (plain, 'single' or "double"). TOML: before the first `[table]`
    header, so the key stays at the top level, else before the closing `+++`.
    """
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    try:
        text = data.decode("utf-8")[len(bom):]
    except UnicodeDecodeError as exc:
        raise ContentError(f"not valid UTF-8 (byte {exc.start})", source) from None
    lines = _lines(text)
    if not lines or lines[0].rstrip("\r\n").rstrip() not in ("---", "+++"):
        raise ContentError("no front matter to write the link into", source, 1)
    fence = lines[0].rstrip("\r\n").rstrip()
    fmt = "yaml" if fence == "---" else "toml"
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r\n").rstrip() == fence), None)
    if close is None:
        raise ContentError(f"front matter is not closed: add a `{fence}` line after it", source, 1)
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    raw = "".join(lines[1:close])
    try:
        before = _parse(fmt, raw)
    except Exception as exc:  # yaml.YAMLError or TOMLDecodeError: the file is already broken
        raise ContentError(f"cannot read the front matter to add `{key}`: {exc}", source) from None
    if not isinstance(before, dict):
        raise ContentError("front matter must be a mapping of `key: value` lines", source, 2)
    if key in before:
        raise ContentError(f"`{key}` is already set", source)
    if fmt == "yaml":
        line = f"{key}: {_yaml_value(value, _yaml_quote_style(raw))}{newline}"
        candidates = [close]
    else:
        line = f"{key} = {json.dumps(value, ensure_ascii=False)}{newline}"
        headers = [i for i in range(1, close) if _TABLE_HEADER.match(lines[i])]
        candidates = [*headers, close]
    for at in candidates:
        edited = [*lines[:at], line, *lines[at:]]
        try:
            after = _parse(fmt, "".join(edited[1:close + 1]))
        except Exception:  # a candidate inside a multi-line string or array: try the next one
            continue
        if isinstance(after, dict) and after == {**before, key: value}:
            return (bom + "".join(edited)).encode("utf-8")
    raise ContentError(f"could not add `{key}` to the front matter without changing its other values; "
                       f"add `{key}` by hand", source)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step, keeping its permissions."""
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
