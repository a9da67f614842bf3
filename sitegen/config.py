"""Read `sitegen.toml` into a typed, defaulted `SiteConfig` (pure apart from reading the file)."""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sitegen.errors import ConfigError, SitegenError, toml_error_line

CONFIG_NAME = "sitegen.toml"


@dataclass(frozen=True)
class CollectionConfig:
    name: str
    """Directory under content/ and the collection's key."""
    title: str
    """Shown on its index page and in its feed."""
    permalink: str
    """Pattern for each item's URL: {slug} {stem} {year} {month} {day} {collection} {section} {title} {categories}."""
    url: str
    """URL of the collection's index page."""
    dated: bool = True
    """Items need a date and are sorted newest first."""
    listed: bool = True
    """Gets an index page, appears on the home page and in the site feed."""
    paginate: int = 10
    """Items per index page; 0 shows everything on one page."""
    feed: bool = True
    """Publish an Atom feed for the collection."""
    archives: bool = False
    """Yearly archive pages under {url}archives/."""
    template: str = "post.html"
    """Template for each item."""
    index_template: str = "list.html"
    """Template for the index pages."""
    folder: str = ""
    """Folder of the content root holding its pages; empty: its name (Jekyll: `_posts`, `_recipes`)."""
    drafts_folder: str = ""
    """A folder whose pages are this collection's drafts (Jekyll's `_drafts`)."""


@dataclass(frozen=True)
class TaxonomyConfig:
    name: str
    """Front matter key holding the terms (e.g. tags)."""
    title: str
    """Heading of the term index page."""
    permalink: str
    """Pattern for a term page: {slug} (slugified) or {name} (as written)."""
    url: str
    """URL of the index of all terms."""
    feed: bool = True
    """Publish an Atom feed per term."""
    paginate: int = 0
    """Items per term page; 0 shows everything on one page."""


@dataclass(frozen=True)
class MenuItem:
    name: str
    url: str


@dataclass(frozen=True)
class AuthorConfig:
    """The `[author]` table: who writes the site, for the theme's author block and the feeds."""

    name: str = ""
    avatar: str = ""
    """An image path (`/images/me.jpg`, from static/) or an https:// URL; empty: no picture."""
    bio: str = ""
    """A few lines of Markdown."""
    url: str = ""
    """The author's own page (the feeds' <uri>)."""
    email: str = ""
    links: tuple[MenuItem, ...] = ()
    """Profiles elsewhere (Mastodon, GitHub…), linked with rel="me" so they can verify the site."""


@dataclass(frozen=True)
class ImagesConfig:
    """The `[images]` table: responsive variants of images referenced from Markdown."""

    enabled: bool = True
    """Give local images width/height and resized variants; off leaves `<img>` as written."""
    widths: tuple[int, ...] = (480, 960, 1440)
    """Variant widths in pixels; widths above an image's own are skipped (never upscaled)."""
    formats: tuple[str, ...] = ("webp",)
    """Variant formats, best first; a format this Pillow cannot write is left out. WebP alone by
    default: AVIF takes ~3× the CPU time of WebP here (benchmarks/bench_images.py), for files
    ~25 % smaller; `["avif", "webp"]` opts in."""
    quality: int = 80
    """WebP quality, 1–100."""
    avif_quality: int = 55
    """AVIF quality, 1–100 (AVIF looks as good as WebP at a lower number)."""
    avif_speed: int = 8
    """libavif's speed, 0 (slowest, smallest files) to 10 (fastest)."""
    sizes: str = "(min-width: 46rem) 42rem, 100vw"
    """The `sizes` attribute: how wide the image is shown, so the browser picks a variant."""
    fetch_remote: bool = False
    """Download `https://` images once into the cache and treat them like local ones."""
    max_pixels: int = 89_478_485
    """Images with more pixels are refused (decompression bombs); Pillow's own default."""


IMAGE_FORMATS = ("avif", "webp")

REPLIES_MODES = ("button", "visible", "off")
BLUESKY_APPVIEW = "https://public.api.bsky.app"


@dataclass(frozen=True)
class RepliesConfig:
    """Replies from Mastodon and Bluesky under posts that link there (`[social] replies`,
    `[social.bluesky] appview`); fetched by the reader's browser, never at build time."""

    mode: str = "button"
    """"button": fetched when the reader presses Show replies; "visible": also when the section
    scrolls into view; "off": no replies section and no script (the "discuss on" links stay)."""
    bluesky_appview: str = BLUESKY_APPVIEW
    """Bluesky's public read-only API (`app.bsky.feed.getPostThread`), an http(s) origin."""

