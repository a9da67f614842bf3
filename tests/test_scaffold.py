"""`sitegen new site` and `sitegen new post`: the files they write parse, build, and are never overwritten."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen import frontmatter as fm
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.engine import Builder
from sitegen.scaffold import front_matter, machine_timezone, new_post, new_site, toml_string


def build(site: Path, tmp_path: Path, drafts: bool = False) -> Path:
    out = tmp_path / ("out-drafts" if drafts else "out")
    Builder(site, out, drafts=drafts, cache_dir=tmp_path / ("cache-drafts" if drafts else "cache")).build()
    return out


def read_front_matter(path: Path) -> dict:
    return fm.split(path.read_text("utf-8"), str(path)).meta


@pytest.fixture
def site(tmp_path: Path) -> Path:
    directory = tmp_path / "site"
    assert main(["new", "site", str(directory), "--title", "Field notes"]) == 0
    return directory


# -- new site -------------------------------------------------------------------------------


def test_new_site_writes_config_first_post_about_page_and_static(tmp_path: Path, capsys) -> None:
    site = tmp_path / "site"
    assert main(["new", "site", str(site), "--title", "Field notes"]) == 0
    assert f"created {site}" in capsys.readouterr().out
    config = load_config(site)
    assert config.title == "Field notes"
    assert config.base_url == "https://example.org"
    config.tz  # a valid IANA name, or this raises  # noqa: B018
    posts = list((site / "content" / "blog").glob("*-hello-world.md"))
    assert len(posts) == 1
    today = dt.datetime.now(config.tz).date()
    assert posts[0].name in (f"{today:%Y-%m-%d}-hello-world.md",
                             f"{today - dt.timedelta(days=1):%Y-%m-%d}-hello-world.md")  # midnight race
    assert read_front_matter(posts[0])["title"] == "Hello, world"
    assert read_front_matter(site / "content" / "pages" / "about.md")["title"] == "About"
    assert (site / "static").is_dir()
    assert list((site / "static").iterdir()) == []


def test_new_site_builds(site: Path, tmp_path: Path) -> None:
    out = build(site, tmp_path)
    assert "Hello, world" in (out / "blog" / "hello-world" / "index.html").read_text("utf-8")
    assert "About" in (out / "about" / "index.html").read_text("utf-8")
    assert "Hello, world" in (out / "atom.xml").read_text("utf-8")
    assert "Field notes" in (out / "index.html").read_text("utf-8")


def test_new_site_accepts_an_existing_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["new", "site", str(tmp_path / "empty")]) == 0
    assert load_config(tmp_path / "empty").title == "My blog"


def test_new_site_refuses_a_non_empty_directory(tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    assert main(["new", "site", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not empty" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text("utf-8") == "mine"


def test_new_site_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("", "utf-8")
    assert main(["new", "site", str(tmp_path / "f")]) == 1


@pytest.mark.parametrize(
    "title", ['Say "hi"', "back\\slash", "tab\there", "del\x7fchar", "Ünïcode ✓", "[x] = 1"]
)
def test_new_site_title_survives_toml(tmp_path: Path, title: str) -> None:
    new_site(tmp_path / "s", title, timezone="UTC")
    assert load_config(tmp_path / "s").title == title


def test_new_site_uses_the_time_zone_it_is_given(tmp_path: Path) -> None:
    late = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
    new_site(tmp_path / "s", "T", timezone="Asia/Tokyo", now=late)
    assert load_config(tmp_path / "s").timezone == "Asia/Tokyo"
    # 20:00 UTC is already the next morning in Tokyo.
    assert (tmp_path / "s" / "content" / "blog" / "2026-03-02-hello-world.md").is_file()


# -- new post -------------------------------------------------------------------------------


def test_new_post_writes_front_matter_and_prints_the_path(site: Path, tmp_path: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["new", "post", "Tuning the heat pump", "--site", str(site)]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed.parent == site / "content" / "blog"
    assert printed.name.endswith("-tuning-the-heat-pump.md")
    meta = read_front_matter(printed)
    assert meta["title"] == "Tuning the heat pump"
    assert meta["description"] == ""
    assert meta["tags"] == []
    assert "draft" not in meta
    published = fm.parse_date(meta["published"], load_config(site).tz)
    assert published is not None
    assert published.utcoffset() is not None
    assert printed.name.startswith(f"{published:%Y-%m-%d}-")
    assert abs((dt.datetime.now(dt.UTC) - published).total_seconds()) < 120

    out = build(site, tmp_path)
    assert "Tuning the heat pump" in (out / "blog" / "tuning-the-heat-pump" / "index.html").read_text("utf-8")


def test_new_post_in_the_site_time_zone(tmp_path: Path) -> None:
    new_site(tmp_path / "s", "T", timezone="UTC", now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    config = tmp_path / "s" / "sitegen.toml"
    config.write_text(config.read_text("utf-8").replace('"UTC"', '"America/Los_Angeles"'), "utf-8")
    path = new_post(tmp_path / "s", "Late", now=dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC))
    assert path.name == "2026-03-01-late.md"  # still the evening before in California
    assert "published: 2026-03-01T21:00:00-08:00" in path.read_text("utf-8")


def test_new_post_draft_is_left_out_of_a_normal_build(site: Path, tmp_path: Path) -> None:
    assert main(["new", "post", "Half done", "--site", str(site), "--draft"]) == 0
    (path,) = (site / "content" / "blog").glob("*-half-done.md")
    assert read_front_matter(path)["draft"] is True
    assert not (build(site, tmp_path) / "blog" / "half-done").exists()
    assert (build(site, tmp_path, drafts=True) / "blog" / "half-done" / "index.html").is_file()


def test_new_post_refuses_to_overwrite(site: Path, capsys) -> None:
    assert main(["new", "post", "Once", "--site", str(site)]) == 0
    (path,) = (site / "content" / "blog").glob("*-once.md")
    path.write_text(path.read_text("utf-8") + "\nMy words.\n", "utf-8")
    before = path.read_text("utf-8")
    capsys.readouterr()
    assert main(["new", "post", "Once", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: already exists")
    assert path.read_text("utf-8") == before


def test_new_post_in_an_undated_collection_has_no_date(site: Path, tmp_path: Path) -> None:
    assert main(["new", "post", "Colophon", "--site", str(site), "--collection", "pages"]) == 0
    path = site / "content" / "pages" / "colophon.md"
    assert "published" not in read_front_matter(path)
    assert (build(site, tmp_path) / "colophon" / "index.html").is_file()


def test_new_post_in_a_new_folder_collection(site: Path, tmp_path: Path) -> None:
    (site / "content" / "notes").mkdir()
    assert main(["new", "post", "First note", "--site", str(site), "--collection", "notes"]) == 0
    assert (build(site, tmp_path) / "notes" / "first-note" / "index.html").is_file()


def test_new_post_rejects_an_unknown_collection(site: Path, capsys) -> None:
    assert main(["new", "post", "Typo", "--site", str(site), "--collection", "blgo"]) == 1
    err = capsys.readouterr().err
    assert "no collection 'blgo'" in err and "blog" in err
    assert not (site / "content" / "blgo").exists()


def test_new_post_needs_a_site(tmp_path: Path, capsys) -> None:
    assert main(["new", "post", "Lost", "--site", str(tmp_path)]) == 1
    assert "no sitegen.toml" in capsys.readouterr().err


def test_new_post_title_without_letters(site: Path) -> None:
    path = new_post(site, "???")
    assert path.name.endswith("-untitled.md")
    assert read_front_matter(path)["title"] == "???"


@pytest.mark.parametrize(
    "title",
    ["yes", "123", "null", "a: b", "- dash", "#hash", '"quoted"', "it's", "[x]", "{y: 1}", "Ünïcode “quotes”",
     "line\nbreak", "trailing: ", "@at", "%percent", "!tag", "*star", "&anchor", "`tick`", "nel\x85here"],
)
def test_new_post_title_round_trips(site: Path, tmp_path: Path, title: str) -> None:
    path = new_post(site, title)
    assert read_front_matter(path)["title"] == title.strip()
    build(site, tmp_path)


@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_front_matter_title_round_trips(title: str) -> None:
    text = front_matter(title, dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), draft=True)
    meta = fm.split(text, "x.md").meta
    assert meta["title"] == title
    assert meta["draft"] is True
    assert fm.parse_date(meta["published"], dt.UTC) == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@given(st.text(st.characters(blacklist_categories=("Cs",))))
def test_toml_string_round_trips(value: str) -> None:
    assert tomllib.loads(f"v = {toml_string(value)}")["v"] == value


# -- machine time zone ----------------------------------------------------------------------


def test_machine_timezone_prefers_tz(tmp_path: Path) -> None:
    assert machine_timezone({"TZ": "Europe/Berlin"}, etc=tmp_path) == "Europe/Berlin"
    assert machine_timezone({"TZ": ":Asia/Kolkata"}, etc=tmp_path) == "Asia/Kolkata"


def test_machine_timezone_reads_etc(tmp_path: Path) -> None:
    (tmp_path / "timezone").write_text("America/Chicago\n", "utf-8")
    assert machine_timezone({"TZ": "Not/AZone"}, etc=tmp_path) == "America/Chicago"


def test_machine_timezone_follows_the_localtime_link(tmp_path: Path) -> None:
    os.symlink("/usr/share/zoneinfo/Pacific/Auckland", tmp_path / "localtime")
    assert machine_timezone({}, etc=tmp_path) == "Pacific/Auckland"


def test_machine_timezone_falls_back_to_utc(tmp_path: Path) -> None:
    assert machine_timezone({}, etc=tmp_path) == "UTC"
