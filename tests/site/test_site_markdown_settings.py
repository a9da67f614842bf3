"""[markdown] settings reach the pages: heading id scheme, and a summary ended by `<!-- more -->`."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import BASE_CONFIG, SiteDir, post

from sitegen.errors import ContentError

LONG = "word " * 80


def test_more_summary_is_the_description_uncut_and_heading_scheme_applies(tmp_path: Path) -> None:
    site = SiteDir(tmp_path).write({
        "sitegen.toml": BASE_CONFIG + 'summary_length = 20\n[markdown]\nheading_ids = "zola"\n',
        "content/blog/a.md": post("A", f"{LONG}\n\nSecond.\n\n<!-- more -->\n\n## What's next?\n\nRest.\n",
                                  date="2024-01-01"),
    })
    site.build()
    page = site.read("blog/a/index.html")
    assert 'id="what-s-next"' in page
    assert f'<meta name="description" content="{LONG.strip()} Second.">' in page
    # Changing the scheme re-renders the page, even though its text did not change.
    site.edit("sitegen.toml", 'heading_ids = "zola"', 'heading_ids = "hugo"')
    site.build()
    assert 'id="whats-next"' in site.read("blog/a/index.html")


A_BODY = ('Zola [one](@/blog/b.md#end), Hugo [two]({{< ref "/blog/b" >}}),\n'
          '[three]({{< relref "b.md" >}}).\n\nSee [gone](gone.md) and\n[also gone](@/none.md).\n')
LINKS = {
    "content/blog/a.md": post("A", A_BODY, date="2024-01-01"),
    "content/blog/b.md": post("B", "## End\n", date="2024-01-02"),
}


def test_zola_and_hugo_links_resolve_and_missing_ones_name_their_line(tmp_path: Path) -> None:
    site = SiteDir(tmp_path).write({"sitegen.toml": BASE_CONFIG, **LINKS})
    with pytest.raises(ContentError) as err:
        site.build()
    # Front matter takes 4 lines; the dead link is on the 4th line of the body.
    assert str(err.value) == "content/blog/a.md:8: link to 'gone.md', but there is no such page in content/"


def test_links_missing_warn_builds_and_lists_every_dead_link(tmp_path: Path) -> None:
    site = SiteDir(tmp_path).write({"sitegen.toml": BASE_CONFIG + '[links]\nmissing = "warn"\n', **LINKS})
    report = site.build()
    page = site.read("blog/a/index.html")
    for link in ('<a href="/blog/b/#end">one</a>', '<a href="/blog/b/">two</a>', '<a href="/blog/b/">three</a>'):
        assert link in page
    assert [w for w in report.warnings if "no such page" in w] == [
        "content/blog/a.md:8: link to 'gone.md', but there is no such page in content/",
        "content/blog/a.md:9: link to '@/none.md', but there is no such page in content/",
    ]


def test_unknown_shortcodes_warn_once_per_kind(tmp_path: Path) -> None:
    site = SiteDir(tmp_path).write({
        "sitegen.toml": BASE_CONFIG,
        "content/blog/a.md": post("A", "{{< gist a 1 >}}\n\n{{< gist b 2 >}}\n", date="2024-01-01"),
        "content/blog/b.md": post("B", "{{< tweet 1 >}}\n", date="2024-01-02"),
    })
    report = site.build()
    assert sorted(w for w in report.warnings if "shortcode" in w) == [
        "content/blog/a.md:5: unknown shortcode {{< gist >}}, left in the page as written (2 uses)",
        "content/blog/b.md:5: unknown shortcode {{< tweet >}}, left in the page as written",
    ]
