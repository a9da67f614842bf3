#!/usr/bin/env python3
"""Image benchmark: N generated photo-like JPEGs (2000×1500, camera EXIF with GPS, every fifth
one stored sideways with EXIF orientation 6) in posts of ten photos.

Each `sitegen build` runs in a fresh process (imports and start-up count). CPU seconds come from
`getrusage(RUSAGE_CHILDREN)` (the build and its reaped workers), so the figures stay fair while
other work loads the machine; wall seconds and the load average are printed beside them.

Per format set (`--formats webp --formats avif --formats avif,webp`, the default):
- a clean build with an empty image cache (every image encoded), next to a plain Pillow loop
  doing the same work (open, EXIF transpose, resize to the same widths, encode the same formats,
  qualities and AVIF speed) in a `multiprocessing.Pool` of the same size, also in its own
  process: CPU and wall ratio, and CPU/wall (how well the work spreads over the cores);
- peak RSS of the build's parent process and of its largest worker.
For the first set also:
- a no-change build with images, next to a no-change build of the same site with images off;
- a one-post edit (images encoded are counted: must be 0);
- the image cache deleted, then a build (must encode all N again).

    python3 benchmarks/bench_images.py [--count 1000] [--formats webp ...] [--runs 1] [--jobs 2]
    python3 benchmarks/bench_images.py --avif-sweep [--count 24]   # AVIF speed/quality vs WebP

`--wolfgirl` also builds the wolfgirl corpus with its remote images served from 127.0.0.1.
"""

from __future__ import annotations

import argparse
import io
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
PHOTO = (2000, 1500)
QUALITY, AVIF_QUALITY = 80, 55  # sitegen's defaults; the plain loop uses the same


# -- the corpus -----------------------------------------------------------------------------

def _bases(seed: int) -> list:
    """A few large textures (gradients, blurred noise, shapes, grain); each photo is a crop of one."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    bases = []
    for n in range(4):
        w, h = 2600, 1900
        noise = Image.effect_noise((w // 6, h // 6), 60).resize((w, h), Image.Resampling.BICUBIC)
        grad = Image.linear_gradient("L").rotate(n * 40).resize((w, h))
        fine = Image.effect_noise((w, h), 25)
        im = Image.merge("RGB", (grad, noise, Image.blend(grad.transpose(Image.Transpose.ROTATE_180), fine, 0.4)))
        draw = ImageDraw.Draw(im)
        for _ in range(60):
            x, y = rnd.randrange(w), rnd.randrange(h)
            r = rnd.randint(20, 260)
            draw.ellipse((x, y, x + r, y + r * rnd.uniform(0.5, 1.5)), fill=tuple(rnd.randrange(256) for _ in range(3)))
        im = im.filter(ImageFilter.GaussianBlur(1.2))
        # Sensor grain: what makes real photos big and slow to encode.
        grain = Image.merge("RGB", [Image.effect_noise((w, h), 10)] * 3)
        bases.append(Image.blend(im, grain, 0.12))
    return bases


def _exif(rnd: random.Random, orientation: int) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Fujifilm", "X-T30"  # Make, Model
    exif[0x0132] = "2026:05:01 10:00:00"  # DateTime
    exif[0x0112] = orientation
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, round(rnd.uniform(0, 59), 2)),
                                 3: "E", 4: (13.0, 24.0, round(rnd.uniform(0, 59), 2))})  # GPS
    return exif.tobytes()


def make_photo(bases: list, i: int, size: tuple[int, int] = PHOTO) -> bytes:
    """A JPEG of `size` as stored; every fifth is stored sideways with orientation 6 (portrait)."""
    from PIL import Image, ImageEnhance

    rnd = random.Random(i)
    base = bases[i % len(bases)]
    x, y = rnd.randrange(base.width - size[0]), rnd.randrange(base.height - size[1])
    im = base.crop((x, y, x + size[0], y + size[1]))
    im = ImageEnhance.Color(im).enhance(rnd.uniform(0.6, 1.4))
    orientation = 6 if i % 5 == 4 else 1
    if orientation == 6:
        im = im.transpose(Image.Transpose.ROTATE_90)  # stored sideways; EXIF says turn it upright
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=rnd.randint(85, 92), exif=_exif(rnd, orientation))
    return buf.getvalue()


def make_site(root: Path, count: int, per_post: int = 10) -> Path:
    """content/blog/post-N.md, each showing `per_post` photos from content/blog/photos/."""
    site = root / f"site-{count}-{PHOTO[0]}x{PHOTO[1]}"
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

# Runs a command's main module and, at its exit, writes the peak RSS (KiB) of the process itself
# (VmHWM: ru_maxrss would carry the forking benchmark's own peak over the exec) and of its
# largest reaped child, a worker (ru_maxrss of RUSAGE_CHILDREN, counting the pages it shares with
# the parent) to $BENCH_RSS. Forked workers leave by os._exit, so only the parent writes.
_WRAP = """
import atexit, os, re, resource, runpy, sys
pid = os.getpid()
def report():
    if os.getpid() == pid:
        with open("/proc/self/status") as f:
            own = re.search(r"VmHWM:\\s*(\\d+)", f.read()).group(1)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with open(os.environ["BENCH_RSS"], "w") as f:
            f.write(f"{own} {kids}")
