"""One exception hierarchy for every mistake a user can make; the CLI turns it into a message."""

from __future__ import annotations

from pathlib import Path


class SitegenError(Exception):
    """A user-facing error that names the place it comes from."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        """What went wrong, in one sentence."""
        self.path = str(path) if path is not None else None
        """The file the error is about, when there is one."""
        self.line = line
        """1-based line in that file, when known."""

    def __reduce__(self) -> tuple:
        # Errors cross process boundaries when pages render in parallel; keep path and line.
        return (type(self), (self.message, self.path, self.line))

    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class ConfigError(SitegenError):
    """sitegen.toml is missing, malformed or inconsistent."""


class ContentError(SitegenError):
    """A content file (front matter or Markdown) is wrong."""


class TemplateError(SitegenError):
    """A template is missing or does not compile or render."""


class RunbookError(SitegenError):
    """A runbook is malformed, or a run cannot proceed."""


class SocialError(SitegenError):
    """A post could not be shared on a network (crosspost); the run goes on with the others."""


def toml_error_line(exc: Exception) -> int | None:
    """The 1-based line tomllib names in its message ("… (at line 3, column 9)")."""
    import re

    match = re.search(r"\(at line (\d+)", str(exc))
    return int(match.group(1)) if match else None
