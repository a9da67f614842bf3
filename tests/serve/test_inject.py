"""The live-reload script goes into HTML responses, before the last </body>."""

from __future__ import annotations

from sitegen.serve.client import EVENTS_PATH, WORKER_PATH, snippet
from sitegen.serve.inject import inject, is_html

SCRIPT = b"<script data-sitegen></script>"


def test_before_the_last_body_end() -> None:
    html = b"<html><body><pre>&lt;/body&gt; </body> in text</pre></body></html>"
    assert inject(html, SCRIPT) == b"<html><body><pre>&lt;/body&gt; </body> in text</pre>" + SCRIPT + b"</body></html>"


def test_any_case_and_spacing() -> None:
    assert inject(b"<BODY>x</BODY >", SCRIPT) == b"<BODY>x" + SCRIPT + b"</BODY >"


def test_appended_without_body_end() -> None:
    assert inject(b"<p>fragment", SCRIPT) == b"<p>fragment" + SCRIPT


def test_html_types() -> None:
    assert is_html("text/html; charset=utf-8")
    assert is_html("application/xhtml+xml")
    assert not is_html("text/css; charset=utf-8")
    assert not is_html("application/xml")


def test_snippet_carries_generation_status_and_endpoints() -> None:
    text = snippet(7, 404).decode()
    assert text.startswith("<script data-sitegen>") and text.endswith("})(7, 404);</script>")
    assert EVENTS_PATH in text and WORKER_PATH in text
    assert "</script" not in text[len("<script data-sitegen>"):-len("</script>")]
