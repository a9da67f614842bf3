"""The event hub: greeting on connect, ordered events, bounded clients, clean shutdown."""

from __future__ import annotations

import json

from sitegen.serve.hub import CLOSE, Hub, format_event


def _events(q) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    found = []
    while not q.empty():
        item = q.get_nowait()
        if item is CLOSE:
            found.append(("close", None))
            continue
        kind, data = item.decode().strip().split("\n")
        found.append((kind.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return found


def test_format_is_one_sse_message() -> None:
    assert format_event("ok", {"a": "x\ny"}) == b'event: ok\ndata: {"a":"x\\ny"}\n\n'


def test_hello_then_events_in_order() -> None:
    hub = Hub()
    q = hub.subscribe()
    assert q is not None
    hub.failed("content/a.md", 3, "bad <front> matter")
    hub.built({"all": False, "pages": ["/a/"], "css": [], "assets": []})
    hub.built(None)
    assert _events(q) == [
        ("hello", {"gen": 0, "error": None}),
        ("error", {"file": "content/a.md", "line": 3, "message": "bad <front> matter"}),
        ("ok", {}),
        ("reload", {"all": False, "pages": ["/a/"], "css": [], "assets": [], "gen": 1}),
    ]


def test_late_client_is_told_the_current_error_and_generation() -> None:
    hub = Hub()
    hub.built({"all": True, "pages": [], "css": [], "assets": []})
    hub.failed(None, None, "boom")
    q = hub.subscribe()
    assert q is not None
    assert _events(q) == [("hello", {"gen": 1, "error": {"file": None, "line": None, "message": "boom"}})]


def test_clients_are_bounded_and_released() -> None:
    hub = Hub(max_clients=2)
    a, b = hub.subscribe(), hub.subscribe()
    assert a is not None and b is not None
    assert hub.subscribe() is None
    hub.unsubscribe(a)
    assert hub.clients == 1
    assert hub.subscribe() is not None


def test_close_ends_streams_and_refuses_new_ones() -> None:
    hub = Hub()
    q = hub.subscribe()
    assert q is not None
    hub.close()
    assert _events(q)[-1] == ("close", None)
    assert hub.subscribe() is None