atexit.register(report)
module = sys.argv[1]
sys.argv = sys.argv[1:]
if module.endswith(".py"):
    runpy.run_path(module, run_name="__main__")
else:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


class Run(float):
    """Wall seconds, with the CPU seconds of the process tree (`.cpu`), images encoded and peak
    RSS in KiB of the parent and its largest worker."""

    cpu: float = 0.0
    encoded: int = 0
    rss: tuple[int, int] = (0, 0)


def _run(cmd: list[str], env: dict[str, str]) -> tuple[Run, str]:
    rss_file = Path(tempfile.mktemp(prefix="bench-rss-"))
    env = dict(env, BENCH_RSS=str(rss_file))
    cpu = _cpu()
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WRAP, *cmd], capture_output=True, text=True, env=env, check=False)
    run = Run(time.perf_counter() - started)
    run.cpu = _cpu() - cpu
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    try:
        own, kids = rss_file.read_text().split()
        run.rss = (int(own), int(kids))
        rss_file.unlink()
    except (OSError, ValueError):
        pass
    return run, proc.stdout


def build(site: Path, out: Path, xdg: Path, jobs: int, *extra: str) -> Run:
    env = dict(ENV, XDG_CACHE_HOME=str(xdg), SITEGEN_JOBS=str(jobs))
    run, stdout = _run(["sitegen", "build", str(site), "--out", str(out), "-v", *extra], env)
    encoded = re.search(r"encoded (\d+) images", stdout)
    run.encoded = int(encoded.group(1)) if encoded else 0
    return run


def _plain_one(job: tuple[str, str, tuple[str, ...]]) -> int:
    """What a hand-written Pillow script does for one image."""
    from PIL import Image, ImageOps

    from sitegen.images.encode import _WEBP_METHOD, EncodeSettings, variant_widths

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
                    resized.save(path, "AVIF", quality=AVIF_QUALITY, speed=EncodeSettings.avif_speed, max_threads=1)
                else:
                    resized.save(path, "WEBP", quality=QUALITY, method=_WEBP_METHOD)
                written += 1
    return written


def plain_main(photos: str, out: str, formats: str, jobs: int) -> None:
    """The plain loop, run in its own process like the build (`--plain`)."""
    jobs_list = [(str(p), out, tuple(formats.split(","))) for p in sorted(Path(photos).iterdir())]
    with get_context("fork").Pool(jobs) as pool:
        written = sum(pool.imap_unordered(_plain_one, jobs_list, chunksize=1))
        pool.close()
        pool.join()  # reaped workers count in RUSAGE_CHILDREN
    print(f"wrote {written} files")


def plain_pillow(site: Path, out: Path, formats: tuple[str, ...], jobs: int) -> Run:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    run, _ = _run([__file__, "--plain", str(site / "content/blog/photos"), str(out), ",".join(formats), str(jobs)], ENV)
    return run


def median_of(runs: int, fn) -> Run:
    return _median([fn() for _ in range(runs)])


def _median(values: list[Run]) -> Run:
    median = Run(statistics.median(values))
    median.cpu = statistics.median(v.cpu for v in values)
    median.encoded = max(v.encoded for v in values)
    return median


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def say(text: str) -> None:
    print(text, flush=True)


