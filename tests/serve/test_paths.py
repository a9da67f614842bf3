"""Request paths map into the output directory and never out of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.serve.paths import resolve_request


@pytest.fixture
def out(tmp_path: Path) -> Path:
    root = tmp_path / "out"
    (root / "blog" / "post").mkdir(parents=True)
    (root / "index.html").write_text("home")
    (root / "blog" / "post" / "index.html").write_text("post")
    (root / "blog" / "noindex").mkdir()
    (root / "style.css").write_text("css")
    (root / "a b.txt").write_text("spaced")
    (tmp_path / "secret.txt").write_text("outside")
    (root / "link").symlink_to(tmp_path / "secret.txt")
    return root


def test_files_and_indexes(out: Path) -> None:
    assert resolve_request(out, "/").file == out / "index.html"
    assert resolve_request(out, "/blog/post/").file == out / "blog" / "post" / "index.html"
    assert resolve_request(out, "/blog/post/index.html").file == out / "blog" / "post" / "index.html"
    assert resolve_request(out, "/style.css?v=3").file == out / "style.css"
    assert resolve_request(out, "/a%20b.txt").file == out / "a b.txt"


def test_directory_without_slash_redirects(out: Path) -> None:
    assert resolve_request(out, "/blog/post").redirect == "/blog/post/"
    assert resolve_request(out, "/blog/post?x=1").redirect == "/blog/post/?x=1"
    # rebuilt from checked segments: '//blog' cannot become a protocol-relative redirect
    assert resolve_request(out, "//blog").redirect == "/blog/"


@pytest.mark.parametrize(
    "target",
    [
        "/missing",
        "/blog/noindex/",
        "/style.css/",
        "/../secret.txt",
        "/blog/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/blog/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/blog\\..\\..\\secret.txt",
        "/index.html%00.css",
        "/index.html\x00",
        "/%252e%252e/secret.txt",
        "/link",
        "/./index.html",
        "/%c0%ae%c0%ae/secret.txt",
        "relative/index.html",
    ],
)
def test_escapes_and_junk_are_not_found(out: Path, target: str) -> None:
    assert resolve_request(out, target).missing
