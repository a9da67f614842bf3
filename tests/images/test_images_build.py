"""Images through a whole build: markup, variants published, encodes cached, the image a dependency of its page."""

from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

import pytest
from image_helpers import ImageHost, bomb_png, jpeg_bytes, photo, truncated_jpeg, write_jpeg
from PIL import Image

from sitegen.build.builder import Builder, Report
from sitegen.cli import main
from sitegen.errors import ConfigError

CONFIG = """\
title = "Images"
base_url = "https://example.org"

[images]
widths = [160, 320]
formats = ["webp"]
"""


def _post(title: str, body: str, date: str = "2026-11-01") -> str:
    return f"---\ntitle: {title}\ndate: {date}\n---\n{body}\n"


class Site:
    def __init__(self, root: Path, config: str = CONFIG) -> None:
        self.root = root / "site"
        self.out = root / "out"
        self.cache = root / "cache"
        (self.root / "content" / "blog").mkdir(parents=True)
        (self.root / "sitegen.toml").write_text(config)

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        before = path.stat().st_mtime_ns if path.exists() else None
        path.write_text(text)
        if before is not None and path.stat().st_mtime_ns == before:
            os.utime(path, ns=(before + 10**9, before + 10**9))

    def build(self) -> Report:
        return Builder(self.root, self.out, cache_dir=self.cache, jobs=1).build()

    def html(self, url: str) -> str:
        return (self.out / url.strip("/") / "index.html").read_text()


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site(tmp_path)
    write_jpeg(site.root / "content/blog/pics/harbour.jpg", 640, 480, seed=1)
    write_jpeg(site.root / "static/img/banner.jpg", 300, 100, seed=2)
    site.write("content/blog/trip.md", _post("Trip", 'Words.\n\n![The harbour](pics/harbour.jpg "At dusk")\n\n'
                                                  "[![Banner](/img/banner.jpg)](https://example.com/)\n"))
    site.write("content/blog/other.md", _post("Other", "No pictures here.", "2026-11-02"))
    return site


def _pictures(html: str) -> list[str]:
    return re.findall(r"<picture>.*?</picture>", html)


def test_a_local_image_gets_size_variants_and_a_link_to_the_original(site: Site) -> None:
    report = site.build()
    assert report.images_encoded == 2 and not report.warnings
    html = site.html(_url(site, "trip"))
    harbour, banner = _pictures(html)
    src = re.search(r'<img src="([^"]+)"', harbour).group(1)
    assert src == "/blog/trip/pics/harbour.jpg"  # as the browser resolves it on the page
    assert f'<a class="image-link" href="{src}"><picture>' in html
    assert 'alt="The harbour" title="At dusk" loading="lazy" decoding="async" width="640" height="480">' in harbour
    srcset = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="\(min-width: 46rem\) 42rem, 100vw">',
                       harbour).group(1)
    urls = [part.split() for part in srcset.split(", ")]
    assert [w for _, w in urls] == ["160w", "320w"]  # the largest configured width, not the 640 px file
    for url, width in urls:
        variant = Image.open(site.out / url.lstrip("/"))
        assert variant.format == "WEBP" and f"{variant.width}w" == width
    # Already inside a link: no second link around it; never wider than the 300 px original.
    assert '<a href="https://example.com/"><picture>' in html
    assert re.findall(r" (\d+)w", banner) == ["160", "300"]
    assert 'width="300" height="100"' in banner


def _url(site: Site, slug: str) -> str:
    found = [p for p in site.out.rglob("index.html") if p.parent.name == slug]
    return "/" + found[0].parent.relative_to(site.out).as_posix() + "/"


def test_no_change_and_unrelated_edits_encode_nothing_and_deleting_the_cache_does(site: Site) -> None:
    assert site.build().images_encoded == 2
    again = site.build()
    assert again.nothing and again.images_encoded == 0
    site.write("content/blog/other.md", _post("Other", "Still no pictures.", "2026-11-02"))
    edited = site.build()
    assert edited.images_encoded == 0
    assert [url for url, _ in edited.rendered if "trip" in url] == []
    # Editing the page with the images processes them again: all cache hits.
    site.write("content/blog/trip.md", (site.root / "content/blog/trip.md").read_text() + "\nMore.\n")
    assert site.build().images_encoded == 0
    shutil.rmtree(site.cache)
    assert site.build().images_encoded == 2


def test_replacing_an_image_rerenders_its_page(site: Site) -> None:
    site.build()
    page = _url(site, "trip")
    before = _pictures(site.html(page))[0]
    old_variants = set(re.findall(r"/_img/[^ \"]+", before))
    write_jpeg(site.root / "content/blog/pics/harbour.jpg", 800, 600, seed=9)
    report = site.build()
    assert report.images_encoded == 1
    assert page in [url for url, _ in report.rendered]
    after = _pictures(site.html(page))[0]
    assert 'width="800" height="600"' in after
    for url in old_variants:  # variants nobody shows any more are removed
        assert not (site.out / url.lstrip("/")).exists()
    assert all((site.out / u.lstrip("/")).exists() for u in re.findall(r"/_img/[^ \"]+", after))


