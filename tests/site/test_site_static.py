"""Static files: copied as they are, the site's own overriding the theme's, and gone when removed."""

from __future__ import annotations

import pytest
from site_helpers import BASE_CONFIG, SiteDir

from sitegen.errors import SitegenError


def test_static_files_are_copied_byte_for_byte(tmp_path):
    data = bytes(range(256))
    site = SiteDir(tmp_path).write({
        "sitegen.toml": BASE_CONFIG,
        "static/img/deep/pixel.bin": data,
        "static/favicon.ico": b"\x00\x01",
        "static/style.css": "/* the site's own */\n",
    })
    report = site.build()
    assert (site.out / "img/deep/pixel.bin").read_bytes() == data
    assert (site.out / "favicon.ico").read_bytes() == b"\x00\x01"
    # The site's static/style.css replaces the theme's file of the same name.
    assert site.read("style.css") == "/* the site's own */\n"
    assert {"img/deep/pixel.bin", "favicon.ico", "style.css"} <= set(report.copied)


def test_a_static_file_may_not_replace_a_generated_page(tmp_path):
    site = SiteDir(tmp_path).write({"sitegen.toml": BASE_CONFIG, "static/index.html": "<p>mine</p>"})
    with pytest.raises(SitegenError, match=r"static/index\.html.*would overwrite a generated page"):
        site.build()


def test_editor_droppings_are_not_published(tmp_path):
    site = SiteDir(tmp_path).write({
        "sitegen.toml": BASE_CONFIG,
        "static/notes.txt~": "backup",
        "static/.notes.txt.swp": "vim",
        "static/#notes.txt#": "emacs",
        "static/notes.txt": "real",
    })
    site.build()
    assert site.read("notes.txt") == "real"
    assert not [p.name for p in site.out.iterdir() if "notes" in p.name and p.name != "notes.txt"]


def test_dot_files_under_static_are_published(tmp_path):
    site = SiteDir(tmp_path).write({
        "sitegen.toml": BASE_CONFIG,
        "static/.well-known/atproto-did": "did:plc:abc123\n",
        "static/.well-known/security.txt": "Contact: mailto:security@example.org\n",
        "static/.nojekyll": "",
    })
    site.build()
    assert site.read(".well-known/atproto-did") == "did:plc:abc123\n"
    assert (site.out / ".well-known/security.txt").is_file()
    assert (site.out / ".nojekyll").is_file()