def bench(args: argparse.Namespace) -> None:
    sets = [[f.strip() for f in fs.split(",")] for fs in (args.formats or ["webp", "avif", "avif,webp"])]
    work = Path(args.work)
    site = make_site(work, args.count)
    tmp = Path(tempfile.mkdtemp(prefix="bench-images-"))
    import PIL

    from sitegen.images.encode import _WEBP_METHOD, EncodeSettings
    try:
        say(f"{args.count} JPEGs of {PHOTO[0]}×{PHOTO[1]} (EXIF with GPS, every fifth orientation 6) in "
            f"{len(list((site / 'content/blog').glob('*.md')))} posts; widths {WIDTHS}; WebP q{QUALITY} "
            f"method {_WEBP_METHOD}, AVIF q{AVIF_QUALITY} speed {EncodeSettings.avif_speed}; {args.jobs} processes on "
            f"{os.cpu_count()} cores; Pillow {PIL.__version__}; {load()}")
        for n, formats in enumerate(sets):
            out, xdg = tmp / f"out-{n}", tmp / f"xdg-{n}"
            configure(site, formats)
            say(f"\n[formats {','.join(formats)}]")
            cleans, plains = [], []
            for _ in range(args.runs):
                shutil.rmtree(xdg, ignore_errors=True)
                clean = build(site, out, xdg, args.jobs, "--clean")
                say(f"  clean build, empty image cache:  {clean:8.1f} s wall {clean.cpu:8.1f} s CPU "
                    f"(CPU/wall {clean.cpu / clean:.2f}; {clean.encoded} images encoded; peak RSS parent "
                    f"{_mib(clean.rss[0])}, largest worker {_mib(clean.rss[1])}; {load()})")
                plain = plain_pillow(site, tmp / "plain", tuple(formats), args.jobs)
                say(f"  plain Pillow Pool, same work:    {plain:8.1f} s wall {plain.cpu:8.1f} s CPU "
                    f"(CPU/wall {plain.cpu / plain:.2f}; peak RSS parent {_mib(plain.rss[0])}, "
                    f"largest worker {_mib(plain.rss[1])}; {load()})")
                cleans.append(clean)
                plains.append(plain)
            cpu_ratio = statistics.median(c.cpu / p.cpu for c, p in zip(cleans, plains, strict=True))
            wall_ratio = statistics.median(c / p for c, p in zip(cleans, plains, strict=True))
            say(f"  -> sitegen / plain: {cpu_ratio:.2f}× CPU, {wall_ratio:.2f}× wall (aim ≤ 1.2×; "
                f"median of {args.runs})")
            if n == 0:
                no_change_and_edits(site, formats, out, xdg, tmp, args)
        if args.wolfgirl:
            wolfgirl(tmp, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def no_change_and_edits(site: Path, formats: list[str], out: Path, xdg: Path, tmp: Path,
                        args: argparse.Namespace) -> None:
    quick = args.quick_runs
    off_out, off_xdg = tmp / "off-out", tmp / "off-xdg"
    configure(site, formats, enabled=False)
    build(site, off_out, off_xdg, args.jobs)
    # With and without images in turns: on a shared machine the load drifts, and runs in two
    # blocks would measure the drift.
    ons: list[Run] = []
    offs: list[Run] = []
    for _ in range(quick):
        configure(site, formats)
        ons.append(build(site, out, xdg, args.jobs))
        configure(site, formats, enabled=False)
        offs.append(build(site, off_out, off_xdg, args.jobs))
    configure(site, formats)
    no_change, off = _median(ons), _median(offs)
    say(f"  no-change build:                 {no_change * 1000:8.0f} ms wall {no_change.cpu * 1000:6.0f} ms CPU "
        f"({no_change.encoded} encoded; median of {quick}; {load()})")
    say(f"  images off, no-change build:     {off * 1000:8.0f} ms wall {off.cpu * 1000:6.0f} ms CPU "
        f"-> with images {100 * (no_change / off - 1):+.0f} % wall, {100 * (no_change.cpu / off.cpu - 1):+.0f} % "
        f"CPU (aim ≤ +10 %; the two alternated; {load()})")
    post = site / "content/blog/post-000.md"
    text = post.read_text()

    def edit() -> Run:
        post.write_text(text + f"\nEdited {time.time_ns()}.\n")
        return build(site, out, xdg, args.jobs)

    try:
        one_edit = median_of(quick, edit)
    finally:
        post.write_text(text)
    say(f"  one-post edit:                   {one_edit * 1000:8.0f} ms wall {one_edit.cpu * 1000:6.0f} ms CPU "
        f"({one_edit.encoded} encoded{'' if one_edit.encoded == 0 else ' -- SHOULD BE 0'}; median of {quick})")
    if args.delete_check:
        build(site, out, xdg, args.jobs)
        shutil.rmtree(xdg / "sitegen")  # the build state and the image cache
        again = build(site, out, xdg, args.jobs)
        say(f"  cache deleted, build:                 {again:8.1f} s wall {again.cpu:8.1f} s CPU "
            f"({again.encoded} encoded{'' if again.encoded == args.count else ' -- SHOULD BE ' + str(args.count)})")


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
        clean = build(site, out, xdg, args.jobs)
        say(f"wolfgirl ({len(urls)} remote images, served from 127.0.0.1): clean build {clean:.2f} s, "
            f"{clean.encoded} encoded, {_Quiet.count} requests")
        no_change = median_of(args.quick_runs, lambda: build(site, out, xdg, args.jobs))
        before = _Quiet.count
        rebuilt = build(site, out, xdg, args.jobs, "--clean")
        say(f"  no-change {no_change * 1000:.0f} ms (0 requests); --clean: {rebuilt:.2f} s, {rebuilt.encoded} "
            f"encoded, {_Quiet.count - before} conditional requests, {_Quiet.not_modified} answered 304")
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


# -- AVIF settings against WebP ---------------------------------------------------------------

def _psnr(a, b) -> float:
    """Luma PSNR in dB of two same-size images."""
    import math

    from PIL import ImageChops, ImageStat

    diff = ImageChops.difference(a.convert("L"), b.convert("L"))
    mse = ImageStat.Stat(diff).sum2[0] / (diff.width * diff.height)
    return 99.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def avif_sweep(args: argparse.Namespace) -> None:
    """Encode the 960 px variant of `count` photos with WebP and with AVIF at several speeds and
    qualities, one thread, in this process: CPU ms per encode, bytes, luma PSNR against the source."""
    from PIL import Image, ImageOps

    from sitegen.images.encode import _WEBP_METHOD

    site = make_site(Path(args.work), args.count)
    sources = []
    for path in sorted((site / "content/blog/photos").iterdir())[:args.count]:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)
            sources.append(im.resize((960, round(im.height * 960 / im.width)), Image.Resampling.LANCZOS))
    cases = [("webp", QUALITY, _WEBP_METHOD)] + [("avif", AVIF_QUALITY, sp) for sp in (6, 8, 9, 10)] + \
        [("avif", q, 8) for q in (50, 60)]
    say(f"{len(sources)} photos, 960 px variant, one thread; {load()}")
    say(f"{'format':6} {'quality':>7} {'speed':>5} {'CPU ms':>8} {'KiB':>7} {'PSNR dB':>8}")
    for fmt, quality, speed in cases:
        cpu = size = psnr = 0.0
        for src in sources:
            buf = io.BytesIO()
            started = time.process_time()
            if fmt == "avif":
                src.save(buf, "AVIF", quality=quality, speed=speed, max_threads=1)
            else:
                src.save(buf, "WEBP", quality=quality, method=speed)
            cpu += time.process_time() - started
            size += buf.tell()
            buf.seek(0)
            with Image.open(buf) as back:
                psnr += _psnr(src, back)
        k = len(sources)
        label = "method" if fmt == "webp" else ""
        say(f"{fmt:6} {quality:7} {speed:5}{label and '*'} {1000 * cpu / k:8.0f} {size / k / 1024:7.0f} "
            f"{psnr / k:8.2f}")
    say("(* WebP: the number is its `method`)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--formats", action="append", help="a format set such as avif,webp; repeatable")
    parser.add_argument("--runs", type=int, default=1, help="clean builds per format set")
    parser.add_argument("--quick-runs", type=int, default=5, help="no-change and edit builds")
    parser.add_argument("--no-delete-check", dest="delete_check", action="store_false")
    parser.add_argument("--avif-sweep", action="store_true")
    parser.add_argument("--plain", nargs=4, metavar=("PHOTOS", "OUT", "FORMATS", "JOBS"), help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", default=str(REPO / "benchmarks" / "corpus-images"))
    parser.add_argument("--wolfgirl", action="store_true")
    parser.add_argument("--corpus", default="/work/shared/corpora/wolfgirl")
    args = parser.parse_args()
    if args.plain:
        photos, out, formats, jobs = args.plain
        plain_main(photos, out, formats, int(jobs))
    elif args.avif_sweep:
        avif_sweep(args)
    else:
        bench(args)


if __name__ == "__main__":
    main()
