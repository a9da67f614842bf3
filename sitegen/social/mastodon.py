"""Post a status on Mastodon: POST {instance}/api/v1/statuses with a bearer token and an
Idempotency-Key derived from the post's URL, so a retried request never makes a second status."""

from __future__ import annotations

import hashlib
import re

from sitegen.config import MastodonConfig
from sitegen.errors import SocialError
from sitegen.social.api import Api, answer_json, host_of

_LINK = re.compile(r"^https?://\S+$")


def idempotency_key(post_url: str) -> str:
    """The same post always sends the same key (Mastodon keeps keys for an hour)."""
    return "sitegen-" + hashlib.sha256(post_url.encode("utf-8")).hexdigest()[:40]


def post_status(api: Api, config: MastodonConfig, token: str, text: str, post_url: str, language: str) -> str:
    """Create the status; its public URL."""
    url = f"{config.instance}/api/v1/statuses"
    what = "POST /api/v1/statuses"
    payload = {"status": text, "visibility": config.visibility}
    if language:
        payload["language"] = language
    response = api.call("POST", url, what, payload=payload, headers={
        "Authorization": f"Bearer {token}", "Idempotency-Key": idempotency_key(post_url)})
    if response.status in (401, 403):
        raise api.failure(response, what, url, f"; check the token in ${config.token_env} (it needs write:statuses)")
    if response.status != 200:
        raise api.failure(response, what, url)
    status = answer_json(response, what, url)
    link = (status.get("url") or status.get("uri")) if isinstance(status, dict) else None
    if not isinstance(link, str) or not _LINK.match(link):
        raise SocialError(f"{host_of(url)} sent a malformed answer to {what} (no status `url`)")
    return link
