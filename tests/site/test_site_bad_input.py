"""A user's mistake gives one clear line naming the file (and line), and leaves the last good site alone.

Each case builds a good site, breaks one input, and builds again: through the Builder (a
SitegenError whose text starts with `path:line`) and through the CLI (exit 1, one `error:` line
on stderr, no traceback). The previous output must be byte-identical afterwards, no staging
directory may be left behind, and once the input is fixed the next build must equal a clean one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from site_helpers import BASE_CONFIG, SiteDir

from sitegen.cli import main
from sitegen.engine import Builder
from sitegen.errors import SitegenError

GOOD = {
    "sitegen.toml": BASE_CONFIG,
    "content/blog/a.md": "---\ntitle: A\npublished: 2024-01-01\ntags: [x]\n---\nFirst.\n",
    "content/blog/b.md": "---\ntitle: B\npublished: 2024-01-02\n---\nSecond.\n",
    "content/pages/about.md": "---\ntitle: About\n---\nAbout.\n",
}
A = "content/blog/a.md"
POST_TEMPLATE = "{% extends 'base.html' %}\n{% block main %}\n<h1>{{ page.title }}</h1>\n{% endblock %}\n"

# (id, files written over the good site, where the message must point, what it must say)
CASES = [
    ("malformed-yaml", {A: "---\ntitle: A\ntags: [unclosed\npublished: 2024-01-01\n---\nx\n"},
     f"{A}:4", "invalid YAML"),
    ("yaml-not-a-mapping", {A: "---\n- just\n- a list\n---\nx\n"}, f"{A}:2", "mapping"),
    ("invalid-utf8", {A: b"---\ntitle: A\npublished: 2024-01-01\n---\nok\n\xff\xfe bad\n"},
     f"{A}:6", "not valid UTF-8"),
    ("missing-front-matter", {A: "Just some text.\n"}, f"{A}:1", "no front matter"),
    ("unclosed-front-matter", {A: "---\ntitle: A\npublished: 2024-01-01\nbody text\n"}, f"{A}:1", "not closed"),
    ("tags-not-a-list", {A: "---\ntitle: A\npublished: 2024-01-01\ntags: 5\n---\nx\n"}, f"{A}:4", "`tags`"),
    ("published-yesterday", {A: "---\ntitle: A\npublished: yesterday\n---\nx\n"}, f"{A}:3",
     "'yesterday' is not a date"),
    ("draft-not-a-bool", {A: "---\ntitle: A\npublished: 2024-01-01\ndraft: maybe\n---\nx\n"}, f"{A}:4", "`draft`"),
    ("dated-post-without-date", {A: "---\ntitle: A\n---\nx\n"}, A, "no date"),
    ("two-pages-one-url", {A: "---\ntitle: A\npublished: 2024-01-01\nslug: b\n---\nx\n"},
     "content/blog/", "two pages would be written to /blog/b/"),
    ("slug-dotdot", {A: "---\ntitle: A\npublished: 2024-01-01\nslug: ..\n---\nx\n"}, f"{A}:4", "`slug`"),
    ("slug-with-slash", {A: "---\ntitle: A\npublished: 2024-01-01\nslug: ../../etc\n---\nx\n"}, f"{A}:4", "`slug`"),
    ("md-link-to-nowhere", {A: "---\ntitle: A\npublished: 2024-01-01\n---\n[x](missing.md)\n"}, A, "missing.md"),
    ("permalink-escapes", {"sitegen.toml": BASE_CONFIG + '[collections.blog]\npermalink = "/../{slug}/"\n'},
     "sitegen.toml", "outside the output directory"),
    ("tag-dotdot", {"sitegen.toml": BASE_CONFIG + '[taxonomies.tags]\npermalink = "/tags/{name}/"\n',
                    A: '---\ntitle: A\npublished: 2024-01-01\ntags: [".."]\n---\nx\n'},
     A, "outside the output directory"),
    ("missing-layout", {A: "---\ntitle: A\npublished: 2024-01-01\nlayout: nope.html\n---\nx\n"}, f"{A}:4",
     "'nope.html' not found"),
    ("template-syntax-error", {"templates/post.html": "{% extends 'base.html' %}\n{% block main %}\n{{ page.title \n"
                               "{% endblock %}\n"}, "templates/post.html:4", "syntax error"),
    ("template-unknown-tag", {"templates/post.html": "{% extends 'base.html' %}\n{% frobnicate %}\n"},
     "templates/post.html:2", "frobnicate"),
    ("template-runtime-error", {"templates/post.html": POST_TEMPLATE.replace("{{ page.title }}", "{{ 1 // 0 }}")},
     "templates/post.html:3", "ZeroDivisionError"),
    ("template-bad-filter-argument", {"templates/post.html": POST_TEMPLATE.replace("page.title", "page.date|date(5)")},
     "templates/post.html:3", "TypeError"),
    ("toml-syntax", {"sitegen.toml": 'title = "x"\nbase_url = \n'}, "sitegen.toml:2", "invalid TOML"),
    ("missing-base-url", {"sitegen.toml": 'title = "x"\n'}, "sitegen.toml", "base_url"),
    ("unknown-timezone", {"sitegen.toml": BASE_CONFIG.replace('"UTC"', '"Mars/Olympus"')}, "sitegen.toml",
     "unknown timezone 'Mars/Olympus'"),
    ("config-wrong-type", {"sitegen.toml": BASE_CONFIG + "[feeds]\nlimit = \"many\"\n"}, "sitegen.toml", "feeds.limit"),
]


@pytest.fixture
def site(tmp_path: Path) -> SiteDir:
    return SiteDir(tmp_path).write(GOOD)


def _no_staging_left(site: SiteDir) -> None:
    assert [p.name for p in site.out.parent.iterdir() if "staging" in p.name] == []


def _fix_and_compare(site: SiteDir, builder: Builder, broken: dict, tmp_path: Path) -> None:
    for rel in broken:
        if rel in GOOD:
            site.write({rel: GOOD[rel]})
        else:
            site.remove(rel)
    builder.build()
    clean = tmp_path / "clean"
    Builder(site.root, clean / "out", cache_dir=clean / "cache").build()
    assert site.snapshot() == SiteDir.snapshot_of(clean / "out")


@pytest.mark.parametrize(("files", "where", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_builder_raises_a_located_error_and_keeps_the_old_site(site, tmp_path, files, where, says):
    builder = site.builder()  # long-lived: it must also recover once the input is fixed
    builder.build()
    before = site.snapshot()
    site.write(files)
    with pytest.raises(SitegenError) as info:
        builder.build()
    message = str(info.value)
    assert where in message.split(": ", 1)[0] + ": "
    assert says in message
    assert "\n" not in message
    assert site.snapshot() == before
    _no_staging_left(site)
    _fix_and_compare(site, builder, files, tmp_path)


@pytest.mark.parametrize(("files", "where", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_cli_prints_one_error_line_and_exits_1(tmp_path, capsys, files, where, says):
    site = SiteDir(tmp_path).write(GOOD)
    argv = ["build", str(site.root), "--out", str(site.out), "--cache-dir", str(site.cache)]
    assert main(argv) == 0
    before = site.snapshot()
    capsys.readouterr()
    site.write(files)
    assert main(argv) == 1
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    assert where in lines[0] and says in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""
    assert site.snapshot() == before
    _no_staging_left(site)


def test_a_missing_site_directory_is_a_clear_error(tmp_path, capsys):
    assert main(["build", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no sitegen.toml in ") and "Traceback" not in err


def test_a_failed_first_build_creates_no_output_directory(tmp_path):
    site = SiteDir(tmp_path).write({**GOOD, A: "no front matter\n"})
    with pytest.raises(SitegenError):
        site.build()
    assert not site.out.exists()
    _no_staging_left(site)


def test_an_unwritable_output_directory_is_one_error_line(tmp_path, capsys):
    """--out under a regular file cannot be created: a user's mistake, so one line and exit 1."""
    site = SiteDir(tmp_path).write(GOOD)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["build", str(site.root), "--out", str(blocker / "out"), "--cache-dir", str(site.cache)])
    captured = capsys.readouterr()
    assert code == 1, captured
    assert captured.err.startswith("error: ") and len(captured.err.splitlines()) == 1


