"""Which Host and Origin headers the preview answers to (a guard against DNS rebinding).

A page on attacker.example whose name is made to resolve to 127.0.0.1 can read from the
preview with the browser's blessing, unless the preview refuses requests that name another
host. Accepted: the loopback names (`localhost`, `127.0.0.1`, `[::1]`) and the name the preview
was bound to (`--host`), each with the served port. Bound to every interface (`0.0.0.0`, `::`),
any IP address is accepted too, so a phone on the LAN can open `http://192.168.1.20:8000/`:
DNS rebinding always comes with a host *name*, never an address.
"""

from __future__ import annotations

import ipaddress

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARDS = ("", "0.0.0.0", "::")


def url_host(host: str) -> str:
    """A host as it appears in a URL or Host header (IPv6 addresses in brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class HostGuard:
    """Decides whether a request's Host (and, for the event stream, Origin) is the preview's own."""

    def __init__(self, bound: str, port: int) -> None:
        self.port = port
        self.any_address = bound in WILDCARDS
        self.names = {*LOOPBACK_NAMES, url_host(bound).lower()} - {"", "[::]", "0.0.0.0"}

    def host_ok(self, header: str | None) -> bool:
        if not header:
            return False
        header = header.strip().lower()
        name, port = _split(header)
        if port is None:
            if self.port != 80:
                return False
        elif port != self.port:
            return False
        if name in self.names:
            return True
        return self.any_address and _is_address(name)

    def origin_ok(self, origin: str | None) -> bool:
        """No Origin (browsers omit it on same-origin GETs) or this preview's own http origin."""
        if origin is None:
            return True
        origin = origin.strip().lower()
        return origin.startswith("http://") and self.host_ok(origin[len("http://"):])


def _split(header: str) -> tuple[str, int | None]:
    """'name:port' or '[v6]:port' → (name, port); a malformed port gives port -1 (never served)."""
    if header.startswith("["):
        end = header.find("]")
        if end < 0:
            return header, -1
        name, rest = header[: end + 1], header[end + 1:]
    else:
        name, sep, port = header.partition(":")
        rest = sep + port
    if not rest:
        return name, None
    if not rest.startswith(":") or not rest[1:].isdigit() or not rest[1:].isascii():
        return name, -1
    return name, int(rest[1:])


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name[1:-1] if name.startswith("[") and name.endswith("]") else name)
    except ValueError:
        return False
    return True
