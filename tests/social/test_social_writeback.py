"""Writing a link back is one new front matter line; every other byte stays."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from sitegen import frontmatter as fm
from sitegen.errors import ContentError
from sitegen.social.writeback import insert_key

LINK = "https://example.social/@someone/113000000000000001"
AT = "at://did:plc:abc234/app.bsky.feed.post/3n3noa73jwh22"


def one_line_added(before: bytes, after: bytes) -> bytes:
    """The single line `after` adds to `before`, checked to be the only change."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(new) == len(old) + 1
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), len(old))
    assert new[:at] + new[at + 1:] == old
    return new[at]


@pytest.mark.parametrize(("before", "line"), [
    (b"---\ntitle: A\n---\nbody\n", b"mastodon: " + LINK.encode() + b"\n"),
    # Comments, odd quoting and key order are kept; the line goes before the closing fence.
    (b"---\n# comment\ntitle:   'A: b'\ntags:\n  - x\n  - y\ndate: 2024-01-01 # when\n---\n",
     b"mastodon: '" + LINK.encode() + b"'\n"),
    # CRLF files get a CRLF line; a body without a final newline stays without one.
    (b"---\r\ntitle: A\r\n---\r\nbody", b"mastodon: " + LINK.encode() + b"\r\n"),
    # Front matter only, no newline after the closing fence.
    (b"---\ntitle: A\n---", b"mastodon: " + LINK.encode() + b"\n"),
    # A block scalar last: the new key ends it without changing its value.
    (b"---\ntitle: A\ndescription: |\n  two\n  lines\n---\n", b"mastodon: " + LINK.encode() + b"\n"),
])
def test_yaml_gets_one_line(before: bytes, line: bytes) -> None:
    after = insert_key(before, "mastodon", LINK, "content/blog/a.md")
    assert one_line_added(before, after) == line
    fm = after.decode().split("---")[1]
    assert yaml.safe_load(fm) == {**yaml.safe_load(before.decode().split("---")[1]), "mastodon": LINK}


@pytest.mark.parametrize(("before", "line"), [
    (b'---\ntitle: "A"\ndescription: "d"\npublished: 1767704507\ntags: ["x"]\n---\n', f'bluesky: "{AT}"\n'),
    (b"---\ntitle: 'A'\nslug: 'it''s'\n---\n", f"bluesky: '{AT}'\n"),
    (b"---\ntitle: A\nslug: b\nx: 'c'\n---\n", f"bluesky: {AT}\n"),
])
def test_yaml_value_is_quoted_like_the_others(before: bytes, line: str) -> None:
    after = insert_key(before, "bluesky", AT, "a.md")
    assert one_line_added(before, after) == line.encode()


def test_yaml_value_that_needs_quotes_is_quoted() -> None:
    after = insert_key(b"---\ntitle: A\n---\n", "bluesky", "at://x #y: z", "a.md")
    assert one_line_added(b"---\ntitle: A\n---\n", after) == b'bluesky: "at://x #y: z"\n'


def test_bom_is_kept() -> None:
    before = b"\xef\xbb\xbf---\ntitle: A\n---\n"
    after = insert_key(before, "bluesky", AT, "a.md")
    assert after.startswith(b"\xef\xbb\xbf---\n") and one_line_added(before, after) == f"bluesky: {AT}\n".encode()


@pytest.mark.parametrize("before", [
    b'+++\ntitle = "A"\n+++\nbody\n',
    b'+++\ntitle = "A" # c\n\n[extra]\nfoo = 1\n\n[taxonomies]\ntags = ["a"]\n+++\n',
    # A line starting with "[" inside a multi-line string or array is no table header.
    b'+++\ntitle = "A"\nnotes = """\n[not a table]\n"""\nm = [\n  [1, 2],\n]\n[extra]\nx = 1\n+++\n',
    b'+++\r\ntitle = "A"\r\n[extra]\r\nx = 1\r\n+++\r\nbody',
])
def test_toml_key_stays_top_level(before: bytes) -> None:
    after = insert_key(before, "bluesky", AT, "a.md")
    line = one_line_added(before, after)
    assert line.rstrip(b"\r\n") == f'bluesky = "{AT}"'.encode()
    assert line.endswith(b"\r\n") == before.startswith(b"+++\r\n")
    raw = after.decode().split("+++")[1]
    assert tomllib.loads(raw) == {**tomllib.loads(before.decode().split("+++")[1]), "bluesky": AT}


def test_refuses_instead_of_corrupting() -> None:
    with pytest.raises(ContentError, match="already set"):
        insert_key(b"---\nmastodon: x\n---\n", "mastodon", LINK, "a.md")
    with pytest.raises(ContentError, match="not closed"):
        insert_key(b"---\ntitle: A\n", "mastodon", LINK, "a.md")
    with pytest.raises(ContentError, match="no front matter"):
        insert_key(b"# just markdown\n", "mastodon", LINK, "a.md")


CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "wolfgirl"


def test_the_real_blog_gets_the_lines_its_author_writes() -> None:
    """Every post of the wolfgirl corpus that has links, with them taken out and written back:
    each written line is byte for byte the one in her file (her quoting), and the front matter
    reads back the same."""
    if not (CORPUS / "content").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the wolfgirl corpus is missing at {CORPUS}; CI must have it")
        pytest.skip(f"the wolfgirl corpus is not at {CORPUS}")
    checked = 0
    for path in sorted((CORPUS / "content").rglob("*.md")):
        original = path.read_bytes()
        keys = re.findall(rb"(?m)^(mastodon|bluesky):.*\r?\n", original)
        if not keys:
            continue
        meta = fm.split(fm.decode(original, str(path)), str(path)).meta
        stripped = re.sub(rb"(?m)^(mastodon|bluesky):.*\r?\n", b"", original)
        edited = stripped
        for key in keys:
            before = edited
            edited = insert_key(edited, key.decode(), meta[key.decode()], str(path))
            line = one_line_added(before, edited)
            assert line in original.splitlines(keepends=True), (path, line)
        assert fm.split(fm.decode(edited, str(path)), str(path)).meta == meta
        checked += 1
    assert checked >= 1