# The theme's interface words; `[strings]` in sitegen.toml replaces any of them (a blog in
# another language translates these and sets `language`).
DEFAULT_STRINGS = {
    "min_read": "min read",
    "contents": "Contents",
    "older": "Older",
    "newer": "Newer",
    "notes": "Notes",
    "note": "Note",
    "back_to_reference": "Back to reference",
    "skip_to_content": "Skip to content",
    "latest_posts": "Latest posts",
    "updated": "Updated",
    "tags": "Tags",
    "page_of": "Page {n} of {total}",
    "subscribe": "Subscribe",
    "archives": "Archives",
    "atom_feed": "Atom feed",
    "back_to_top": "Back to top",
    # The replies section under posts shared to Mastodon or Bluesky ({n}: a number, {network}: a name).
    "replies": "Replies",
    "replies_show": "Show replies",
    "replies_note": "The conversation happens on Mastodon and Bluesky. Showing it here asks their servers "
                    "from your browser.",
    "replies_loading": "Loading replies…",
    "replies_count": "{n} replies",
    "replies_count_one": "1 reply",
    "replies_none": "No replies yet.",
    "replies_error": "Could not load the replies from {network}.",
    "replies_retry": "Try again",
    "likes": "Likes",
    "reposts": "Reposts",
    "attachments": "Images and videos",
    "draft": "Draft",
    "shared_link": "Shared link",
    "shares_a_link_to": "Shares a link to",
    "link_post": "link post",
    "older_and_newer": "Older and newer posts",
    "main_menu": "Main",
    "pagination": "Pagination",
    "page_n": "Page {n}",
    "post_count": "{n} posts",
    "post_count_one": "1 post",
    "post_word": "posts",
    "post_word_one": "post",
    "posts_tagged": "Posts tagged",
    "subscribe_to": "Subscribe to {name}",
    "all_terms": "All {title}",
    "all_years": "All years",
    "years": "Years",
    "archives_of": "{title} archives",
    "terms_summary": "{n} in all, by name; larger means more posts.",
    "discuss": "Discuss this post",
    "discuss_on": "Discuss this post on",
    "page_not_found": "Page not found",
    "not_found_text": "There is nothing at this address. It may have moved, or the link may have a typo.",
    "home_page": "Home page",
    "moved_to": "This page has moved to",
    "author_links": "{name} elsewhere",
    "copy_code": "Copy",
    "copied": "Copied",
    "copy_failed": "Copy failed",
    "dark_theme": "Dark theme",
}


DEFAULT_SOCIAL_TEMPLATE = "{title}\n\n{url}\n\n{hashtags}"
SOCIAL_PLACEHOLDERS = ("title", "url", "description", "hashtags")
MASTODON_VISIBILITIES = ("public", "unlisted", "private", "direct")


@dataclass(frozen=True)
class MastodonConfig:
    """`[social.mastodon]`: where and how `sitegen crosspost` posts to a Mastodon account."""

    instance: str
    """API base URL of the instance, like https://example.social."""
    token_env: str = "MASTODON_TOKEN"
    """Environment variable (or secrets-file name) holding an access token with write:statuses."""
    collections: tuple[str, ...] = ()
    """Collections whose posts are shared; empty: every dated, listed collection."""
    template: str = DEFAULT_SOCIAL_TEMPLATE
    """The status text: {title} {url} {description} {hashtags}."""
    visibility: str = "public"
    """public, unlisted, private or direct."""
    since: dt.date | None = None
    """Posts dated before this day are never shared (the archive a site had before crossposting)."""
    language: str = ""
    """ISO 639 code of the posts; empty: the site's `language`."""
    timeout: float = 20.0
    """Seconds to wait for an answer before giving up on a request."""


@dataclass(frozen=True)
class BlueskyConfig:
    """`[social.bluesky]`: where and how `sitegen crosspost` posts to a Bluesky account."""

    handle: str
    """The account's handle, like someone.bsky.social."""
    service: str = "https://bsky.social"
    """The account's PDS, where createSession and createRecord are called."""
    password_env: str = "BLUESKY_APP_PASSWORD"
    """Environment variable (or secrets-file name) holding an app password."""
    appview: str = "https://public.api.bsky.app"
    """Read-only API the replies under a post are fetched from."""
    since: dt.date | None = None
    """Posts dated before this day are never shared (the archive a site had before crossposting)."""
    collections: tuple[str, ...] = ()
    """Collections whose posts are shared; empty: every dated, listed collection."""
    template: str = DEFAULT_SOCIAL_TEMPLATE
    """The post text: {title} {url} {description} {hashtags}."""
    language: str = ""
    """Language of the posts (`langs`); empty: the site's `language`."""
    timeout: float = 20.0
    """Seconds to wait for an answer before giving up on a request."""


