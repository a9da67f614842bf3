"""`sitegen new post` and `sitegen new site`: write a first post or a whole starter site.

Only creates files, never overwrites one. What it writes goes through the same front matter
parser and config loader as a build, and the tests build every scaffolded site.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from sitegen.config import CONFIG_NAME, load_config
from sitegen.errors import SitegenError
from sitegen.urls import slugify


class ScaffoldError(SitegenError):
    """`sitegen new` would overwrite something, or was given a name it cannot use."""


def main(args: argparse.Namespace) -> int:
    """Entry point for `sitegen new`, called by the CLI with its parsed arguments."""
    if args.what == "post":
        path = new_post(args.site_dir, args.title, collection=args.collection, draft=args.draft)
        print(path)
        return 0
    if args.what == "site":
        new_site(args.directory, args.title)
        print(f"created {args.directory}")
        print(f"next: cd {args.directory} && sitegen serve")
        return 0
    raise ScaffoldError(f"cannot create {args.what!r}: use `sitegen new post` or `sitegen new site`")


# -- posts ----------------------------------------------------------------------------------


def front_matter(title: str, published: dt.datetime | None = None, *, draft: bool = False) -> str:
    """A YAML front matter block (with both `---` lines) whose title reads back exactly as given."""
    lines = [_yaml_line("title", title)]
    lines += ['description: ""', "tags: []"]
    if published is not None:
        # An unquoted ISO timestamp with its offset: YAML reads it as a datetime, and a
        # reader sees the wall-clock time the post was started at.
        lines.append(f"published: {published.isoformat()}")
    if draft:
        lines.append("draft: true")
    return "---\n" + "\n".join(lines) + "\n---\n"


def _yaml_line(key: str, value: str) -> str:
    # safe_dump quotes whatever needs it (`yes`, `12`, `a: b`, a leading `-`, control
    # characters); the width keeps a long title on one line. Written as UTF-8 for people to
    # read, except that YAML reads a raw NEL or U+2028 as a line break: when the text does not
    # read back the same, fall back to \u escapes, which always do.
    for allow_unicode in (True, False):
        line = yaml.safe_dump({key: value}, allow_unicode=allow_unicode, width=1 << 16).rstrip("\n")
        if yaml.safe_load(line) == {key: value}:
            break
    return line


def new_post(
    site_dir: Path,
    title: str,
    *,
    collection: str = "blog",
    draft: bool = False,
    now: dt.datetime | None = None,
) -> Path:
    """Write content/<collection>/YYYY-MM-DD-<slug>.md and return its path.

    In an undated collection (`pages`, or `dated = false`) the file is just <slug>.md and has no
    `published:`, because the date would be shown nowhere and a page is not sorted by it.
    """
    site_dir = Path(site_dir)
    config = load_config(site_dir)
    if not title.strip():
        raise ScaffoldError("the title is empty")
    coll = config.collection(collection)
    if coll is None:
        known = ", ".join(c.name for c in config.collections)
        raise ScaffoldError(
            f"no collection {collection!r} (known: {known}); "
            f"to start a new one, create {Path('content') / collection}/ first",
            site_dir / CONFIG_NAME,
        )
    slug = slugify(title)
    if slug == "-":  # nothing in the title survives as a URL word ("???")
        slug = "untitled"
    published = (now or dt.datetime.now(config.tz)).astimezone(config.tz).replace(microsecond=0)
    if coll.dated:
        path = config.content_dir / collection / f"{published:%Y-%m-%d}-{slug}.md"
        text = front_matter(title.strip(), published, draft=draft)
    else:
        path = config.content_dir / collection / f"{slug}.md"
        text = front_matter(title.strip(), draft=draft)
    _write_new(path, text + "\nWrite here.\n")
    return path


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # "x" fails if the file exists, so a second `new post` on the same day cannot
        # clobber the first even if both run at once.
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise ScaffoldError("already exists; edit it, or choose another title", path) from None


# -- sites ----------------------------------------------------------------------------------


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for ch in value:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def machine_timezone(environ: Mapping[str, str] | None = None, etc: Path = Path("/etc")) -> str:
    """The machine's IANA time zone name: $TZ, /etc/timezone or the /etc/localtime link; else UTC."""
    env = os.environ if environ is None else environ
    candidates = [env.get("TZ", "").removeprefix(":")]
    with contextlib.suppress(OSError):
        candidates.append((etc / "timezone").read_text("utf-8").strip())
    try:
        target = os.readlink(etc / "localtime")
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        # "posixrules" and friends are files in zoneinfo/ but not names to put in a config.
        if not name or name.startswith("/") or name.startswith("posix"):
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


_CONFIG_TEMPLATE = """\
# sitegen site configuration. Every other key has a default; see the sitegen README.
title = {title}
base_url = "https://example.org"
timezone = {timezone}
"""

_ABOUT = """\
A few words about this site and who writes it.
"""

_HELLO = """\
This is the first post. Edit it in `{path}`, or start another one with

```sh
sitegen new post "My second post"
```

Preview the site while you write with `sitegen serve`, and build it into `public/` with
`sitegen build`.
"""


def new_site(
    directory: Path, title: str = "My blog", *, timezone: str | None = None, now: dt.datetime | None = None
) -> Path:
    """Create a site: sitegen.toml, a first blog post, an about page and an empty static/."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ScaffoldError("exists and is not a directory", directory)
    if directory.is_dir() and any(directory.iterdir()):
        raise ScaffoldError("is not empty; `sitegen new site` only creates new sites", directory)
    if not title.strip():
        raise ScaffoldError("the site title is empty")
    tz_name = timezone or machine_timezone()
    today = (now or dt.datetime.now(ZoneInfo(tz_name))).astimezone(ZoneInfo(tz_name)).replace(microsecond=0)

    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIG_NAME).write_text(
        _CONFIG_TEMPLATE.format(title=toml_string(title.strip()), timezone=toml_string(tz_name)), "utf-8"
    )
    hello = Path("content") / "blog" / f"{today:%Y-%m-%d}-hello-world.md"
    hello_text = front_matter("Hello, world", today) + "\n" + _HELLO.format(path=hello.as_posix())
    _write_new(directory / hello, hello_text)
    _write_new(directory / "content" / "pages" / "about.md", front_matter("About") + "\n" + _ABOUT)
    (directory / "static").mkdir()
    return directory
