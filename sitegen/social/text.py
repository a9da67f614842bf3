"""The words of a crosspost (pure): the template filled in, hashtags from the post's tags, the
text fitted to the network's length limit, and Bluesky's facets with UTF-8 byte offsets."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sitegen.errors import SocialError

MASTODON_LIMIT = 500
MASTODON_URL_LENGTH = 23
"""Mastodon counts every link as 23 characters, however long."""
BLUESKY_LIMIT = 300
"""Graphemes; counted here as code points, which is never fewer."""
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class PostInfo:
    """What a crosspost says about one post."""

    title: str
    """The title as plain words."""
    url: str
    """The post's absolute URL."""
    description: str = ""
    """The description, or the first words of the post."""
    tags: tuple[str, ...] = ()


def hashtag(tag: str) -> str | None:
    """`rust` → `#rust`, `home lab` → `#HomeLab`; None for a tag that cannot be one (no letter)."""
    words = _WORD.findall(unicodedata.normalize("NFC", tag))
    if not words:
        return None
    name = words[0] if len(words) == 1 else "".join(w[:1].upper() + w[1:] for w in words)
    if not any(ch.isalpha() for ch in name):
        return None
    return "#" + name


def hashtags(tags: tuple[str, ...]) -> list[str]:
    found: dict[str, str] = {}
    for tag in tags:
        tagged = hashtag(tag)
        if tagged and tagged.lower() not in found:
            found[tagged.lower()] = tagged
    return list(found.values())


def fill(template: str, info: PostInfo, tags: list[str], description: str | None = None) -> str:
    """The template with its placeholders filled; blank lines left by empty ones collapse."""
    text = template.format(title=info.title, url=info.url, hashtags=" ".join(tags),
                           description=info.description if description is None else description)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def mastodon_length(text: str) -> int:
    return len(_URL.sub("x" * MASTODON_URL_LENGTH, text))


def fit(template: str, info: PostInfo, limit: int, measure: Any = len, network: str = "") -> str:
    """The filled template, within `limit`: hashtags dropped from the end first, then the
    description shortened; a title and URL that alone are too long are an error."""
    tags = hashtags(info.tags)
    while True:
        text = fill(template, info, tags)
        if measure(text) <= limit or not tags:
            break
        tags = tags[:-1]
    description = info.description
    while measure(text) > limit and description:
        words = description.split()
        description = " ".join(words[:-1]) + "…" if len(words) > 1 else ""
        text = fill(template, info, tags, description)
    if measure(text) > limit:
        raise SocialError(f"the {network} text is {measure(text)} characters, over the limit of {limit}: "
                           "shorten the title or the template")
    return text


def utf8_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Character offsets in `text` → byte offsets in its UTF-8 encoding (what facets count)."""
    byte_start = len(text[:start].encode("utf-8"))
    return byte_start, byte_start + len(text[start:end].encode("utf-8"))


def bluesky_facets(text: str, url: str) -> list[dict[str, Any]]:
    """A link facet on the URL and a tag facet on each hashtag, as app.bsky.richtext.facet."""
    facets: list[dict[str, Any]] = []
    at = text.find(url)
    if at >= 0:
        start, end = utf8_span(text, at, at + len(url))
        facets.append({"index": {"byteStart": start, "byteEnd": end},
                       "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}]})
    for match in re.finditer(r"(?:^|(?<=\s))#([^\W_][\w]*)", text):
        if at >= 0 and at <= match.start() < at + len(url):
            continue
        start, end = utf8_span(text, match.start(), match.end())
        facets.append({"index": {"byteStart": start, "byteEnd": end},
                       "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": match.group(1)}]})
    return facets


def bluesky_record(text: str, info: PostInfo, created_at: str, language: str) -> dict[str, Any]:
    """An app.bsky.feed.post record: the text, its facets and a link card for the post."""
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": created_at}
    if language:
        record["langs"] = [language]
    facets = bluesky_facets(text, info.url)
    if facets:
        record["facets"] = facets
    record["embed"] = {"$type": "app.bsky.embed.external",
                       "external": {"uri": info.url, "title": info.title, "description": info.description}}
    return record
