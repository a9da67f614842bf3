"""`sitegen check`: build into a scratch directory, then report dangling links and bad runbooks.

Every problem is printed as `path:line: message` (the path a user edits, where that is known)
followed by a one-line summary; the exit code is 1 when anything was found. A build error is
not a "problem" but a SitegenError, which the CLI prints like any other.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from urllib.parse import unquote

from sitegen.build.builder import Builder
from sitegen.errors import SitegenError
from sitegen.linkcheck import Broken, check_links, html_files
from sitegen.model import Site, build_site

if TYPE_CHECKING:
    from sitegen.runbook.model import Step


@dataclass(frozen=True)
class Problem:
    """One thing `check` found wrong."""

    path: str
    """The file to fix: a content file, or an output file when the link comes from a template."""
    line: int | None
    message: str

    def render(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


def check(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run every check on args.site_dir; print problems and a summary; 0 when clean, else 1."""
    out = out or sys.stdout
    site_dir = Path(args.site_dir)
    drafts = bool(getattr(args, "drafts", False))
    if getattr(args, "drift", False):
        return check_drift(site_dir, drafts, out)
    with tempfile.TemporaryDirectory(prefix="sitegen-check-") as tmp:
        # With --cache-dir, a stable output directory beside a cache of its own keeps repeated
        # checks incremental without touching the cache `sitegen build` uses.
        work = Path(args.cache_dir) / ("check-drafts" if drafts else "check") if args.cache_dir else Path(tmp)
        builder = Builder(site_dir, work / "public", drafts=drafts, cache_dir=work / "cache")
        builder.build()
        site = _site_model(builder)
        link_problems = _link_problems(_broken_links(builder), site)
        runbook_problems, runbooks = _runbook_problems(site)
        pages = len(list(html_files(builder.out_dir)))
    problems = link_problems + runbook_problems
    for problem in problems:
        print(problem.render(), file=out)
    summary = (
        f"checked {pages} HTML files and {runbooks} runbook{'s' if runbooks != 1 else ''}: "
        + (f"{len(problems)} problem{'s' if len(problems) != 1 else ''}" if problems else "no problems")
    )
    print(summary, file=out)
    return 1 if problems else 0


def check_drift(site_dir: Path, drafts: bool, out: TextIO) -> int:
    """`check --drift`: list steps not verified in their current form; 1 when there is any."""
    from sitegen.config import load_config
    from sitegen.runbook.drift import find_drift

    report = find_drift(load_config(site_dir), drafts)
    for drift in report.drifts:
        print(drift.render(), file=out)
    books = f"{report.runbooks} runbook{'s' if report.runbooks != 1 else ''}"
    if report.drifts:
        count = len(report.drifts)
        print(f"checked {report.steps} steps of {books}: {count} not verified in their current form", file=out)
        return 1
    print(f"checked {report.steps} steps of {books}: every step verified", file=out)
    return 0


def _site_model(builder: Builder) -> Site:
    """The model the build used; a build that found nothing changed leaves it to be rebuilt."""
    if builder.site is not None:
        return builder.site
    assert builder.config is not None and builder.state is not None
    return build_site(builder.config, builder.state.get("records", {}), builder.drafts)


def _broken_links(builder: Builder) -> list[Broken]:
    config = builder.config
    assert config is not None
    return check_links(builder.out_dir, config.base_url, config.check_external_pages)


def _link_problems(broken: list[Broken], site: Site) -> list[Problem]:
    """Point at the line of the content file that has the link, else at the built page."""
    outputs = {o.path: o for o in site.outputs}
    seen: dict[tuple[str, str], int] = {}
    problems = []
    for link in broken:
        message = f"broken link {link.url!r}: {link.reason}"
        output = outputs.get(link.source_file)
        if output is not None and output.page is not None:
            # The n-th broken use of a URL on a page is taken to be its n-th mention in the source.
            nth = seen[(link.source_file, link.url)] = seen.get((link.source_file, link.url), -1) + 1
            lines = _lines_mentioning(site.config.content_dir / output.page, link.url)
            if lines:
                problems.append(Problem(site.config.source_name(output.page), lines[min(nth, len(lines) - 1)], message))
                continue
        template = f", which template {output.template} renders" if output is not None and output.template else ""
        problems.append(Problem(link.source_file, link.line, f"{message} (in the built page{template})"))
    return problems


def _lines_mentioning(path: Path, url: str) -> list[int]:
    """Lines of a Markdown file that write `url` as a link target (as written, or percent-decoded)."""
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return []
    forms = {url, unquote(url)}
    targets = [form.format(u) for u in forms for form in ("]({}", "<{}>", '"{}"', "]: {}")]
    lines = text.splitlines()
    found = [n for n, line in enumerate(lines, 1) if any(t in line for t in targets)]
    return found or [n for n, line in enumerate(lines, 1) if any(u in line for u in forms)]


def _runbook_problems(site: Site) -> tuple[list[Problem], int]:
    """Parse every page that has runbook steps and run the static checks that need no host."""
    problems: list[Problem] = []
    count = 0
    for key in sorted(site.pages):
        if not site.pages[key].steps:
            continue
        count += 1
        source = site.config.source_name(key)
        problems.extend(_check_runbook(site.config.content_dir / key, source))
    return problems, count


def _check_runbook(path: Path, source: str) -> list[Problem]:
    """What `sitegen run` preflight would find without contacting a host."""
    from sitegen.runbook.parse import load_runbook
    from sitegen.runbook.plan import order_steps
    from sitegen.runbook.preflight import bash_syntax

    try:
        runbook = load_runbook(path)
        order_steps(runbook)
    except SitegenError as exc:
        return [Problem(source, exc.line, exc.message)]
    problems: list[Problem] = []
    for step in runbook.steps:
        label = f"step {step.name!r}: "
        if step.include_error:
            problems.append(Problem(source, step.line, label + step.include_error))
        elif step.is_bash:
            found = bash_syntax(step)
            if found is not None:
                problems.append(Problem(source, found.line, label + found.message))
        elif not step.write and step.interpreter and Path(step.interpreter[0]).name.startswith("python"):
            problems.extend(_python_syntax(step, source, label))
    return problems


def _python_syntax(step: Step, source: str, label: str) -> list[Problem]:
    """compile() is Python's own `bash -n`: it checks syntax without running anything."""
    try:
        compile(step.script, f"{source}:{step.name}", "exec")
    except SyntaxError as exc:
        line = step.line + exc.lineno if exc.lineno and not step.include else step.line
        return [Problem(source, line, f"{label}Python syntax error: {exc.msg}")]
    except ValueError as exc:
        return [Problem(source, step.line, f"{label}Python cannot compile the block: {exc}")]
    return []
