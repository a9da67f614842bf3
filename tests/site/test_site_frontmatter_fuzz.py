"""Front matter parsing on arbitrary input only ever raises SitegenError, never anything else.

A user's file can hold anything; whatever it holds, the build must end in one located message,
not a traceback. Three levels of input: raw bytes, text shaped like front matter (YAML and
TOML punctuation), and well-formed YAML/TOML with values of every type in every known key.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sitegen import frontmatter
from sitegen.config import config_from_dict
from sitegen.content import KNOWN_KEYS, parse_page
from sitegen.errors import SitegenError
from sitegen.urls import output_file

CONFIG = config_from_dict(
    {"title": "Fuzz", "base_url": "https://example.org", "timezone": "America/New_York"},
    Path("/nonexistent-site"), Path("/nonexistent-site/sitegen.toml"),
)
BLOG = CONFIG.collection("blog")
PAGES = CONFIG.collection("pages")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_yaml_alphabet = st.sampled_from([*"abct01:-[]{}!&*|>'\"#%@`,?.\\ \t\n", "\u00e9", "\ufeff", "\x00", "\r"])
_front_text = st.text(_yaml_alphabet, max_size=80)


def _parse_only_raises_sitegen_errors(data: bytes, key: str = "blog/2024-01-01-x.md") -> None:
    coll = BLOG if key.startswith("blog/") else PAGES
    try:
        _doc, record = parse_page(data, key, coll, CONFIG)
    except SitegenError as exc:
        assert exc.message
        assert exc.path in (f"content/{key}", "sitegen.toml")
        return
    _assert_url_stays_inside(record.path_url)


def _assert_url_stays_inside(path_url: str) -> None:
    """Either the URL is refused, or the file it maps to lies inside the output directory."""
    try:
        rel = output_file(path_url)
    except ValueError:
        return
    assert not rel.startswith("/")
    assert not posixpath.normpath(posixpath.join("out", rel)).startswith(("..", "/"))
    assert ".." not in rel.split("/")


@FUZZ
@given(st.binary(max_size=300))
@example(b"---\n\xff\n---\n")
@example(b"\xef\xbb\xbf---\ntitle: BOM\n---\n")
def test_parse_page_on_arbitrary_bytes(data):
    _parse_only_raises_sitegen_errors(data)


@FUZZ
@given(st.text(max_size=300))
def test_split_on_arbitrary_text(text):
    try:
        doc = frontmatter.split(text, "content/x.md")
    except SitegenError as exc:
        assert exc.path == "content/x.md"
        return
    assert isinstance(doc.meta, dict)
    assert text.endswith(doc.body)


@FUZZ
@given(st.sampled_from(["---", "+++"]), _front_text, st.text(max_size=40), st.sampled_from(["blog/2024-01-01-x.md",
                                                                                            "pages/about.md"]))
@example("---", "a: &x [*x]\ntags: *x", "", "blog/2024-01-01-x.md")
@example("---", "? [a, b]\n: c", "", "blog/2024-01-01-x.md")
@example("---", "published: .inf", "", "blog/2024-01-01-x.md")
@example("---", "published: .nan", "", "blog/2024-01-01-x.md")
@example("---", "published: 99999999999999999999", "", "blog/2024-01-01-x.md")
@example("---", "published: !!timestamp 2024-01-01", "", "blog/2024-01-01-x.md")
@example("---", "!!python/object:os.system x", "", "blog/2024-01-01-x.md")
@example("+++", "published = 07:32:00", "", "blog/2024-01-01-x.md")
@example("+++", "title = 1979-05-27", "", "blog/2024-01-01-x.md")
@example("---", "slug: \x00", "", "blog/2024-01-01-x.md")
def test_front_matter_shaped_text(fence, front, body, key):
    _parse_only_raises_sitegen_errors(f"{fence}\n{front}\n{fence}\n{body}".encode(), key)


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.dates(), st.datetimes(timezones=st.sampled_from([None, dt.UTC])),
)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=5), inner, max_size=3), max_leaves=8)
_keys = st.sampled_from(sorted(KNOWN_KEYS | {"tags", "link", "repost_link", "runbook"})) | st.text(max_size=8)


@FUZZ
@given(st.dictionaries(_keys, _values, max_size=6), st.sampled_from(["blog/2024-01-01-x.md", "pages/p.md",
                                                                      "blog/no-date.md"]))
def test_well_formed_yaml_with_values_of_any_type(meta, key):
    front = yaml.safe_dump(meta, allow_unicode=True)
    _parse_only_raises_sitegen_errors(f"---\n{front}---\nBody.\n".encode(), key)


@FUZZ
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=20))
def test_any_slug_either_fails_cleanly_or_stays_inside_the_output(slug):
    front = yaml.safe_dump({"title": "t", "slug": slug, "published": 1700000000}, allow_unicode=True)
    _parse_only_raises_sitegen_errors(f"---\n{front}---\n".encode())


def _slugify_by_the_book(text: str) -> str:
    import re
    import unicodedata

    norm = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in norm if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", "-", folded.lower()).strip("-_") or "-"


@given(st.text(max_size=60) | st.text(st.characters(max_codepoint=127), max_size=60))
@example("Héllo, World!")
@example("Rust 1.17: what's new?")
def test_slugify_skips_unicode_folding_only_where_it_changes_nothing(text):
    from sitegen.urls import slugify

    assert slugify(text) == _slugify_by_the_book(text)
