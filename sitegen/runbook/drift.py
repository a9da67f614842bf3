"""`sitegen check --drift`: every published runbook step that changed since it last ran clean.

Reads each runbook page of a site (drafts only when asked) and its verification record, and
lists the steps whose current text is not the text that last ran clean — a CI gate that keeps
the documentation and the deployment it describes in step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sitegen import frontmatter as fm
from sitegen import verification
from sitegen.config import SiteConfig
from sitegen.errors import SitegenError


@dataclass(frozen=True)
class Drift:
    """A step that is not verified in its current form."""

    path: str
    """The runbook file a user edits, relative to the site (a symlinked page names its target)."""
    line: int
    """The step's opening fence."""
    state: verification.StepState

    def render(self) -> str:
        name, clean, failed = self.state.name, self.state.clean, self.state.failed
        if self.state.state == verification.DRIFT and clean is not None:
            message = f"step {name} changed since it last ran clean ({clean.date})"
        else:
            message = f"step {name} has never run"
            if failed is not None:
                message += f" clean (last run failed {failed.date}, exit {failed.exit_code})"
        return f"{self.path}:{self.line}: {message}"


@dataclass
class DriftReport:
    drifts: list[Drift]
    runbooks: int
    steps: int


def _runbook_pages(config: SiteConfig, drafts: bool) -> Iterator[Path]:
    from sitegen.build.scan import ContentLayout, walk

    layout = ContentLayout(config)
    for rel in sorted(walk(config.content_dir, prune=layout.prune)):
        if not layout.is_page(rel):
            continue
        path = config.content_dir / rel
        data = path.read_bytes()
        # Cheap test before parsing: a step is a fence with `{…}` attributes.
        if b"{" not in data:
            continue
        if not drafts:
            source = config.source_name(rel)
            if fm.split(fm.decode(data, source), source).meta.get("draft") is True:
                continue
        yield path


def find_drift(config: SiteConfig, drafts: bool = False) -> DriftReport:
    """Every step of every runbook page that is not verified, in file and line order."""
    from sitegen.runbook.parse import load_runbook

    site = config.root.resolve()
    report = DriftReport([], 0, 0)
    seen: set[Path] = set()
    for page in _runbook_pages(config, drafts):
        source = page.resolve()
        if source in seen:  # two pages (a symlink and its target) of one runbook
            continue
        seen.add(source)
        runbook = load_runbook(source)
        if not runbook.steps:
            continue
        report.runbooks += 1
        report.steps += len(runbook.steps)
        record_file = verification.record_path(source, site, config.verified_dir)
        shown = _relative(source, site)
        try:
            text = record_file.read_text("utf-8")
        except FileNotFoundError:
            record: verification.Record = {}
        except (OSError, UnicodeDecodeError) as exc:
            raise SitegenError(f"cannot read the verification record: {exc}", _relative(record_file, site)) from None
        else:
            record = verification.loads(text, _relative(record_file, site))
        states = verification.step_states(
            [s.name for s in runbook.steps], [s.content_hash for s in runbook.steps], record
        )
        for step, state in zip(runbook.steps, states, strict=True):
            if state.state != verification.VERIFIED:
                report.drifts.append(Drift(shown, step.line, state))
    return report


def _relative(path: Path, site: Path) -> str:
    try:
        return path.relative_to(site).as_posix()
    except ValueError:
        return str(path)