@dataclass(frozen=True)
class SocialConfig:
    """`[social]`: the networks `sitegen crosspost` shares posts on (None: not configured)."""

    mastodon: MastodonConfig | None = None
    bluesky: BlueskyConfig | None = None


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    """The site directory (holding sitegen.toml)."""
    title: str
    base_url: str
    """Absolute site URL without trailing slash."""
    author: str = ""
    description: str = ""
    language: str = "en"
    timezone: str = "UTC"
    theme: str = "default"
    collections: tuple[CollectionConfig, ...] = ()
    taxonomies: tuple[TaxonomyConfig, ...] = ()
    menu: tuple[MenuItem, ...] = ()
    home_collections: tuple[str, ...] = ()
    """Collections whose items the home page lists; empty means every listed collection."""
    home_paginate: int = 10
    feed_filename: str = "atom.xml"
    feed_limit: int = 20
    """Entries per feed; 0 keeps every entry."""
    summary_length: int = 200
    """Characters kept of the first paragraph when `description` is absent."""
    highlight_light: str = "sitegen-light"
    highlight_dark: str = "sitegen-dark"
    heading_ids: str = "sitegen"
    """How headings get their ids: sitegen, github, hugo or zola ([markdown])."""
    summary_separator: str = "<!-- more -->"
    """A line that ends a post's summary where the author puts it ([markdown])."""
    youtube: str = "link"
    """The `youtube` shortcode: "link" (a plain link) or "embed" (a click-to-load player that asks
    nothing of YouTube before the click; feeds keep the link) ([markdown])."""
    links_missing: str = "error"
    """A link to a page that does not exist: "error" stops the build at the first, "warn" builds
    and lists them all ([links] missing)."""
    check_external_pages: tuple[str, ...] = ()
    """Internal URL prefixes served by something other than this site (the link checker trusts them)."""
    images: ImagesConfig = field(default_factory=ImagesConfig)
    verified_dir: str = ""
    """Folder of the site holding runbooks' verification records; empty: beside each runbook."""
    templates_dir: str = "templates"
    """The site's own templates (overriding the theme's), relative to the site; `init --from zola`
    moves it aside when templates/ holds Zola's Tera templates."""
    conventions: str = "sitegen"
    """Whose front matter the posts are written in: sitegen, zola, hugo or jekyll ([content])."""
    content_root: str = "content"
    """The folder pages are read from, relative to the site ([content] dir); "." reads the site's
    own folder in place, as Jekyll does."""
    exclude: tuple[str, ...] = ()
    """Paths under the content root that are neither pages nor files (globs, as Jekyll's `exclude`)."""
    publish_files: str = "bundles"
    """Which other files of the content root are published: "bundles" (those beside a bundle's
    index.md) or "all" (every file outside `_` folders, at its own path: Jekyll's static files)."""
    slugs: str = "slugify"
    """How file names become slugs: "slugify" (lower-case words), "safe" (as written, only characters a
    path cannot hold changed: Zola's `safe`, Jekyll) or "lower" (safe, then lower-cased: Hugo's default)."""
    defaults: tuple[Any, ...] = ()
    """Front matter defaults by path and collection (`[[content.defaults]]`, Jekyll's `defaults:`):
    `sitegen.defaults.DefaultsSet`s."""
    allow_outside: tuple[Path, ...] = ()
    """Folders outside the site that symlinks in content/, static/ or templates/ may lead into ([build])."""
    extra: dict[str, Any] = field(default_factory=dict)
    """The `[extra]` table, handed to templates as site.extra."""
    strings: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_STRINGS))
    """Interface words of the theme ([strings]), defaults filled in."""
    intro: str = ""
    """Markdown shown above the recent posts on the home page ([home] intro)."""
    intro_page: str = ""
    """A page under content/ whose body is the home page's intro ([home] intro_page)."""
    social: SocialConfig = field(default_factory=SocialConfig)
    """Crossposting to Mastodon and Bluesky ([social.mastodon], [social.bluesky])."""
    og_image: str = ""
    """Default social image (og:image) for pages without their own `image`."""
    author_profile: AuthorConfig = field(default_factory=AuthorConfig)
    """`[author]` as a table (`author = "Name"` fills in only the name)."""
    author_block: tuple[str, ...] = ("home", "posts")
    """Where the default theme shows the author block ([theme_options] author_block)."""
    replies: RepliesConfig = field(default_factory=RepliesConfig)
    digest: str = ""
    """Hash of the config file's bytes; a change rebuilds everything."""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def content_dir(self) -> Path:
        return self.root / self.content_root if self.content_root != "." else self.root

    def source_name(self, key: str) -> str:
        """A page key as the user finds the file, from the site folder (`content/blog/x.md`, `_posts/x.md`)."""
        return key if self.content_root == "." else f"{self.content_root}/{key}"

    def folder_collections(self) -> dict[str, str]:
        """Top-level folder of the content root → the collection its pages belong to."""
        found = {}
        for coll in self.collections:
            found[coll.folder or coll.name] = coll.name
            if coll.drafts_folder:
                found[coll.drafts_folder] = coll.name
        return found

    def collection(self, name: str) -> CollectionConfig | None:
        for coll in self.collections:
            if coll.name == name:
                return coll
        return None


