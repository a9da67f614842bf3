"""Replace secret values by `***` in what steps print and in messages, never in the fields
sitegen itself writes (statuses, hashes, run ids, times, host names)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

MASK = "***"

MIN_SECRET_LENGTH = 4
"""Shorter values cannot be masked without masking ordinary words too ("ok", "1"); a run
refuses them (plan.value_problems) and the Redactor ignores them."""

TEXT_FIELDS = ("line", "output_tail", "message", "reason", "text")
"""Event fields holding what a step printed or a message about it: the only ones masked."""


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
            if len(value) < MIN_SECRET_LENGTH:
                continue
            needles.add(value)
            # A multi-line secret (a key file) is printed line by line, so each line is masked too.
            needles.update(part for part in value.splitlines() if len(part.strip()) >= MIN_SECRET_LENGTH)
            # A step may print the value JSON-escaped ("\"" for a quote, "\n" for a newline).
            needles.add(json.dumps(value)[1:-1])
        # Longest first, so a secret that contains another is masked whole, not in pieces.
        ordered = sorted(needles, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @property
    def longest(self) -> int:
        """Length of the longest text masked; 0 when there is nothing to mask."""
        return max(map(len, self._needles), default=0)

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

    def event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The event with its TEXT_FIELDS masked and every other field exactly as it was."""
        return {key: self.value(item) if key in TEXT_FIELDS else item for key, item in event.items()}


class LiveLines:
    """Masks output as it streams, line by line, where a line too long for the runner to hold
    arrives in pieces (`continued`): a secret across two pieces is still masked.

    Of a piece that continues, everything but the last `longest - 1` characters is passed on;
    the rest waits for the next piece, so a secret's beginning is never sent without its end.
    """

    def __init__(self, redact: Redactor, sink: Callable[[str], None]) -> None:
        self.redact = redact
        self.sink = sink
        self._held = ""

    def feed(self, text: str, *, continued: bool = False) -> None:
        text = self.redact(self._held + text)
        self._held = ""
        if continued:
            cut = max(len(text) - max(self.redact.longest - 1, 0), 0)
            text, self._held = text[:cut], text[cut:]
            if not text:
                return
        self.sink(text)

    def close(self) -> None:
        """Pass on whatever a last piece left waiting."""
        if self._held:
            held, self._held = self._held, ""
            self.sink(held)
