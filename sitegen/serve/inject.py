"""Insert the live-reload script into an HTML response (never into the built files)."""

from __future__ import annotations


def is_html(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in ("text/html", "application/xhtml+xml")


def inject(html: bytes, script: bytes) -> bytes:
    """`html` with `script` before its last `</body>`, or appended when there is none."""
    at = html.lower().rfind(b"</body")
    if at < 0:
        return html + script
    return html[:at] + script + html[at:]