TOP_KEYS = frozenset({
    "title", "base_url", "author", "description", "language", "timezone", "theme", "templates_dir", "summary_length",
    "collections", "taxonomies", "menu", "home", "feeds", "markdown", "links", "check", "images", "runbooks",
    "content", "build", "extra", "strings", "theme_options", "social",
})
TABLE_KEYS = {
    "collections.*": frozenset({
        "title", "permalink", "url", "dated", "listed", "paginate", "feed", "archives", "template", "index_template",
        "folder", "drafts_folder",
    }),
    "taxonomies.*": frozenset({"title", "permalink", "url", "feed", "paginate"}),
    "home": frozenset({"collections", "paginate", "intro", "intro_page"}),
    "author": frozenset({"name", "avatar", "bio", "url", "email", "links"}),
    "theme_options": frozenset(
        {"og_image", "author_block"}
    ),
    "feeds": frozenset({"filename", "limit"}),
    "markdown": frozenset({"highlight_light", "highlight_dark", "heading_ids", "summary_separator", "youtube"}),
    "check": frozenset({"external_pages"}),
    "links": frozenset({"missing"}),
    "images": frozenset(
        {"enabled", "widths", "formats", "quality", "avif_quality", "avif_speed", "sizes", "fetch_remote",
         "max_pixels"}
    ),
    "runbooks": frozenset({"verified_dir"}),
    "content": frozenset({"conventions", "slugs", "dir", "exclude", "publish_files", "defaults"}),
    "build": frozenset({"allow_outside"}),
    "social": frozenset({"replies", "mastodon", "bluesky"}),
    "social.mastodon": frozenset(
        {"instance", "token_env", "collections", "template", "visibility", "language", "timeout", "since"}
    ),
    "social.bluesky": frozenset(
        {"service", "handle", "password_env", "appview", "collections", "template", "language", "timeout", "since"}
    ),
}
CONVENTIONS = ("sitegen", "zola", "hugo", "jekyll")
# The same names as sitegen.markdown.headings.HEADING_ID_SCHEMES (config must not import the renderer).
HEADING_ID_SCHEMES = ("sitegen", "github", "hugo", "zola")
SLUG_MODES = ("slugify", "safe", "lower")
_PLACEHOLDERS = {
    "slug": "x", "stem": "x", "collection": "x", "year": "2000", "month": "01", "day": "01",
    "title": "x", "categories": "x", "section": "x", "slugortitle": "x",
    "i_month": "1", "i_day": "1", "short_year": "00", "path": "x",
}


def _check_keys(table: dict[str, Any], allowed: frozenset[str], where: str, path: Path) -> None:
    """Unknown keys are mistakes ([feed] for [feeds]); own values belong in [extra]."""
    import difflib

    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else " (put your own values under [extra])"
            raise ConfigError(f"unknown setting `{where}{key}`{hint}", path, _key_line(path, key))


def _key_line(path: Path, key: str) -> int | None:
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError:
        return None
    for i, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith((key, f'"{key}"', f"[{key}", f"[[{key}")):
            return i
    return None


def _table(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{key}] must be a table", path)
    return value


def _get(data: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any, path: Path, where: str) -> Any:
    value = data.get(key, default)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{where}{key} must be a {names}, not {value!r}", path)
    return value


def _author(data: dict[str, Any], path: Path) -> AuthorConfig:
    """`author = "Name"`, or an `[author]` table with a picture, a bio and profile links."""
    raw = data.get("author", "")
    if isinstance(raw, str):
        return AuthorConfig(name=raw)
    if not isinstance(raw, dict):
        raise ConfigError(f"author must be a name or an [author] table, not {raw!r}", path, _key_line(path, "author"))
    _check_keys(raw, TABLE_KEYS["author"], "author.", path)
    values = {key: _get(raw, key, str, "", path, "author.") for key in ("name", "avatar", "bio", "url", "email")}
    links = []
    for i, item in enumerate(_get(raw, "links", list, [], path, "author.")):
        if not (isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("url"), str)):
            raise ConfigError(f"author.links entry {i + 1} needs `name` and `url` strings",
                              path, _key_line(path, "links"))
        _check_keys(item, frozenset({"name", "url"}), "author.links.", path)
        links.append(MenuItem(item["name"], item["url"]))
    return AuthorConfig(**values, links=tuple(links))


def _check_url_path(value: str, path: Path, what: str) -> str:
    if not value.startswith("/"):
        raise ConfigError(f"{what} must start with '/': {value!r}", path)
    return value


def _collection(name: str, raw: dict[str, Any], path: Path) -> CollectionConfig:
    where = f"collections.{name}."
    _check_keys(raw, TABLE_KEYS["collections.*"], where, path)
    is_pages = name == "pages"
    default_perm = "/{slug}/" if is_pages else f"/{name}/{{slug}}/"
    permalink = _check_url_path(_get(raw, "permalink", str, default_perm, path, where), path, where + "permalink")
    url = _check_url_path(_get(raw, "url", str, f"/{name}/", path, where), path, where + "url")
    if not url.endswith("/"):
        url += "/"
    _check_pattern(permalink, _PLACEHOLDERS, where + "permalink", path)
    return CollectionConfig(
        name=name,
        title=_get(raw, "title", str, name.replace("-", " ").title(), path, where),
        permalink=permalink,
        url=url,
        dated=_get(raw, "dated", bool, not is_pages, path, where),
        listed=_get(raw, "listed", bool, not is_pages, path, where),
        paginate=_get(raw, "paginate", int, 10, path, where),
        feed=_get(raw, "feed", bool, not is_pages, path, where),
        archives=_get(raw, "archives", bool, name == "blog", path, where),
        template=_get(raw, "template", str, "page.html" if is_pages else "post.html", path, where),
        index_template=_get(raw, "index_template", str, "list.html", path, where),
        folder=_folder(raw, "folder", path, where),
        drafts_folder=_folder(raw, "drafts_folder", path, where),
    )


def _folder(raw: dict[str, Any], key: str, path: Path, where: str) -> str:
    value = _get(raw, key, str, "", path, where).strip("/")
    if "/" in value or value in (".", ".."):
        raise ConfigError(f"{where}{key} must be one folder at the top of the content root, like \"_posts\", "
                          f"not {value!r}", path, _key_line(path, key))
    return value


