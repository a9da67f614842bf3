"""Replace secret values by `***` in everything sitegen prints or records."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

MASK = "***"


class Redactor:
    """Masks every known secret value, in plain text and in JSON-escaped text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._needles: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Mask these values too (secrets become known only after the command line is read)."""
        needles = self._needles
        for value in secrets:
            if not value:
                continue
            needles.add(value)
            # A multi-line secret (a key file) is printed line by line, so each line is masked too.
            needles.update(part for part in value.splitlines() if len(part.strip()) >= 4)
            # Inside a JSON event the value appears escaped ("\"" for a quote, "\n" for a newline).
            needles.add(json.dumps(value)[1:-1])
        # Longest first, so a secret that contains another is masked whole, not in pieces.
        ordered = sorted(needles, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)

    def value(self, data: object) -> object:
        """Redact every string inside a JSON-like value."""
        if isinstance(data, str):
            return self(data)
        if isinstance(data, dict):
            return {key: self.value(item) for key, item in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.value(item) for item in data]
        return data
