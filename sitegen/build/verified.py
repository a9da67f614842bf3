"""Runbook pages' verification records as build inputs (see sitegen.verification).

A mixin of the Builder. A record is stat()ed like an include; when it changes, only the record
is read again and the page's step states are replaced, never its Markdown: the cards go onto
the cached body when a template reads `page.content` (views.py), so a new record re-renders the
outputs that show the page and nothing is parsed or highlighted again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sitegen.build.plan import MISSING
from sitegen.build.scan import Stat, file_stat
from sitegen.config import SiteConfig
from sitegen.content import PageRecord
from sitegen.errors import SitegenError


class VerificationStep:
    """Reads verification records for the Builder."""

    site_dir: Path

    def _verified_path(self, config: SiteConfig, key: str) -> Path:
        """The record of a runbook page; a symlinked page (content/docs/x.md → infra/x.md) uses its target's."""
        from sitegen.verification import record_path

        return record_path((config.content_dir / key).resolve(), self.site_dir, config.verified_dir)

    def _verified_stats(self, config: SiteConfig, records: Mapping[str, PageRecord]) -> dict[str, Stat | None]:
        """Stat of the record of every page with steps."""
        paths = {str(self._verified_path(config, k)) for k, r in records.items() if r.steps}
        return {p: file_stat(Path(p)) for p in sorted(paths)}

    def _apply_verification(
        self,
        config: SiteConfig,
        records: dict[str, PageRecord],
        changed: set[str],
        stats_then: Mapping[str, Stat | None],
        full: bool,
    ) -> dict[str, Stat | None]:
        """Give each runbook page its steps' states; a page whose states changed counts as changed.

        Returns the stats of the records it looked at, for the next build to compare.
        """
        from sitegen import verification

        stats: dict[str, Stat | None] = {}
        parsed: dict[str, verification.Record] = {}
        for key, rec in list(records.items()):
            if not rec.steps:
                continue
            path = self._verified_path(config, key)
            name = str(path)
            if name not in stats:
                stats[name] = file_stat(path)
            if not full and key not in changed and stats[name] == stats_then.get(name, MISSING):
                continue
            if name not in parsed:
                parsed[name] = self._read_verification(path, stats[name])
            hashes = rec.step_hashes or ("",) * len(rec.steps)
            states = verification.step_states(rec.steps, hashes, parsed[name])
            if states != rec.verification:
                # A new record object: last build's (compared field by field) must keep its states.
                records[key] = replace(rec, verification=states)
                changed.add(key)
        return stats

    def _read_verification(self, path: Path, stat: Stat | None) -> Any:
        from sitegen import verification

        if stat is None:
            return {}
        try:
            shown: Path | str = path.relative_to(self.site_dir)
        except ValueError:
            shown = path
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SitegenError(f"cannot read the verification record: {exc}", shown) from None
        return verification.loads(text, shown)