def _taxonomy(name: str, raw: dict[str, Any], path: Path) -> TaxonomyConfig:
    where = f"taxonomies.{name}."
    _check_keys(raw, TABLE_KEYS["taxonomies.*"], where, path)
    permalink = _check_url_path(
        _get(raw, "permalink", str, f"/{name}/{{slug}}/", path, where), path, where + "permalink"
    )
    # A term page is a folder: its feed and later pages live below it.
    if not permalink.endswith("/"):
        raise ConfigError(f"{where}permalink must end with '/': {permalink!r}", path, _key_line(path, "permalink"))
    _check_pattern(permalink, {"slug": "x", "name": "x"}, where + "permalink", path)
    url = _check_url_path(_get(raw, "url", str, f"/{name}/", path, where), path, where + "url")
    return TaxonomyConfig(
        name=name,
        title=_get(raw, "title", str, name.replace("-", " ").title(), path, where),
        permalink=permalink,
        url=url if url.endswith("/") else url + "/",
        feed=_get(raw, "feed", bool, True, path, where),
        paginate=_get(raw, "paginate", int, 0, path, where),
    )


def _check_pattern(pattern: str, values: dict[str, str], what: str, path: Path) -> None:
    from sitegen.urls import expand, output_file

    try:
        output_file(expand(pattern, values))
    except SitegenError as exc:
        raise ConfigError(f"{what}: {exc.message}", path, _key_line(path, "permalink")) from None
    except ValueError as exc:
        raise ConfigError(f"{what} would write outside the output directory: {exc}", path,
                          _key_line(path, "permalink")) from None


def _images(raw: dict[str, Any], path: Path) -> ImagesConfig:
    where = "images."
    default = ImagesConfig()
    widths = _get(raw, "widths", list, list(default.widths), path, where)
    if not widths or not all(isinstance(w, int) and not isinstance(w, bool) and 16 <= w <= 8192 for w in widths):
        raise ConfigError("images.widths must be a list of pixel widths between 16 and 8192", path,
                          _key_line(path, "widths"))
    formats = _get(raw, "formats", list, list(default.formats), path, where)
    if not formats or not all(f in IMAGE_FORMATS for f in formats):
        raise ConfigError(f"images.formats must list some of {', '.join(IMAGE_FORMATS)}", path,
                          _key_line(path, "formats"))
    values = {}
    for key in ("quality", "avif_quality"):
        values[key] = _get(raw, key, int, getattr(default, key), path, where)
        if not 1 <= values[key] <= 100:
            raise ConfigError(f"images.{key} must be between 1 and 100", path, _key_line(path, key))
    values["avif_speed"] = _get(raw, "avif_speed", int, default.avif_speed, path, where)
    if not 0 <= values["avif_speed"] <= 10:
        raise ConfigError("images.avif_speed must be between 0 (slowest) and 10 (fastest)", path,
                          _key_line(path, "avif_speed"))
    max_pixels = _get(raw, "max_pixels", int, default.max_pixels, path, where)
    if max_pixels < 1:
        raise ConfigError("images.max_pixels must be positive", path, _key_line(path, "max_pixels"))
    return ImagesConfig(
        enabled=_get(raw, "enabled", bool, default.enabled, path, where),
        widths=tuple(sorted(set(widths))),
        formats=tuple(dict.fromkeys(formats)),
        sizes=_get(raw, "sizes", str, default.sizes, path, where),
        fetch_remote=_get(raw, "fetch_remote", bool, default.fetch_remote, path, where),
        max_pixels=max_pixels,
        **values,
    )


def _social(data: dict[str, Any], collections: list[CollectionConfig], path: Path) -> SocialConfig:
    social = _table(data, "social", path)
    _check_keys(social, TABLE_KEYS["social"], "social.", path)
    networks: dict[str, Any] = {}
    for name in ("mastodon", "bluesky"):
        if name not in social:
            continue
        raw = social[name]
        if name == "bluesky" and isinstance(raw, dict) and set(raw) <= {"appview"}:
            continue  # only where replies are read from (RepliesConfig): no crossposting to Bluesky
        where = f"social.{name}."
        if not isinstance(raw, dict):
            raise ConfigError(f"[social.{name}] must be a table", path, _key_line(path, f"social.{name}"))
        _check_keys(raw, TABLE_KEYS[f"social.{name}"], where, path)
        common: dict[str, Any] = {}
        names = _get(raw, "collections", list, [], path, where)
        for coll in names:
            if not isinstance(coll, str) or not any(c.name == coll for c in collections):
                raise ConfigError(f"{where}collections names unknown collection {coll!r}", path,
                                  _key_line(path, "collections"))
        common["collections"] = tuple(names)
        template = _get(raw, "template", str, DEFAULT_SOCIAL_TEMPLATE, path, where)
        problem = _template_problem(template)
        if problem:
            raise ConfigError(f"{where}template {problem}", path, _key_line(path, "template"))
        common["template"] = template
        common["language"] = _get(raw, "language", str, "", path, where).strip()
        timeout = _get(raw, "timeout", (int, float), 20, path, where)
        if isinstance(timeout, bool) or not 0 < timeout <= 600:
            raise ConfigError(f"{where}timeout must be a number of seconds between 0 and 600", path,
                              _key_line(path, "timeout"))
        common["timeout"] = float(timeout)
        common["since"] = _since(raw.get("since"), path, where)
        if name == "mastodon":
            instance = _social_url(raw, "instance", None, path, where)
            visibility = _get(raw, "visibility", str, "public", path, where)
            if visibility not in MASTODON_VISIBILITIES:
                raise ConfigError(f"{where}visibility must be one of {', '.join(MASTODON_VISIBILITIES)}, "
                                  f"not {visibility!r}", path, _key_line(path, "visibility"))
            networks[name] = MastodonConfig(instance=instance, visibility=visibility,
                                            token_env=_env_name(raw, "token_env", "MASTODON_TOKEN", path, where),
                                            **common)
        else:
            handle = _get(raw, "handle", str, "", path, where).strip().removeprefix("@")
            if not handle:
                raise ConfigError(f"{where}handle is required, like \"someone.bsky.social\"", path,
                                  _key_line(path, "social.bluesky"))
            networks[name] = BlueskyConfig(
                handle=handle, service=_social_url(raw, "service", "https://bsky.social", path, where),
                appview=_social_url(raw, "appview", "https://public.api.bsky.app", path, where),
                password_env=_env_name(raw, "password_env", "BLUESKY_APP_PASSWORD", path, where), **common)
    return SocialConfig(**networks)


