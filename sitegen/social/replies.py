"""Where a post's replies are read from: the public API endpoints derived from its front matter
links, handed to the theme's `replies.js` as data attributes (pure: text in, values out).

The reader's browser does the fetching, only when asked; nothing here touches the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# https://example.social/@ada/111, /@ada@other.example/111 (a remote post seen from an instance),
# /users/ada/statuses/111 (the ActivityPub id): the status id is the last path segment, digits only.
_MASTODON_PATH = re.compile(r"^/(?:@[^/]+|users/[^/]+/statuses)/(\d{1,30})/?$")
# Bluesky's web URL (what content.py keeps): bsky.app/profile/<did or handle>/post/<rkey>.
_BLUESKY_WEB = re.compile(r"^/profile/([A-Za-z0-9._:%-]{1,253})/post/([A-Za-z0-9._:~-]{1,512})/?$")


@dataclass(frozen=True)
class ReplySources:
    """The read endpoints of one post's conversations; None for a network it was not shared to."""

    mastodon_origin: str | None = None
    """Scheme and host of the Mastodon instance holding the status (`https://example.social`)."""
    mastodon_id: str | None = None
    """The status id on that instance; the API is `{origin}/api/v1/statuses/{id}[/context]`."""
    bluesky_uri: str | None = None
    """The post's `at://<did or handle>/app.bsky.feed.post/<rkey>`, for `getPostThread`."""
    bluesky_appview: str | None = None
    """The AppView origin answering `app.bsky.feed.getPostThread` (config `[social.bluesky] appview`)."""

    def __bool__(self) -> bool:
        return bool(self.mastodon_id or self.bluesky_uri)


def mastodon_status(url: str | None) -> tuple[str, str] | None:
    """A status URL → (instance origin, status id), or None when it is not a status URL."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    match = _MASTODON_PATH.match(parts.path)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or not match:
        return None
    return f"{parts.scheme}://{parts.netloc}", match[1]


def bluesky_at_uri(web_url: str | None) -> str | None:
    """https://bsky.app/profile/<actor>/post/<rkey> → at://<actor>/app.bsky.feed.post/<rkey>."""
    if not web_url:
        return None
    parts = urlsplit(web_url.strip())
    match = _BLUESKY_WEB.match(parts.path)
    if parts.scheme != "https" or parts.hostname != "bsky.app" or not match:
        return None
    return f"at://{unquote(match[1])}/app.bsky.feed.post/{match[2]}"


def reply_sources(mastodon: str | None, bluesky_url: str | None, appview: str) -> ReplySources:
    """Both networks' endpoints for a page's `mastodon` and `bluesky` links."""
    status = mastodon_status(mastodon)
    uri = bluesky_at_uri(bluesky_url)
    return ReplySources(
        mastodon_origin=status[0] if status else None,
        mastodon_id=status[1] if status else None,
        bluesky_uri=uri,
        bluesky_appview=appview if uri else None,
    )
