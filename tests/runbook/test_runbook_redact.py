"""Secret masking: longest first, multi-line secrets, JSON-escaped forms."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from sitegen.runbook.output import JsonReporter
from sitegen.runbook.redact import MASK, Redactor


def test_masks_every_occurrence_longest_first() -> None:
    redact = Redactor(["abc", "abcdef"])
    assert redact("x abcdef y abc") == f"x {MASK} y {MASK}"


def test_empty_secret_masks_nothing() -> None:
    assert Redactor([""])("hello") == "hello"


def test_multiline_secret_is_masked_line_by_line() -> None:
    key = "-----BEGIN KEY-----\nAAAAsecretline\n-----END KEY-----"
    redact = Redactor([key])
    assert "AAAAsecretline" not in redact("[step@web] AAAAsecretline")


def test_json_escaped_secret_is_masked_in_events() -> None:
    secret = 'pa"ss\\word'
    out: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    reporter = JsonReporter(Sink(), Redactor([secret]))  # type: ignore[arg-type]
    reporter({"event": "output", "line": f"token={secret}"})
    assert secret not in "".join(out)
    assert json.dumps(secret)[1:-1] not in "".join(out)
    assert json.loads(out[0])["line"] == f"token={MASK}"


def test_redacts_nested_values() -> None:
    redact = Redactor(["s3cret"])
    assert redact.value({"a": ["x s3cret", {"b": "s3cret"}], "n": 1}) == {"a": [f"x {MASK}", {"b": MASK}], "n": 1}


@given(st.text(min_size=4).filter(lambda s: s.strip() == s and "\n" not in s and "*" not in s),
       st.text(), st.text())
def test_no_secret_survives(secret: str, before: str, after: str) -> None:
    assert secret not in Redactor([secret])(before + secret + after)
