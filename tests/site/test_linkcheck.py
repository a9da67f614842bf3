"""The link checker on built sites and on hand-written HTML, and the `sitegen check` command."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from site_helpers import BASE_CONFIG, copy_fixture, post

from sitegen.check import check
from sitegen.errors import SitegenError
from sitegen.linkcheck import Broken, check_links

LINKING_BODY = """\
Tagged: [bouldering](/tags/indoor%20bouldering/) and the feed [here](/tags/indoor%20bouldering/atom.xml).

Good: [b](/blog/b/), [b absolute](https://example.org/blog/b/), [b query](/blog/b/?ref=x#top),
[b http](http://example.org/blog/b/), [home](https://example.org), [feed](/blog/atom.xml).

Bad: [nope](/blog/nope/) and [absolute nope](https://example.org/nothing/).

External: [art](/art/gallery/), [art index](/art), [elsewhere](https://example.org.evil.test/x),
[cdn](//cdn.example.test/x.js), [mail](mailto:a@example.org), [relative](images/x.png).

## Details

Jump to [details](#details), [own page](/blog/a/#details), [gone](#missing).
"""


TAGS_AS_WRITTEN = '\n[taxonomies.tags]\npermalink = "/tags/{name}/"\n'


def _linking_site(make_site):
    site = make_site(
        {
            "content/blog/a.md": post("A", LINKING_BODY, published="2024-01-02", tags=["indoor bouldering"]),
            "content/blog/b.md": post("B", published="2024-01-01"),
        },
        config=BASE_CONFIG + TAGS_AS_WRITTEN + '\n[check]\nexternal_pages = ["/art/"]\n',
    )
    site.build()
    return site


def test_built_site_reports_exactly_the_dangling_links(make_site):
    site = _linking_site(make_site)
    broken = check_links(site.out, "https://example.org", ["/art/"])
    assert {(b.source_file, b.url, b.reason) for b in broken} == {
        ("blog/a/index.html", "/blog/nope/", "no such page"),
        ("blog/a/index.html", "https://example.org/nothing/", "no such page"),
        ("blog/a/index.html", "#missing", "no element with id 'missing' on this page"),
    }


def test_line_numbers_point_at_the_tag(make_site):
    site = _linking_site(make_site)
    lines = site.read("blog/a/index.html").splitlines()
    for b in check_links(site.out, "https://example.org", ["/art/"]):
        assert f'"{b.url}"' in lines[b.line - 1]


def test_percent_encoded_path_finds_the_directory_with_a_space(make_site):
    site = _linking_site(make_site)
    assert (site.out / "tags" / "indoor bouldering" / "index.html").is_file()
    broken = check_links(site.out, "https://example.org", ["/art/"])
    assert not [b for b in broken if "bouldering" in b.url]


def test_external_prefix_is_trusted_only_when_configured(make_site):
    site = _linking_site(make_site)
    broken = {b.url for b in check_links(site.out, "https://example.org")}
    assert {"/art/gallery/", "/art"} <= broken


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_link_resolves_to_file_index_or_dot_html(tmp_path):
    out = _write(tmp_path / "out", {
        "index.html": '<a href="/plain.txt">a</a>\n<a href="/dir">b</a>\n<a href="/dir/">c</a>\n'
                      '<a href="/page">d</a>\n<a href="/page.html">e</a>\n<a href="/">f</a>\n'
                      '<a href="/page/">g</a>\n<a href="/plain.txt/">h</a>\n',
        "plain.txt": "x",
        "dir/index.html": "",
        "page.html": "",
    })
    assert check_links(out) == [
        Broken("index.html", 7, "/page/"),
        Broken("index.html", 8, "/plain.txt/"),
    ]


def test_src_attributes_and_unquoted_values_are_checked(tmp_path):
    out = _write(tmp_path / "out", {
        "index.html": "<p>\n<img src=/missing.png alt>\n<script src='/app.js'></script>\n"
                      "<link rel=stylesheet href=/style.css>\n",
        "style.css": "",
    })
    assert [(b.line, b.url) for b in check_links(out)] == [(2, "/missing.png"), (3, "/app.js")]


def test_a_path_climbing_out_of_the_output_is_broken_even_if_the_file_exists(tmp_path):
    (tmp_path / "secret.html").write_text("")
    html = '<a href="/../secret.html">x</a><a href="/a/%2e%2e/../secret.html">y</a>'
    out = _write(tmp_path / "out", {"index.html": html})
    assert [b.url for b in check_links(out)] == ["/../secret.html", "/a/%2e%2e/../secret.html"]


def test_fragments_match_ids_and_old_style_anchor_names(tmp_path):
    out = _write(tmp_path / "out", {
        "index.html": '<h2 id="caf%C3%A9">x</h2><a name="old"></a><p id="café-2"></p>\n'
                      '<a href="#old">1</a><a href="#caf%C3%A9">2</a><a href="#caf%C3%A9-2">3</a>'
                      '<a href="#">4</a><a href="#top">5</a><a href="#Old">6</a>\n',
    })
    assert [(b.line, b.url) for b in check_links(out)] == [(2, "#Old")]


def test_fragments_into_other_pages_are_not_checked(tmp_path):
    out = _write(tmp_path / "out", {"index.html": '<a href="/other/#nowhere">x</a>', "other/index.html": ""})
    assert check_links(out) == []


def test_only_this_base_url_is_internal(tmp_path):
    out = _write(tmp_path / "out", {
        "index.html": '<a href="https://example.org/x/">1</a>\n<a href="https://example.orgx/y/">2</a>\n'
                      '<a href="https://other.test/z/">3</a>\n<a href="http://example.org?q=1">4</a>\n',
    })
    assert [b.url for b in check_links(out, "https://example.org/")] == ["https://example.org/x/"]


@pytest.mark.parametrize("own_templates", [True, False], ids=["fixture templates", "default theme"])
def test_the_fixture_site_has_no_dangling_links(tmp_path, own_templates):
    site = copy_fixture(tmp_path, own_templates=own_templates)
    site.build(drafts=True)
    assert check_links(site.out, "https://example.org") == []


# -- sitegen check ------------------------------------------------------------------------------

def _args(site_dir: Path, cache_dir: Path | None = None, drafts: bool = False) -> argparse.Namespace:
    return argparse.Namespace(site_dir=site_dir, cache_dir=cache_dir, drafts=drafts)


def test_check_a_clean_site_exits_0(make_site, capsys):
    site = make_site({
        "content/blog/a.md": post("A", "See [b](/blog/b/).\n", published="2024-01-02"),
        "content/blog/b.md": post("B", published="2024-01-01"),
    })
    assert check(_args(site.root)) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].endswith("no problems")
    assert not site.out.exists()  # check builds elsewhere


def test_check_names_the_content_file_and_line_of_a_broken_link(make_site, capsys):
    site = _linking_site(make_site)
    assert check(_args(site.root)) == 1
    lines = capsys.readouterr().out.splitlines()
    source = (site.root / "content/blog/a.md").read_text().splitlines()
    nope_line = next(i for i, line in enumerate(source, 1) if "(/blog/nope/)" in line)
    gone_line = next(i for i, line in enumerate(source, 1) if "(#missing)" in line)
    assert f"content/blog/a.md:{nope_line}: broken link '/blog/nope/': no such page" in lines
    gone = f"content/blog/a.md:{gone_line}: broken link '#missing': no element with id 'missing' on this page"
    assert gone in lines
    assert lines[-1].endswith("3 problems")


def test_check_blames_a_template_link_on_the_output_file(make_site, capsys):
    site = make_site({
        "content/blog/a.md": post("A", published="2024-01-02"),
        "templates/404.html": '<!doctype html>\n<title>x</title>\n<a href="/lost/">home</a>\n',
    })
    assert check(_args(site.root)) == 1
    out = capsys.readouterr().out
    assert "404.html:3: broken link '/lost/': no such page (in the built page, which template 404.html renders)" in out


def test_check_finds_the_line_of_each_mention(make_site, capsys):
    body = "Intro mentions /gone/ in prose.\n\n[first](/gone/)\n\n[second](/gone/) and [cafe](/café/)\n"
    site = make_site({"content/blog/a.md": post("A", body, published="2024-01-02")})
    assert check(_args(site.root)) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "content/blog/a.md:7: broken link '/gone/': no such page",
        "content/blog/a.md:9: broken link '/gone/': no such page",
        "content/blog/a.md:9: broken link '/caf%C3%A9/': no such page",
    ]


def test_check_skips_drafts_unless_asked(make_site, capsys):
    site = make_site({
        "content/blog/a.md": post("A", published="2024-01-02"),
        "content/blog/d.md": post("D", "[x](/nope/)\n", published="2024-01-03", draft="true"),
    })
    assert check(_args(site.root)) == 0
    assert check(_args(site.root, drafts=True)) == 1
    assert "content/blog/d.md:6: broken link '/nope/'" in capsys.readouterr().out


RUNBOOK = """\
Steps follow.

```sh {name=ok}
echo fine
```

```bash {name=broken}
if true; then
  echo never closed
```

```python {name=py needs=ok}
def f(:
    pass
```

```sh {name=w write=/tmp/x.conf}
this is { not shell
```
"""


def test_check_reports_runbook_syntax_errors_at_their_file_line(make_site, capsys):
    site = make_site({"content/blog/rb.md": post("Runbook", RUNBOOK, published="2024-01-02")})
    assert check(_args(site.root)) == 1
    out = capsys.readouterr().out
    lines = (site.root / "content/blog/rb.md").read_text().splitlines()
    closing = next(i for i, line in enumerate(lines, 1) if line == "```" and "never closed" in lines[i - 2])
    bad_def = lines.index("def f(:") + 1
    assert f"content/blog/rb.md:{closing}: step 'broken': bash -n:" in out
    assert f"content/blog/rb.md:{bad_def}: step 'py': Python syntax error" in out
    assert "'w'" not in out  # written files are data, not scripts
    assert "step 'ok'" not in out
    assert out.splitlines()[-1].endswith(" HTML files and 1 runbook: 2 problems")


@pytest.mark.parametrize(("block", "message"), [
    ("```sh {name=a bogus=1}\ntrue\n```\n", "unknown attribute 'bogus'"),
    ("```sh {name=a needs=b}\ntrue\n```\n\n```sh {name=b needs=a}\ntrue\n```\n", "cycle"),
    ("```sh {name=a needs=zzz}\ntrue\n```\n", "needs unknown step 'zzz'"),
])
def test_check_reports_invalid_runbooks(make_site, capsys, block, message):
    site = make_site({"content/blog/rb.md": post("Runbook", block, published="2024-01-02")})
    assert check(_args(site.root)) == 1
    out = capsys.readouterr().out
    assert out.startswith("content/blog/rb.md:5: ")
    assert message in out


def test_check_with_a_cache_dir_keeps_its_build_apart_and_incremental(make_site, capsys, tmp_path):
    site = make_site({"content/blog/a.md": post("A", published="2024-01-02")})
    cache = tmp_path / "user-cache"
    assert check(_args(site.root, cache)) == 0
    assert check(_args(site.root, cache)) == 0
    site.write({"content/blog/a.md": post("A", "[x](/gone/)\n", published="2024-01-02")})
    assert check(_args(site.root, cache)) == 1
    assert "content/blog/a.md:5: broken link '/gone/'" in capsys.readouterr().out


def test_check_lets_build_errors_propagate(make_site):
    site = make_site({"content/blog/a.md": "no front matter\n"})
    with pytest.raises(SitegenError, match="no front matter"):
        check(_args(site.root))


def test_cli_check_exit_codes_and_output(make_site, capsys):
    from sitegen.cli import main

    site = make_site({
        "content/blog/a.md": post("A", published="2024-01-02"),
        "content/blog/d.md": post("D", "[x](/nope/)\n", published="2024-01-03", draft="true"),
    })
    assert main(["check", str(site.root)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("no problems")
    assert main(["check", str(site.root), "--drafts", "--cache-dir", str(site.cache)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "content/blog/d.md:6: broken link '/nope/': no such page",
        captured.out.splitlines()[-1],
    ]
    assert captured.out.splitlines()[-1].endswith("1 problem")
    assert captured.err == ""


def test_cli_check_reports_a_build_error_as_one_line(make_site, capsys):
    from sitegen.cli import main

    site = make_site({"content/blog/a.md": "---\ntitle: A\npublished: someday\n---\n"})
    assert main(["check", str(site.root)]) == 1
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: content/blog/a.md:3: `published`: 'someday'")


def test_the_projects_own_site_checks_clean(capsys):
    """The repository's docs site (content/ beside sitegen.toml) has no dangling link and no bad runbook."""
    repo = Path(__file__).resolve().parents[2]
    assert (repo / "sitegen.toml").is_file()
    code = check(_args(repo))
    out = capsys.readouterr().out
    assert code == 0, out
    assert " runbook" in out.splitlines()[-1]


_html_bits = st.sampled_from([
    "<a href=", "<img src=", "<p id=", "<a name=", '"', "'", "/", "#", "%", "%2", "%zz", "..", "?", "x",
    ">", "<", "</a>", "<!--", "-->", "<![CDATA[", "&amp;", "&#0;", "&", " ", "\n", "https://example.org",
    "//", "<script>", "</script>", "\x00", "é", "<!doctype html>", "<a href=/ok/>",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(_html_bits, max_size=40).map("".join))
def test_the_checker_survives_any_markup(tmp_path_factory, markup):
    out = tmp_path_factory.mktemp("fuzz")
    (out / "ok").mkdir()
    (out / "ok" / "index.html").write_text("", encoding="utf-8")
    (out / "index.html").write_text(markup, encoding="utf-8")
    broken = check_links(out, "https://example.org")
    for b in broken:
        assert b.source_file == "index.html" and b.line >= 1
        assert b.url.startswith(("/", "#", "https://example.org", "http://example.org"))
