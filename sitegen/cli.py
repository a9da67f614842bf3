"""Command line: `sitegen build | serve | run | check | crosspost | init | new`.
Turns SitegenError into one line and exit 1."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sitegen import __version__
from sitegen.errors import SitegenError


def _site_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "site_dir", nargs="?", default=".", type=Path, help="site directory holding sitegen.toml (default: .)"
    )
    p.add_argument("--cache-dir", type=Path, help="build cache (default: $XDG_CACHE_HOME/sitegen/...)")


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; `run`'s own options are only set up when running `run` (its import is not free)."""
    parser = argparse.ArgumentParser(
        prog="sitegen", description="A static site generator for blogs whose posts can also be runbooks."
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "build",
        help="build the site into an output directory",
        description="Build SITE_DIR's content/, templates and static files into a complete static site.",
    )
    _site_args(p)
    p.add_argument("--out", type=Path, help="output directory (default: SITE_DIR/public)")
    p.add_argument("--drafts", action="store_true", help="include posts with `draft: true`")
    p.add_argument("--base-url", help="override base_url from sitegen.toml (e.g. for a staging host)")
    p.add_argument("-v", "--verbose", action="store_true", help="say what was rebuilt and why")
    p.add_argument("--clean", action="store_true", help="ignore the build cache and render everything")
    p.add_argument("--secrets-file", type=Path, metavar="FILE",
                   help="NAME=VALUE lines (mode 0600) of runbook secrets no page may contain")

    p = sub.add_parser(
        "serve",
        help="preview with live reload while you write",
        description="Build, watch for changes, rebuild incrementally and reload the browser.",
    )
    _site_args(p)
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--no-drafts", action="store_true", help="hide drafts (shown by default while previewing)")
    p.add_argument("--out", type=Path, help="where the preview is built (default: inside the cache dir)")
    p.add_argument("-v", "--verbose", action="store_true", help="log what each rebuild rendered")

    p = sub.add_parser(
        "check",
        help="validate content, links and runbooks",
        description="Build into a temporary directory, then check internal links and every runbook's format.",
    )
    _site_args(p)
    p.add_argument("--drafts", action="store_true", help="check drafts too")
    p.add_argument("--drift", action="store_true",
                   help="only list runbook steps that changed since they last ran clean (or never did); exit 1 if any")

    p = sub.add_parser(
        "run",
        help="execute a runbook's steps",
        description="Run the fenced steps of a Markdown runbook locally or on SSH hosts.",
    )
    if command == "run":
        from sitegen.runbook import cli as runbook_cli

        runbook_cli.configure(p)

    p = sub.add_parser(
        "crosspost",
        help="share published posts on Mastodon and Bluesky and write the links back",
        description="For each published post of the configured collections that has no `mastodon:` or "
        "`bluesky:` link yet: check its page is live, post it on that network ([social.mastodon], "
        "[social.bluesky] in sitegen.toml), and write the link into its front matter as one new line.",
    )
    p.add_argument("site_dir", nargs="?", default=".", type=Path,
                   help="site directory holding sitegen.toml (default: .)")
    p.add_argument("--post", dest="posts", action="append", type=Path, default=[], metavar="FILE",
                   help="only this post (repeatable); default: every published post missing a link")
    p.add_argument("--dry-run", action="store_true", help="show the texts that would be posted; send nothing")
    p.add_argument("--max-posts", type=int, default=10, metavar="N",
                   help="refuse to share more than N posts in one run (default 10: a first run over an archive)")
    p.add_argument("--secrets-file", type=Path, metavar="FILE",
                   help="NAME=VALUE lines (mode 0600) holding the token and app password, if not in the environment")
    p.add_argument("--state-dir", type=Path, metavar="DIR",
                   help="where the crosspost journal lives (default: $XDG_STATE_HOME/sitegen)")

    p = sub.add_parser(
        "init",
        help="write a sitegen.toml for an existing Zola, Hugo or Jekyll site",
        description="Read a Zola, Hugo or Jekyll site's config and write a sitegen.toml that reproduces its "
        "URLs, taxonomies, pagination and feeds. The posts are read as they are and left untouched.",
    )
    p.add_argument("--from", dest="generator", required=True, choices=("zola", "hugo", "jekyll"),
                   help="the generator the site was made for")
    p.add_argument("site_dir", nargs="?", default=".", type=Path, help="the existing site (default: .)")
    p.add_argument("--force", action="store_true", help="replace an existing sitegen.toml")

    p = sub.add_parser(
        "new",
        help="create a site or a post",
        description="Scaffold a new site or a new post.",
    )
    new_sub = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    np = new_sub.add_parser("post", help="a new post with front matter")
    np.add_argument("title")
    np.add_argument("--site", dest="site_dir", type=Path, default=Path("."), help="site directory (default: .)")
    np.add_argument("--collection", default="blog", help="collection folder under content/ (default: blog)")
    np.add_argument("--draft", action="store_true", help="mark it `draft: true`")
    ns = new_sub.add_parser("site", help="a new site directory with sitegen.toml and a first post")
    ns.add_argument("directory", type=Path)
    ns.add_argument("--title", default="My blog")
    return parser