def test_tag_dotdot_names_the_content_file(site):
    site.build()
    site.write({"sitegen.toml": BASE_CONFIG + '[taxonomies.tags]\npermalink = "/tags/{name}/"\n',
                A: '---\ntitle: A\npublished: 2024-01-01\ntags: [".."]\n---\nx\n'})
    with pytest.raises(SitegenError) as info:
        site.build()
    assert info.value.path == A


def test_escaping_permalink_names_the_config(site):
    site.build()
    site.write({"sitegen.toml": BASE_CONFIG + '[collections.blog]\npermalink = "/../{slug}/"\n'})
    with pytest.raises(SitegenError) as info:
        site.build()
    assert info.value.path is not None and info.value.path.endswith("sitegen.toml")


def test_missing_layout_names_the_content_file(site):
    site.build()
    site.write({A: "---\ntitle: A\npublished: 2024-01-01\nlayout: nope.html\n---\nx\n"})
    with pytest.raises(SitegenError) as info:
        site.build()
    assert info.value.path == A
    assert info.value.line == 4


def test_removing_the_broken_template_restores_the_theme(site, tmp_path):
    site.build()
    site.write({"templates/post.html": "{% broken"})
    with pytest.raises(SitegenError):
        site.build()
    shutil.rmtree(site.root / "templates")
    site.build()
    clean = tmp_path / "clean"
    Builder(site.root, clean / "out", cache_dir=clean / "cache").build()
    assert site.snapshot() == SiteDir.snapshot_of(clean / "out")


def test_tags_differing_only_in_case_merge_or_name_both_spellings(site):
    site.write({
        A: "---\ntitle: A\npublished: 2024-01-01\ntags: [Rust]\n---\nx\n",
        "content/blog/b.md": "---\ntitle: B\npublished: 2024-01-02\ntags: [rust]\n---\ny\n",
    })
    try:
        site.build()
    except SitegenError as exc:
        # Refusing is fine if the message says which spellings collide and where they are used.
        assert "'Rust'" in exc.message and "'rust'" in exc.message
        assert exc.path is not None and exc.path.startswith("content/blog/")
        return
    tag_page = site.read("tags/rust/index.html")
    assert "/blog/a/" in tag_page and "/blog/b/" in tag_page
