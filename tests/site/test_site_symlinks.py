"""Symlinks that lead out of the site are refused, never followed into the output; published
files get ordinary modes whatever the source's."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from site_helpers import BASE_CONFIG, SiteDir, post

from sitegen.errors import SitegenError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site(tmp_path: Path) -> SiteDir:
    return SiteDir(tmp_path).write({
        "sitegen.toml": BASE_CONFIG,
        "content/blog/a.md": post("A", published="2024-01-01"),
        "static/style.css": "p {}",
    })


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    """A folder outside the site, like ~/.ssh: a 0600 key in a 0700 folder."""
    folder = tmp_path / "outside"
    folder.mkdir(mode=0o700)
    key = folder / "id_ed25519"
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    key.chmod(0o600)
    (folder / "post.md").write_text(post("Smuggled", published="2024-02-02"))
    return folder


def _refused(site: SiteDir, link: str) -> SitegenError:
    with pytest.raises(SitegenError) as caught:
        site.build()
    err = caught.value
    assert err.path == link, str(err)
    assert "outside" in err.message
    return err


def _published(site: SiteDir) -> set[str]:
    return set(site.snapshot()) if site.out.exists() else set()


@pytest.mark.parametrize(
    ("link", "target"),
    [
        ("static/keys", ""),                      # a folder leading out
        ("static/key.pem", "id_ed25519"),         # one file leading out
        ("static/deep/er/keys", ""),              # below a real folder
        ("content/blog/smuggled.md", "post.md"),  # a post from outside
        ("content/notes", ""),                    # a collection folder from outside
        ("templates/post.html", "post.md"),       # a template from outside
    ],
)
def test_links_out_of_the_site_are_refused(site: SiteDir, secrets: Path, link: str, target: str) -> None:
    path = site.root / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(secrets / target if target else secrets)
    _refused(site, link)
    published = _published(site)
    assert not [p for p in published if "id_ed25519" in p or "key" in p or "smuggled" in p]


def test_a_link_to_etc_copies_nothing(site: SiteDir) -> None:
    (site.root / "static" / "etc-link").symlink_to("/etc")
    _refused(site, "static/etc-link")
    assert not site.out.exists()


def test_the_previous_output_stays_when_a_link_is_refused(site: SiteDir, secrets: Path) -> None:
    site.build()
    before = site.snapshot()
    (site.root / "static" / "keys").symlink_to(secrets)
    _refused(site, "static/keys")
    assert site.snapshot() == before


def test_a_theme_may_not_link_out_of_its_folder(site: SiteDir, secrets: Path) -> None:
    theme = site.root / "themes" / "mine"
    (theme / "templates").mkdir(parents=True)
    for name in (ROOT / "themes" / "default" / "templates").glob("*.html"):
        (theme / "templates" / name.name).write_text(name.read_text())
    (theme / "static").mkdir()
    (theme / "static" / "keys").symlink_to(secrets)
    (site.root / "sitegen.toml").write_text(BASE_CONFIG + 'theme = "mine"\n')
    _refused(site, "themes/mine/static/keys")


def test_links_inside_the_site_are_followed(site: SiteDir) -> None:
    (site.root / "shared").mkdir()
    (site.root / "shared" / "logo.svg").write_text("<svg/>")
    (site.root / "static" / "img").symlink_to(site.root / "shared")
    (site.root / "static" / "same.css").symlink_to("style.css")
    site.build()
    assert site.read("img/logo.svg") == "<svg/>" and site.read("same.css") == "p {}"


def test_a_folder_named_in_allow_outside_may_be_linked(site: SiteDir, secrets: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared-images"
    shared.mkdir()
    (shared / "cat.txt").write_text("meow")
    (site.root / "static" / "images").symlink_to(shared)
    (site.root / "static" / "keys").symlink_to(secrets)
    (site.root / "sitegen.toml").write_text(BASE_CONFIG + '[build]\nallow_outside = ["../shared-images"]\n')
    _refused(site, "static/keys")  # only the named folder
    (site.root / "static" / "keys").unlink()
    site.build()
    assert site.read("images/cat.txt") == "meow"


def test_allow_outside_must_name_folders(site: SiteDir) -> None:
    (site.root / "sitegen.toml").write_text(BASE_CONFIG + '[build]\nallow_outside = "/"\n')
    with pytest.raises(SitegenError) as caught:
        site.build()
    assert caught.value.path and caught.value.path.endswith("sitegen.toml")


def test_a_symlink_loop_is_an_error_not_a_hang(site: SiteDir) -> None:
    (site.root / "static" / "sub").mkdir()
    (site.root / "static" / "sub" / "loop").symlink_to(site.root / "static")
    with pytest.raises(SitegenError) as caught:
        site.build()
    assert "loop" in caught.value.message and caught.value.path.startswith("static/sub/loop")


def test_published_files_get_ordinary_modes(site: SiteDir) -> None:
    private = site.root / "static" / "private"
    private.mkdir()
    (private / "notes.txt").write_text("not secret, just 0600 on disk")
    (private / "notes.txt").chmod(0o600)
    private.chmod(0o700)
    (site.root / "static" / "style.css").chmod(0o640)
    old_umask = os.umask(0o077)  # a strict umask must not make the site unreadable to the web server
    try:
        site.build()
        site.edit("content/blog/a.md", "Body text.", "Body text, edited.")
        site.build()  # files written by an incremental build too
    finally:
        os.umask(old_umask)
    modes = {}
    for path in site.out.rglob("*"):
        modes[path.relative_to(site.out).as_posix()] = stat.S_IMODE(path.lstat().st_mode)
    assert modes["private/notes.txt"] == 0o644 and modes["style.css"] == 0o644
    assert modes["private"] == 0o755 and modes["blog/a/index.html"] == 0o644
    assert {m for p, m in modes.items() if (site.out / p).is_file()} == {0o644}
    assert {m for p, m in modes.items() if (site.out / p).is_dir()} == {0o755}


def test_the_command_prints_one_error_naming_the_link(site: SiteDir, secrets: Path, tmp_path: Path) -> None:
    (site.root / "static" / "keys").symlink_to(secrets)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "sitegen", "build", str(site.root)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: static/keys: "), done.stderr
    assert not (site.root / "public").exists()


@pytest.mark.parametrize(("swapped", "copied", "target"), [
    ("static/late.txt", "static/late.txt", "id_ed25519"),   # the file itself turns into a link
    ("static/sub", "static/sub/id_ed25519", ""),            # a folder on its way does
])
def test_a_static_file_swapped_for_a_link_after_the_scan_is_refused_at_the_copy(
    site: SiteDir, secrets: Path, monkeypatch: pytest.MonkeyPatch, swapped: str, copied: str, target: str,
) -> None:
    """The scan checks every symlink; the race it cannot see is a file replaced by one between
    the scan and the copy. Planted deterministically: right after the copies are planned."""
    import shutil

    from sitegen.build import builder as builder_module

    (site.root / "static" / "sub").mkdir()
    (site.root / "static" / "sub" / "id_ed25519").write_text("harmless placeholder")
    (site.root / "static" / "late.txt").write_text("harmless placeholder")
    site.build()
    before = site.snapshot()
    (site.root / copied).write_text("a new version, to be copied")
    planned = builder_module.plan_static

    def plan_then_swap(*args: object, **kw: object) -> object:
        plan = planned(*args, **kw)
        path = site.root / swapped
        shutil.rmtree(path) if path.is_dir() else path.unlink()
        path.symlink_to(secrets / target if target else secrets)
        return plan

    monkeypatch.setattr(builder_module, "plan_static", plan_then_swap)
    err = _refused(site, copied)
    assert str(secrets) in err.message
    assert site.snapshot() == before  # nothing published, the previous site intact


def test_a_static_file_swapped_for_a_link_inside_the_site_is_still_copied(
    site: SiteDir, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sitegen.build import builder as builder_module

    (site.root / "shared.txt").write_text("shared text")
    (site.root / "static" / "late.txt").write_text("first")
    site.build()
    (site.root / "static" / "late.txt").write_text("second version")
    planned = builder_module.plan_static

    def plan_then_swap(*args: object, **kw: object) -> object:
        plan = planned(*args, **kw)
        (site.root / "static" / "late.txt").unlink()
        (site.root / "static" / "late.txt").symlink_to(site.root / "shared.txt")
        return plan

    monkeypatch.setattr(builder_module, "plan_static", plan_then_swap)
    site.build()
    assert site.read("late.txt") == "shared text"


def test_a_theme_stylesheet_swapped_for_a_link_is_refused_before_it_is_minified(
    site: SiteDir, secrets: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sitegen.build import builder as builder_module

    theme = site.root / "themes" / "mine"
    (theme / "templates").mkdir(parents=True)
    for name in (ROOT / "themes" / "default" / "templates").glob("*.html"):
        (theme / "templates" / name.name).write_text(name.read_text())
    (theme / "static").mkdir()
    for name in (ROOT / "themes" / "default" / "static").glob("*.css"):
        (theme / "static" / name.name).write_text(name.read_text())
    (site.root / "sitegen.toml").write_text(BASE_CONFIG + 'theme = "mine"\n')
    (site.root / "static" / "style.css").unlink()  # the theme's own, so minified
    planned = builder_module.plan_static
    swapped: list[str] = []

    def plan_then_swap(*args: object, **kw: object) -> object:
        plan = planned(*args, **kw)
        rel = sorted(plan["minify"])[0]
        (theme / "static" / rel).unlink()
        (theme / "static" / rel).symlink_to(secrets / "id_ed25519")
        swapped.append(rel)
        return plan

    monkeypatch.setattr(builder_module, "plan_static", plan_then_swap)
    _refused(site, "themes/mine/static/style.css")
    assert swapped == ["style.css"] and not site.out.exists()
