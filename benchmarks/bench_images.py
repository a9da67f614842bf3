#!/usr/bin/env python3
"""Image benchmark: 1,000 generated photo-like JPEGs in 100 posts.

Measures, each `sitegen build` in a fresh process (imports and start-up count):
- a clean build with an empty image cache (every image encoded), next to a plain Pillow loop
  doing the same work (open, EXIF transpose, resize to the same widths, encode the same formats
  and qualities) in a process pool of the same size; and the clean build with `[images]
  enabled = false`, so the encode share can be read off;
- a no-change build with images, next to a no-change build of the same site with images off;
- a one-post edit (must encode nothing);
- peak RSS of the clean build (GNU time; the largest process of the tree, workers included).

    python3 benchmarks/bench_images.py [--count 1000] [--formats webp] [--runs 5] [--jobs 2]

`--formats avif,webp` adds AVIF (several times slower to encode); `--wolfgirl` also builds the
wolfgirl corpus with its remote images served from 127.0.0.1 (one generated photo per URL).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import unquote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(REPO)
WIDTHS = (480, 960, 1440)


# -- the corpus -----------------------------------------------------------------------------

def _bases(seed: int) -> list:
    """A few large textures (gradients, blurred noise, shapes); each photo is a crop of one."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    bases = []
    for n in range(4):
        w, h = 2600, 1800
        noise = Image.effect_noise((w // 6, h // 6), 60).resize((w, h), Image.Resampling.BICUBIC)
        grad = Image.linear_gradient("L").rotate(n * 40).resize((w, h))
        fine = Image.effect_noise((w, h), 25)
        im = Image.merge("RGB", (grad, noise, Image.blend(grad.transpose(Image.Transpose.ROTATE_180), fine, 0.4)))
        draw = ImageDraw.Draw(im)
        for _ in range(60):
            x, y = rnd.randrange(w), rnd.randrange(h)
            r = rnd.randint(20, 260)
            draw.ellipse((x, y, x + r, y + r * rnd.uniform(0.5, 1.5)), fill=tuple(rnd.randrange(256) for _ in range(3)))
        bases.append(im.filter(ImageFilter.GaussianBlur(1.2)))
    return bases


def make_photo(bases: list, i: int, size: tuple[int, int] = (1600, 1067)) -> bytes:
    import io

    from PIL import ImageEnhance

    rnd = random.Random(i)
    base = bases[i % len(bases)]
    x, y = rnd.randrange(base.width - size[0]), rnd.randrange(base.height - size[1])
    im = base.crop((x, y, x + size[0], y + size[1]))
    im = ImageEnhance.Color(im).enhance(rnd.uniform(0.6, 1.4))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=rnd.randint(82, 92))
    return buf.getvalue()


def make_site(root: Path, count: int, per_post: int = 10) -> Path:
    """content/blog/post-N.md, each showing `per_post` photos from content/blog/photos/."""
    site = root / f"site-{count}"
    if (site / ".done").exists():
        return site
    shutil.rmtree(site, ignore_errors=True)
    photos = site / "content" / "blog" / "photos"
    photos.mkdir(parents=True)
    bases = _bases(1)
    for i in range(count):
        (photos / f"photo-{i:04d}.jpg").write_bytes(make_photo(bases, i))
    for p in range((count + per_post - 1) // per_post):
        lines = [f"---\ntitle: Post {p}\ndate: 2026-01-{p % 28 + 1:02d}\n---\n", "A day out.\n"]
        for i in range(p * per_post, min(count, (p + 1) * per_post)):
            lines.append(f"![Photo {i}](photos/photo-{i:04d}.jpg)\n")
        (site / "content" / "blog" / f"post-{p:03d}.md").write_text("\n".join(lines))
    (site / ".done").write_text("")
    return site


def configure(site: Path, formats: list[str], enabled: bool = True) -> None:
    (site / "sitegen.toml").write_text(
        'title = "Photos"\nbase_url = "https://photos.example"\n\n[images]\n'
        f"enabled = {'true' if enabled else 'false'}\nformats = {formats!r}\n".replace("'", '"')
    )


# -- measuring ------------------------------------------------------------------------------

def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Timed(float):
    """Wall seconds, with the CPU seconds of the process tree beside them (`.cpu`): on a machine
    shared with other work the CPU time is the steadier figure."""

    cpu: float = 0.0


def _timed(wall: float, cpu: float) -> Timed:
    t = Timed(wall)
    t.cpu = cpu
    return t


def build(site: Path, out: Path, xdg: Path, jobs: int, *extra: str) -> tuple[Timed, str]:
    env = dict(ENV, XDG_CACHE_HOME=str(xdg), SITEGEN_JOBS=str(jobs))
    cpu = _cpu()
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sitegen", "build", str(site), "--out", str(out), "-v", *extra],
                          capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stdout}{proc.stderr}")
    encoded = re.search(r"encoded (\d+) images", proc.stdout)
    return _timed(wall, _cpu() - cpu), encoded.group(1) if encoded else "0"


def peak_rss(site: Path, out: Path, xdg: Path, jobs: int) -> int:
    """KiB: the largest single process of a clean build (GNU time follows the whole tree's max)."""
    time_bin = "/usr/bin/time"
    if not os.path.exists(time_bin):
        return 0
    env = dict(ENV, XDG_CACHE_HOME=str(xdg), SITEGEN_JOBS=str(jobs))
    proc = subprocess.run([time_bin, "-f", "%M", sys.executable, "-m", "sitegen", "build", str(site),
                           "--out", str(out)], capture_output=True, text=True, env=env, check=True)
    return int(proc.stderr.strip().splitlines()[-1])


def _plain_one(job: tuple[str, str, tuple[str, ...]]) -> int:
    """What a hand-written Pillow script does for one image."""
    from PIL import Image, ImageOps

    from sitegen.images.encode import variant_widths

    src, out, formats = job
    written = 0
    with Image.open(src) as im:
        im = ImageOps.exif_transpose(im)
        for width in variant_widths(im.width, WIDTHS):
            height = round(im.height * width / im.width)
            resized = im.resize((width, height), Image.Resampling.LANCZOS)
            for fmt in formats:
                path = f"{out}/{Path(src).stem}-{width}.{fmt}"
                if fmt == "avif":
                    resized.save(path, "AVIF", quality=55, speed=8, max_threads=1)
                else:
                    resized.save(path, "WEBP", quality=80, method=4)
                written += 1
    return written


def plain_pillow(site: Path, out: Path, formats: tuple[str, ...], jobs: int) -> Timed:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    jobs_list = [(str(p), str(out), formats) for p in sorted((site / "content/blog/photos").iterdir())]
    cpu = _cpu()
    started = time.perf_counter()
    pool = get_context("fork").Pool(jobs)
    sum(pool.imap_unordered(_plain_one, jobs_list, chunksize=4))
    pool.close()
    pool.join()  # reaped workers count in RUSAGE_CHILDREN
    return _timed(time.perf_counter() - started, _cpu() - cpu)


def median_of(runs: int, fn) -> Timed:
    values = [fn() for _ in range(runs)]
    return _timed(statistics.median(values), statistics.median(v.cpu for v in values))


def bench(args: argparse.Namespace) -> None:
    formats = [f.strip() for f in args.formats.split(",")]
    work = Path(args.work)
    site = make_site(work, args.count)
    tmp = Path(tempfile.mkdtemp(prefix="bench-images-"))
    try:
        out, xdg = tmp / "out", tmp / "xdg"
        print(f"{args.count} photos of 1600×1067 in {len(list((site / 'content/blog').glob('*.md')))} posts; "
              f"widths {WIDTHS}, formats {formats}, {args.jobs} processes")
        configure(site, formats)
        clean, encoded = build(site, out, xdg, args.jobs)
        print(f"clean build, empty image cache:        {clean:8.2f} s wall {clean.cpu:8.2f} s CPU "
              f"({encoded} images encoded)")
        plain = plain_pillow(site, tmp / "plain", tuple(formats), args.jobs)
        print(f"plain Pillow loop, same work and cores: {plain:8.2f} s wall {plain.cpu:8.2f} s CPU "
              f"-> ratio {clean / plain:.2f} wall, {clean.cpu / plain.cpu:.2f} CPU")
        no_change = median_of(args.runs, lambda: build(site, out, xdg, args.jobs)[0])
        post = site / "content/blog/post-000.md"
        text = post.read_text()

        def edit() -> float:
            post.write_text(text + f"\nEdited {time.time_ns()}.\n")
            wall, n = build(site, out, xdg, args.jobs)
            assert n == "0", f"an edit encoded {n} images"
            return wall

        one_edit = median_of(args.runs, edit)
        post.write_text(text)
        build(site, out, xdg, args.jobs)
        warm, _ = build(site, out, xdg, args.jobs, "--clean")
        print(f"--clean build, warm image cache:        {warm:8.2f} s wall {warm.cpu:8.2f} s CPU (0 encoded)")
        print(f"no-change build:                        {no_change * 1000:8.0f} ms wall "
              f"{no_change.cpu * 1000:6.0f} ms CPU (median of {args.runs})")
        print(f"one-post edit:                          {one_edit * 1000:8.0f} ms wall "
              f"{one_edit.cpu * 1000:6.0f} ms CPU (0 images encoded)")

        configure(site, formats, enabled=False)
        off_out, off_xdg = tmp / "off-out", tmp / "off-xdg"
        off_clean, _ = build(site, off_out, off_xdg, args.jobs)
        off_no_change = median_of(args.runs, lambda: build(site, off_out, off_xdg, args.jobs)[0])
        print(f"images off: clean {off_clean:.2f} s, no-change {off_no_change * 1000:.0f} ms wall "
              f"{off_no_change.cpu * 1000:.0f} ms CPU -> no-change with images is "
              f"{100 * (no_change / off_no_change - 1):+.0f} % wall, "
              f"{100 * (no_change.cpu / off_no_change.cpu - 1):+.0f} % CPU")

        configure(site, formats)
        rss = peak_rss(site, tmp / "rss-out", tmp / "rss-xdg", args.jobs)
        if rss:
            print(f"peak RSS of a clean build (largest process): {rss / 1024:.0f} MiB")
        if args.wolfgirl:
            wolfgirl(tmp, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- the wolfgirl corpus, its remote images served locally -----------------------------------

_REMOTE_IMG = re.compile(r"(!\[[^\]]*\]\()(https://([^/)\s]+)(/[^)\s]*))")


def wolfgirl(tmp: Path, args: argparse.Namespace) -> None:
    corpus = Path(args.corpus)
    if not corpus.exists():
        print(f"(no corpus at {corpus})")
        return
    site = tmp / "wolfgirl"
    shutil.copytree(corpus / "content", site / "content")
    files = tmp / "wolfgirl-host"
    bases = _bases(7)
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 lambda *a: _Quiet(*a, directory=str(files)))
    port = server.server_address[1]
    urls: set[str] = set()
    for md in (site / "content").rglob("*.md"):
        text = md.read_text("utf-8")

        def local(m: re.Match[str]) -> str:
            host, path = m.group(3), m.group(4).split("?")[0]
            urls.add(f"{host}{path}")
            return f"{m.group(1)}http://127.0.0.1:{port}/{host}{path}"

        md.write_text(_REMOTE_IMG.sub(local, text), "utf-8")
    for n, rel in enumerate(sorted(urls)):
        target = files / unquote(rel)  # the server looks files up by the decoded path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(make_photo(bases, n, (2000, 1333)))  # converted to JPEG whatever the name says
    (site / "sitegen.toml").write_text(
        'title = "wolfgirl"\nbase_url = "https://wolfgirl.example"\ntimezone = "America/New_York"\n\n'
        f"[images]\nfetch_remote = true\nformats = {[f.strip() for f in args.formats.split(',')]!r}\n"
        .replace("'", '"'))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        out, xdg = tmp / "wg-out", tmp / "wg-xdg"
        clean, encoded = build(site, out, xdg, args.jobs)
        print(f"wolfgirl ({len(urls)} remote images, served from 127.0.0.1): clean build {clean:.2f} s, "
              f"{encoded} encoded, {_Quiet.count} requests")
        no_change = median_of(args.runs, lambda: build(site, out, xdg, args.jobs)[0])
        before = _Quiet.count
        rebuilt, encoded = build(site, out, xdg, args.jobs, "--clean")
        print(f"  no-change {no_change * 1000:.0f} ms (0 requests); --clean: {rebuilt:.2f} s, {encoded} encoded, "
              f"{_Quiet.count - before} conditional requests, "
              f"{_Quiet.not_modified} answered 304")
    finally:
        server.shutdown()


class _Quiet(SimpleHTTPRequestHandler):
    count = 0
    not_modified = 0

    def log_message(self, *args: object) -> None:
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        type(self).count += 1
        type(self).not_modified += code == 304
        super().send_response(code, message)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--formats", default="webp")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", default=str(REPO / "benchmarks" / "corpus-images"))
    parser.add_argument("--wolfgirl", action="store_true")
    parser.add_argument("--corpus", default="/work/shared/corpora/wolfgirl")
    bench(parser.parse_args())


if __name__ == "__main__":
    main()