def test_exif_rotated_photo_gets_upright_size_and_no_gps(site: Site) -> None:
    from image_helpers import GPS_IFD, rotated_with_gps

    rotated_with_gps(site.root / "content/blog/pics/sideways.jpg")
    site.write("content/blog/trip.md", _post("Trip", "![Sideways](pics/sideways.jpg)"))
    site.build()
    pic = _pictures(site.html(_url(site, "trip")))[0]
    assert 'width="100" height="200"' in pic
    (url,) = re.findall(r"/_img/[^ \"]+", pic)
    variant = Image.open(site.out / url.lstrip("/"))
    assert variant.size == (100, 200)
    assert not variant.getexif() and not variant.getexif().get_ifd(GPS_IFD)


def test_bad_images_warn_naming_file_and_page_and_the_build_goes_on(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = site.root / "content/blog/pics"
    (folder / "empty.png").write_bytes(b"")
    (folder / "garbage.jpg").write_bytes(b"not a jpeg" * 50)
    truncated_jpeg(folder / "cut.jpg")
    bomb_png(folder / "bomb.png")
    names = ["empty.png", "garbage.jpg", "cut.jpg", "bomb.png", "harbour.jpg"]
    site.write("content/blog/trip.md", _post("Trip", " ".join(f"![{n}](pics/{n})" for n in names)))
    assert main(["build", str(site.root), "--out", str(site.out), "--cache-dir", str(site.cache)]) == 0
    err = capsys.readouterr().err
    page = "content/blog/trip.md"
    for name, why in [("empty.png", "the file is empty"), ("garbage.jpg", "not an image"),
                      ("cut.jpg", "cannot decode"), ("bomb.png", "decompression bomb")]:
        assert re.search(rf"^warning: {page}: image pics/{name} \(content/blog/pics/{name}\): .*{why}", err, re.M), err
    html = site.html(_url(site, "trip"))
    for name in ("empty.png", "garbage.jpg", "cut.jpg", "bomb.png"):
        assert f'<img src="pics/{name}" alt="' in html
    assert len(_pictures(html)) == 1


def test_image_settings_are_checked(tmp_path: Path) -> None:
    site = Site(tmp_path, CONFIG.replace("widths = [160, 320]", "widths = [0]"))
    with pytest.raises(ConfigError, match=r"images\.widths"):
        site.build()


def test_images_can_be_turned_off(tmp_path: Path) -> None:
    site = Site(tmp_path, CONFIG + "enabled = false\n")
    write_jpeg(site.root / "static/a.jpg", 400, 300)
    site.write("content/blog/a.md", _post("A", "![a](/a.jpg)"))
    report = site.build()
    assert report.images_encoded == 0
    assert '<img src="/a.jpg" alt="a" loading="lazy" decoding="async"></p>' in site.html(_url(site, "a"))


def test_remote_images_are_fetched_once_and_revalidated(tmp_path: Path, image_host: ImageHost) -> None:
    site = Site(tmp_path, CONFIG + "fetch_remote = true\n")
    image_host.files["/pics/cat.jpg"] = jpeg_bytes(photo(400, 300))
    url = image_host.url("/pics/cat.jpg")
    site.write("content/blog/cat.md", _post("Cat", f"![A cat]({url})"))
    report = site.build()
    assert report.images_encoded == 1 and not report.warnings
    pic = _pictures(site.html(_url(site, "cat")))[0]
    assert f'<a class="image-link" href="{url}">' in site.html(_url(site, "cat"))
    assert 'width="400" height="300"' in pic and "/_img/cat." in pic
    assert len(image_host.requests) == 1
    assert site.build().nothing and len(image_host.requests) == 1  # no change: not even a request
    site.write("content/blog/cat.md", _post("Cat", f"![A cat]({url})\n\nEdited."))
    report = site.build()
    assert report.images_encoded == 0
    assert len(image_host.requests) == 2
    assert image_host.requests[1][1]["If-None-Match"] == image_host.etag_of("/pics/cat.jpg")


def test_an_unreachable_image_host_warns_once_and_keeps_the_urls(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    site = Site(tmp_path, CONFIG + "fetch_remote = true\n")
    body = "\n\n".join(f"![{i}](http://127.0.0.1:{port}/{i}.jpg)" for i in range(4))
    site.write("content/blog/gone.md", _post("Gone", body))
    site.write("content/blog/gone2.md", _post("Gone too", f"![x](http://127.0.0.1:{port}/x.png)"))
    report = site.build()
    host_warnings = [w for w in report.warnings if f"127.0.0.1:{port}" in w]
    assert len(host_warnings) == 1 and "5 images" in host_warnings[0] and "remote URL kept" in host_warnings[0]
    html = site.html(_url(site, "gone"))
    assert f'<img src="http://127.0.0.1:{port}/0.jpg" alt="0"' in html and "<picture>" not in html


def test_a_page_bundle_photo_links_to_the_original_published_beside_the_page(tmp_path: Path) -> None:
    site = Site(tmp_path)
    write_jpeg(site.root / "content/blog/walk/view.jpg", 500, 400, seed=4)
    site.write("content/blog/walk/index.md", _post("Walk", "![The view](view.jpg)"))
    report = site.build()
    assert report.images_encoded == 1 and not report.warnings
    html = site.html("/blog/walk/")
    assert '<a class="image-link" href="/blog/walk/view.jpg"><picture>' in html
    assert (site.out / "blog/walk/view.jpg").read_bytes() == (site.root / "content/blog/walk/view.jpg").read_bytes()
    assert 'width="500" height="400"' in html


def test_a_no_change_build_with_images_imports_no_pillow(site: Site) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sitegen.build.builder import Builder\n"
        "r = Builder(Path(sys.argv[1]), Path(sys.argv[2]), cache_dir=Path(sys.argv[3])).build()\n"
        "print(r.images_encoded, len(r.rendered), 'PIL' in sys.modules)\n"
    )
    args = [sys.executable, "-c", code, str(site.root), str(site.out), str(site.cache)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    first = subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout.split()
    assert first[0] == "2" and first[1] != "0" and first[2] == "True"
    again = subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout.split()
    assert again == ["0", "0", "False"]


def test_image_stats_take_the_scans_figures_and_stat_only_the_rest(tmp_path: Path) -> None:
    """A no-change build compares every image's (mtime, size): those under content/ and static/
    come from the scan that already walked them, so a thousand photos are not stat()ed twice."""
    from types import SimpleNamespace

    from sitegen.build.images import image_stats
    from sitegen.build.scan import file_stat
    from sitegen.config import load_config

    (tmp_path / "sitegen.toml").write_text('title = "T"\nbase_url = "https://t.example"\n')
    for rel in ("content/blog/p.jpg", "static/s.jpg", "other/o.jpg"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x" * 10)
    config = load_config(tmp_path)
    records = {"blog/x.md": SimpleNamespace(image_files=(
        "content/blog/p.jpg", "static/s.jpg", "other/o.jpg", "content/blog/gone.jpg", "remote:https://h.example/y.jpg"))}
    scan = {"content_files": {"blog/p.jpg": (1, 2)}, "site_static": {"s.jpg": (3, 4)}}
    assert image_stats(config, records, scan) == {  # type: ignore[arg-type]
        "content/blog/gone.jpg": None, "content/blog/p.jpg": (1, 2), "other/o.jpg": file_stat(tmp_path / "other/o.jpg"),
        "static/s.jpg": (3, 4)}
    assert image_stats(config, records)["content/blog/p.jpg"] == file_stat(tmp_path / "content/blog/p.jpg")  # type: ignore[arg-type]


def test_a_build_with_images_off_or_only_local_ones_imports_no_pillow_or_network_code(tmp_path: Path) -> None:
    """Pillow, and the HTTP client that fetches remote images (ssl, urllib), cost a cold build
    tens of milliseconds of imports in the serial step between parsing and rendering: a build
    that encodes nothing must not load them, nor one with no remote image load the client."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sitegen.build.builder import Builder\n"
        "r = Builder(Path(sys.argv[1]), Path(sys.argv[2]), cache_dir=Path(sys.argv[3])).build()\n"
        "print(len(r.rendered) > 0, *sorted(m for m in ('PIL', 'ssl', 'urllib.request', 'http.client')"
        " if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    off = Site(tmp_path / "off", CONFIG + "enabled = false\n")
    on = Site(tmp_path / "on", CONFIG + "fetch_remote = true\n")
    for site in (off, on):
        write_jpeg(site.root / "static/a.jpg", 400, 300)
        site.write("content/blog/a.md", _post("A", "![a](/a.jpg)\n\n[remote](https://example.com/b.jpg)"))
    done = subprocess.run([sys.executable, "-c", code, str(off.root), str(off.out), str(off.cache)],
                          capture_output=True, text=True, check=True, env=env)
    assert done.stdout.split() == ["True"]
    done = subprocess.run([sys.executable, "-c", code, str(on.root), str(on.out), str(on.cache)],
                          capture_output=True, text=True, check=True, env=env)
    assert done.stdout.split() == ["True", "PIL"]
