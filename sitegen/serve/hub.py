"""Fan build events out to connected browsers: one queue per Server-Sent Events client.

The hub also holds what a newly connected client must be told first (the build generation and
the current build error, if any); subscribing and broadcasting share one lock, so a client
never misses an event between that greeting and its first queued event.
"""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

CLOSE = None
"""Queued to a client to end its stream (server shutdown)."""


def format_event(kind: str, data: Any) -> bytes:
    """One SSE message; JSON never contains a raw newline, so one `data:` line suffices."""
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


class Hub:
    """The build state browsers see, and the queues of the browsers listening to it."""

    def __init__(self, max_clients: int = 64, first_gen: int = 0) -> None:
        self.max_clients = max_clients
        self.gen = first_gen
        """Build generation: bumped by every build that changed the output."""
        self.error: dict[str, Any] | None = None
        """{file, line, message} of the failing build, or None when the last build succeeded."""
        self._clients: set[queue.SimpleQueue[bytes | None]] = set()
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def subscribe(self) -> queue.SimpleQueue[bytes | None] | None:
        """A new client's queue, primed with a `hello`; None when full or shutting down."""
        with self._lock:
            if self._closed or len(self._clients) >= self.max_clients:
                return None
            q: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
            q.put(format_event("hello", {"gen": self.gen, "error": self.error}))
            self._clients.add(q)
            return q

    def unsubscribe(self, q: queue.SimpleQueue[bytes | None]) -> None:
        with self._lock:
            self._clients.discard(q)

    def _send(self, message: bytes) -> None:
        for q in self._clients:
            q.put(message)

    def built(self, event: dict[str, Any] | None) -> None:
        """A build succeeded: clear any error, then announce what changed (if anything did).

        `event` comes from changes.reload_event without its generation, which is set here.
        """
        with self._lock:
            if self.error is not None:
                self.error = None
                self._send(format_event("ok", {}))
            if event is not None:
                self.gen += 1
                self._send(format_event("reload", {**event, "gen": self.gen}))

    def failed(self, file: str | None, line: int | None, message: str) -> None:
        with self._lock:
            self.error = {"file": file, "line": line, "message": message}
            self._send(format_event("error", self.error))

    def close(self) -> None:
        """End every stream and refuse new ones."""
        with self._lock:
            self._closed = True
            for q in self._clients:
                q.put(CLOSE)
