"""Map a request path to a file in the output directory, or refuse: nothing outside it is ever served."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit


@dataclass(frozen=True)
class Resolved:
    """The answer to one request path."""

    file: Path | None = None
    """The file to send, when there is one."""
    redirect: str | None = None
    """Where to send the browser instead (a directory asked for without its trailing '/')."""

    @property
    def missing(self) -> bool:
        return self.file is None and self.redirect is None


NOT_FOUND = Resolved()


def _safe_parts(raw_path: str) -> list[str] | None:
    """The decoded path segments, or None if the path is malformed or tries to leave the root."""
    if not raw_path.startswith("/"):
        return None
    # An encoded '/' or '\' would let one segment act as two after decoding; no page has one.
    lowered = raw_path.lower()
    if "%2f" in lowered or "%5c" in lowered or "%00" in lowered:
        return None
    try:
        decoded = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\\" in decoded or "\x00" in decoded or ("%" in decoded and _double_encoded(decoded)):
        return None
    parts = [p for p in decoded.split("/") if p]
    if any(p in (".", "..") for p in parts):
        return None
    return parts


def _double_encoded(decoded: str) -> bool:
    """'%252e%252e' decodes once to '%2e%2e'; a second decoder downstream must not see '..' in it."""
    again = unquote(decoded)
    return again != decoded and any(p in (".", "..") for p in again.replace("\\", "/").split("/"))


def resolve_request(root: Path, target: str) -> Resolved:
    """Resolve an HTTP request target (path and query) against the output directory `root`.

    Directories serve their index.html, and are redirected to the same path with a trailing
    '/' first so relative links in the page work. Anything that would leave `root` (through
    '..', encoded variants, backslashes, NUL or a symlink) is NOT_FOUND.
    """
    if target.startswith("/"):
        # origin-form, the usual request target; urlsplit would read '//x/y' as host 'x'
        path, _, query = target.partition("#")[0].partition("?")
    else:  # absolute-form (http://host/path), which proxies send
        split = urlsplit(target)
        path, query = split.path, split.query
    parts = _safe_parts(path)
    if parts is None:
        return NOT_FOUND
    root = root.resolve()
    candidate = root.joinpath(*parts)
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return NOT_FOUND
    if real != root and root not in real.parents:
        return NOT_FOUND
    if real.is_dir():
        if not path.endswith("/"):
            # Rebuilt from the checked segments, so '//host' can never become an open redirect.
            return Resolved(redirect="/" + "".join(quote(p) + "/" for p in parts) + (f"?{query}" if query else ""))
        index = real / "index.html"
        return Resolved(file=index) if index.is_file() else NOT_FOUND
    if path.endswith("/") or not real.is_file():
        return NOT_FOUND
    return Resolved(file=real)