def run() -> None:
    """The `sitegen` command (the console script and `python -m sitegen`): `main()`, then exit.

    After a build, the process ends without tearing down its heap: the site model and every
    page's record are garbage the moment the build is done, and freeing them object by object
    cost a 750-post build about 0.1 s. Nothing is lost: the build closed its files and database,
    and no build code registers exit handlers; standard output and error are flushed first.
    Other commands (serve, run) may leave threads or handlers to finish, so they exit normally.
    """
    argv = sys.argv[1:]
    code = main(argv)
    if _command(argv) == "build":
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            code = code or 141
        os._exit(code)
    sys.exit(code)


def _command(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command(argv)
    parser = _parser(command)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "serve":
            from sitegen.serve import serve

            return serve(args)
        if args.command == "check":
            from sitegen.check import check

            return check(args)
        if args.command == "run":
            from sitegen.runbook import cli as runbook_cli

            return runbook_cli.execute(args)
        if args.command == "init":
            return _init(args)
        if args.command == "crosspost":
            return _crosspost(args)
        if args.command == "new":
            from sitegen import scaffold

            return scaffold.main(args)
    except SitegenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `sitegen run x.md --list | head` closed our stdout: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:
        # An unwritable output folder, a full disk: the user's environment, not a bug.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


def _crosspost(args: argparse.Namespace) -> int:
    from sitegen.social.crosspost import crosspost

    secrets = None
    if args.secrets_file:
        from sitegen.runbook.cli import read_secrets_file

        secrets = read_secrets_file(args.secrets_file)
    return crosspost(args.site_dir, posts=args.posts, dry_run=args.dry_run, secrets=secrets,
                     state_dir=args.state_dir, max_posts=args.max_posts)


def _init(args: argparse.Namespace) -> int:
    from sitegen.importers.convert import init

    target, plan = init(args.generator, args.site_dir, force=args.force)
    print(f"wrote {target}")
    if plan.unmapped:
        print(f"not carried over from {args.generator} ({len(plan.unmapped)}):")
        for note in plan.unmapped:
            print(f"  - {note}")
    return 0


def _build(args: argparse.Namespace) -> int:
    import gc

    from sitegen.build.builder import Builder

    # A one-shot build allocates many objects and makes few reference cycles; the cycle
    # collector would run hundreds of times for nothing. The process exits right after.
    gc.disable()
    secrets = None
    if args.secrets_file:
        from sitegen.runbook.cli import read_secrets_file

        secrets = read_secrets_file(args.secrets_file)
    builder = Builder(
        args.site_dir, args.out, drafts=args.drafts, cache_dir=args.cache_dir, base_url=args.base_url, clean=args.clean,
        secrets=secrets,
    )
    try:
        report = builder.build()
    finally:
        builder.close()
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.verbose:
        for url, reason in report.rendered:
            print(f"  rendered {url}  ({reason})")
        for rel in report.copied:
            print(f"  copied   {rel}")
        for rel in report.removed:
            print(f"  removed  {rel}")
        if report.processes > 1:
            print(f"  rendered in {report.processes} processes")
        if report.images_encoded:
            print(f"  encoded {report.images_encoded} images")
    if not report.rendered and report.nothing:
        print(f"nothing changed ({report.seconds * 1000:.0f} ms)")
    else:
        print(
            f"built {builder.out_dir}: {len(report.rendered)} rendered, {len(report.written)} written, "
            f"{len(report.copied)} copied, {len(report.removed)} removed in {report.seconds * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    run()