def _since(value: Any, path: Path, where: str) -> dt.date | None:
    """`since = 2026-01-01` (a TOML date or datetime, or that text) → the day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ConfigError(f"{where}since must be a date like 2026-01-01, not {value!r}", path, _key_line(path, "since"))


def _template_problem(template: str) -> str | None:
    """Why a crosspost template cannot be filled: only the bare placeholders, and {url} must be there."""
    import string

    known = ", ".join("{" + k + "}" for k in SOCIAL_PLACEHOLDERS)
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        return f"is malformed: {exc} (write {{{{ and }}}} for literal braces)"
    for name, spec, conv in fields:
        if name not in SOCIAL_PLACEHOLDERS or spec or conv:
            return f"uses unknown placeholder {{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}} " \
                   f"(known: {known})"
    if "url" not in {name for name, _, _ in fields}:
        return "must contain {url}"
    return None


def _social_url(raw: dict[str, Any], key: str, default: str | None, path: Path, where: str) -> str:
    value = _get(raw, key, str, default or "", path, where).strip()
    if not value.startswith(("https://", "http://")) or " " in value:
        need = "is required and must be" if default is None and not value else "must be"
        raise ConfigError(f"{where}{key} {need} an http(s):// URL, like https://example.social", path,
                          _key_line(path, key) or _key_line(path, where.rstrip(".")))
    return value.rstrip("/")


def _env_name(raw: dict[str, Any], key: str, default: str, path: Path, where: str) -> str:
    value = _get(raw, key, str, default, path, where)
    if not value.replace("_", "a").isalnum() or value[0].isdigit():
        # A value that is not a variable name is most likely the secret itself: never echo it.
        raise ConfigError(f"{where}{key} must name an environment variable, like {default!r} (the secret itself "
                          "belongs in the environment, not in sitegen.toml)", path, _key_line(path, key))
    return value


def _replies(data: dict[str, Any], path: Path) -> RepliesConfig:
    social = _table(data, "social", path)  # its keys are checked by _social
    mode = _get(social, "replies", (str, bool), "button", path, "social.")
    mode = {True: "button", False: "off"}.get(mode, mode) if isinstance(mode, bool) else mode
    if mode not in REPLIES_MODES:
        raise ConfigError(f"social.replies must be one of {', '.join(REPLIES_MODES)}, not {mode!r}",
                          path, _key_line(path, "replies"))
    appview = _get(_table(social, "bluesky", path), "appview", str, BLUESKY_APPVIEW, path, "social.bluesky.")
    parsed = urlsplit(appview)
    if parsed.scheme not in ("https", "http") or not parsed.hostname or parsed.path.strip("/") or parsed.query:
        raise ConfigError(f"social.bluesky.appview must be an origin like {BLUESKY_APPVIEW!r}, not {appview!r}",
                          path, _key_line(path, "appview"))
    return RepliesConfig(mode=mode, bluesky_appview=f"{parsed.scheme}://{parsed.netloc}")


def _content_root(content: dict[str, Any], path: Path) -> str:
    value = _get(content, "dir", str, "content", path, "content.").replace("\\", "/").strip()
    parts = [p for p in value.strip("/").split("/") if p not in ("", ".")]
    if value.startswith("/") or ".." in parts:
        raise ConfigError(f"content.dir must be a folder inside the site (\"content\", or \".\" for the site's own "
                          f"folder), not {value!r}", path, _key_line(path, "dir"))
    return "/".join(parts) or "."


def _templates_dir(data: dict[str, Any], path: Path) -> str:
    value = _get(data, "templates_dir", str, "templates", path, "")
    parts = value.replace("\\", "/").strip("/").split("/")
    if not value or value.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ConfigError(f"templates_dir must be a folder inside the site, like \"templates\", not {value!r}",
                          path, _key_line(path, "templates_dir"))
    return "/".join(parts)


def _defaults(content: dict[str, Any], path: Path) -> tuple[Any, ...]:
    if "defaults" not in content:
        return ()
    from sitegen.defaults import parse

    return parse(content["defaults"], path, _key_line(path, "[content.defaults") or _key_line(path, "defaults"))


def discover_collections(content_dir: Path) -> list[str]:
    """Top-level folders of content/ are collections even when the config does not name them,
    except page bundles (`my-post/index.md` is a page of its own, not a collection)."""
    try:
        return sorted(
            e.name for e in content_dir.iterdir()
            if e.is_dir() and not e.name.startswith((".", "_"))
            and (not any((e / n).is_file() for n in ("index.md", "index.markdown"))
                 or any((e / n).is_file() for n in ("_index.md", "_index.markdown")))
        )
    except FileNotFoundError:
        return []


def load_config(site_dir: Path) -> SiteConfig:
    """Read SITE_DIR/sitegen.toml; every mistake becomes a ConfigError naming the file."""
    path = site_dir / CONFIG_NAME
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"no {CONFIG_NAME} in {site_dir} (is this a sitegen site? `sitegen new site DIR` makes one)"
        ) from None
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not valid UTF-8 (byte {exc.start})", path) from None
    except tomllib.TOMLDecodeError as exc:
        line = toml_error_line(exc)
        raise ConfigError(f"invalid TOML: {exc}", path, line) from None
    return config_from_dict(data, site_dir, path, hashlib.blake2b(raw_bytes, digest_size=16).hexdigest())


def config_from_dict(data: dict[str, Any], site_dir: Path, path: Path, digest: str = "") -> SiteConfig:
    _check_keys(data, TOP_KEYS, "", path)
    title = _get(data, "title", str, "", path, "")
    if not title:
        raise ConfigError("`title` is required", path)
    base_url = _get(data, "base_url", str, "", path, "")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError("`base_url` is required and must start with http:// or https://", path)
    timezone = _get(data, "timezone", str, "UTC", path, "")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown timezone {timezone!r} (use an IANA name like 'Europe/Berlin')", path) from None

    coll_raw = _table(data, "collections", path)
    names = list(coll_raw)
    content = _table(data, "content", path)
    content_root = _content_root(content, path)
    conventions = _get(content, "conventions", str, "sitegen", path, "content.")
    # Jekyll has no folder collections: a folder is pages (docs/x.md), unless _config.yml names it.
    discovered = [] if conventions == "jekyll" else discover_collections(
        site_dir / content_root if content_root != "." else site_dir)
    for found in discovered:
        if found not in names:
            names.append(found)
    if not names:
        names = ["blog"]
    if "pages" not in names:
        names.append("pages")
    collections = []
    for name in names:
        raw = coll_raw.get(name, {})
        if not isinstance(raw, dict):
            raise ConfigError(f"[collections.{name}] must be a table", path)
        collections.append(_collection(name, raw, path))

    tax_raw = _table(data, "taxonomies", path) if "taxonomies" in data else {"tags": {}}
    taxonomies = []
    for name, raw in tax_raw.items():
        if not isinstance(raw, dict):
            raise ConfigError(f"[taxonomies.{name}] must be a table", path)
        taxonomies.append(_taxonomy(name, raw, path))

    menu = []
    for i, item in enumerate(data.get("menu", [])):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("url"), str):
            raise ConfigError(f"menu entry {i + 1} needs `name` and `url` strings", path)
        menu.append(MenuItem(item["name"], item["url"]))
    if not menu:
        menu = [MenuItem(c.title, c.url) for c in collections if c.listed]
        if taxonomies:
            menu.append(MenuItem(taxonomies[0].title, taxonomies[0].url))

    home = _table(data, "home", path)
    feeds = _table(data, "feeds", path)
    markdown = _table(data, "markdown", path)
    links = _table(data, "links", path)
    _check_keys(links, TABLE_KEYS["links"], "links.", path)
    links_missing = _get(links, "missing", str, "error", path, "links.")
    if links_missing not in ("error", "warn"):
        raise ConfigError(f"links.missing must be \"error\" or \"warn\", not {links_missing!r}",
                          path, _key_line(path, "missing"))
    check = _table(data, "check", path)
    images = _table(data, "images", path)
    runbooks = _table(data, "runbooks", path)
    build = _table(data, "build", path)
    for name, table in (("home", home), ("feeds", feeds), ("markdown", markdown), ("check", check),
                        ("images", images), ("runbooks", runbooks), ("content", content), ("build", build)):
        _check_keys(table, TABLE_KEYS[name], f"{name}.", path)
    external = _get(check, "external_pages", list, [], path, "check.")
    if not all(isinstance(p, str) and p.startswith("/") for p in external):
        raise ConfigError("check.external_pages must be a list of URL paths like \"/art/\"", path)
    verified_dir = _get(runbooks, "verified_dir", str, "", path, "runbooks.").strip()
    if verified_dir and (Path(verified_dir).is_absolute() or ".." in Path(verified_dir).parts):
        raise ConfigError(
            f"runbooks.verified_dir must be a folder inside the site, like \"verified\", not {verified_dir!r}",
            path, _key_line(path, "verified_dir"),
        )
    verified_dir = verified_dir.rstrip("/")
    home_collections = tuple(_get(home, "collections", list, [], path, "home."))
    for name in home_collections:
        if not any(c.name == name for c in collections):
            raise ConfigError(f"home.collections names unknown collection {name!r}", path)
    if conventions not in CONVENTIONS:
        raise ConfigError(f"content.conventions must be one of {', '.join(CONVENTIONS)}, not {conventions!r}",
                          path, _key_line(path, "conventions"))
    slugs = _get(content, "slugs", str, "slugify", path, "content.")
    if slugs not in SLUG_MODES:
        raise ConfigError(f"content.slugs must be one of {', '.join(SLUG_MODES)}, not {slugs!r}",
                          path, _key_line(path, "slugs"))
    heading_ids = _get(markdown, "heading_ids", str, "sitegen", path, "markdown.")
    if heading_ids not in HEADING_ID_SCHEMES:
        raise ConfigError(f"markdown.heading_ids must be one of {', '.join(HEADING_ID_SCHEMES)}, not {heading_ids!r}",
                          path, _key_line(path, "heading_ids"))
    summary_separator = _get(markdown, "summary_separator", str, "<!-- more -->", path, "markdown.").strip()
    if not summary_separator or "\n" in summary_separator:
        raise ConfigError("markdown.summary_separator must be one line of text, like \"<!-- more -->\"",
                          path, _key_line(path, "summary_separator"))
    exclude = _get(content, "exclude", list, [], path, "content.")
    if not all(isinstance(p, str) and p.strip("/ ") for p in exclude):
        raise ConfigError("content.exclude must be a list of paths or globs, like [\"vendor\", \"Gemfile*\"]",
                          path, _key_line(path, "exclude"))
    publish_files = _get(content, "publish_files", str, "bundles", path, "content.")
    if publish_files not in ("bundles", "all"):
        raise ConfigError(f'content.publish_files must be "bundles" or "all", not {publish_files!r}',
                          path, _key_line(path, "publish_files"))
    youtube = _get(markdown, "youtube", str, "link", path, "markdown.")
    if youtube not in ("link", "embed"):
        raise ConfigError(f'markdown.youtube must be "link" or "embed", not {youtube!r}', path,
                          _key_line(path, "youtube"))
    outside = _get(build, "allow_outside", list, [], path, "build.")
    if not all(isinstance(p, str) and p.strip() for p in outside):
        raise ConfigError("build.allow_outside must be a list of folder paths, like [\"../shared/images\"]",
                          path, _key_line(path, "allow_outside"))
    strings_raw = _table(data, "strings", path)
    _check_keys(strings_raw, frozenset(DEFAULT_STRINGS), "strings.", path)
    for key, value in strings_raw.items():
        if not isinstance(value, str):
            raise ConfigError(f"strings.{key} must be a string", path, _key_line(path, key))
    strings = {**DEFAULT_STRINGS, **strings_raw}
    opts = _table(data, "theme_options", path)
    _check_keys(opts, TABLE_KEYS["theme_options"], "theme_options.", path)
    author = _author(data, path)
    author_block = _get(opts, "author_block", list, ["home", "posts"], path, "theme_options.")
    if not all(where in ("home", "posts") for where in author_block):
        raise ConfigError(f"theme_options.author_block lists where the author block shows: \"home\", \"posts\" "
                          f"or both, not {author_block!r}", path, _key_line(path, "author_block"))
    author_block = tuple(author_block)
    feed_filename = _get(feeds, "filename", str, "atom.xml", path, "feeds.")
    if "/" in feed_filename or feed_filename in ("", ".", ".."):
        raise ConfigError(f"feeds.filename must be a plain file name, not {feed_filename!r}", path)
    return SiteConfig(
        root=site_dir,
        title=title,
        base_url=base_url.rstrip("/"),
        author=author.name,
        author_profile=author,
        author_block=author_block,
        description=_get(data, "description", str, "", path, ""),
        language=_get(data, "language", str, "en", path, ""),
        timezone=timezone,
        theme=_get(data, "theme", str, "default", path, ""),
        collections=tuple(collections),
        taxonomies=tuple(taxonomies),
        menu=tuple(menu),
        home_collections=home_collections,
        home_paginate=_get(home, "paginate", int, 10, path, "home."),
        feed_filename=feed_filename,
        feed_limit=_get(feeds, "limit", int, 20, path, "feeds."),
        summary_length=_get(data, "summary_length", int, 200, path, ""),
        highlight_light=_get(markdown, "highlight_light", str, "sitegen-light", path, "markdown."),
        highlight_dark=_get(markdown, "highlight_dark", str, "sitegen-dark", path, "markdown."),
        heading_ids=heading_ids,
        summary_separator=summary_separator,
        youtube=youtube,
        links_missing=links_missing,
        check_external_pages=tuple(external),
        images=_images(images, path),
        verified_dir=verified_dir,
        conventions=conventions,
        content_root=content_root,
        exclude=tuple(p.strip().strip("/") for p in exclude),
        publish_files=publish_files,
        slugs=slugs,
        defaults=_defaults(content, path),
        templates_dir=_templates_dir(data, path),
        allow_outside=tuple(site_dir / p for p in outside),
        extra=_table(data, "extra", path),
        strings=strings,
        intro=_get(home, "intro", str, "", path, "home."),
        intro_page=_get(home, "intro_page", str, "", path, "home."),
        og_image=_get(opts, "og_image", str, "", path, "theme_options."),
        social=_social(data, collections, path),
        replies=_replies(data, path),
        digest=digest,
    )

