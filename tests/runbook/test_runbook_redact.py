"""Secret masking: longest first, multi-line secrets, JSON-escaped forms."""

from __future__ import annotations

import io
import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.runbook.output import JsonReporter
from sitegen.runbook.redact import MASK, LiveLines, Redactor


def test_masks_every_occurrence_longest_first() -> None:
    redact = Redactor(["abcd", "abcdefgh"])
    assert redact("x abcdefgh y abcd") == f"x {MASK} y {MASK}"


def test_empty_secret_masks_nothing() -> None:
    assert Redactor([""])("hello") == "hello"


def test_multiline_secret_is_masked_line_by_line() -> None:
    key = "-----BEGIN KEY-----\nAAAAsecretline\n-----END KEY-----"
    redact = Redactor([key])
    assert "AAAAsecretline" not in redact("[step@web] AAAAsecretline")


def test_json_escaped_secret_is_masked_in_events() -> None:
    secret = 'pa"ss\\word'
    out = io.StringIO()
    reporter = JsonReporter(out)
    redact = Redactor([secret])
    reporter(redact.event({"event": "output", "line": f"token={secret}"}))
    reporter(redact.event({"event": "output", "line": f"printed as JSON: {json.dumps(secret)}"}))
    assert secret not in out.getvalue()
    assert json.dumps(secret)[1:-1] not in out.getvalue()
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["line"] == f"token={MASK}" and second["line"] == f'printed as JSON: "{MASK}"'


def test_events_keep_their_own_fields() -> None:
    redact = Redactor(["2026", "skipped", "local"])
    event = {"event": "step", "run_id": "20261201T000000Z-abc", "status": "skipped", "host": "local",
             "started": "2026-12-01T00:00:00", "message": "skipped in 2026 on local",
             "output_tail": ["local 2026"]}
    assert redact.event(event) == {**event, "message": f"{MASK} in {MASK} on {MASK}",
                                   "output_tail": [f"{MASK} {MASK}"]}


def test_values_too_short_to_mask_are_ignored() -> None:
    assert Redactor(["ok", "abc", ""])("ok abc") == "ok abc"


@settings(deadline=None)  # a loaded CI machine is slow, not wrong
@given(st.text(alphabet="ab-x", max_size=60), st.lists(st.integers(min_value=0, max_value=60), max_size=6))
def test_live_lines_mask_across_any_cut(text: str, cuts: list[int]) -> None:
    """However a long line is cut into pieces, what comes out is the masked line."""
    redact = Redactor(["abab", "ab-ba"])
    bounds = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)] or [""]
    got: list[str] = []
    live = LiveLines(redact, got.append)
    for piece in pieces[:-1]:
        live.feed(piece, continued=True)
    live.feed(pieces[-1])
    live.close()
    assert "".join(got) == redact(text)


def test_redacts_nested_values() -> None:
    redact = Redactor(["s3cret"])
    assert redact.value({"a": ["x s3cret", {"b": "s3cret"}], "n": 1}) == {"a": [f"x {MASK}", {"b": MASK}], "n": 1}


@given(st.text(min_size=4).filter(lambda s: s.strip() == s and "\n" not in s and "*" not in s),
       st.text(), st.text())
def test_no_secret_survives(secret: str, before: str, after: str) -> None:
    assert secret not in Redactor([secret])(before + secret + after)
