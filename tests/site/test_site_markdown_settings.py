"""[markdown] settings reach the pages: heading id scheme, and a summary ended by `<!-- more -->`."""

from __future__ import annotations

from pathlib import Path

from site_helpers import BASE_CONFIG, SiteDir, post

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
