"""The fingerprint --resume compares: salted value hashes, hosts under finished steps, step texts."""

from __future__ import annotations

from sitegen.runbook import fingerprint
from sitegen.runbook.parse import parse_runbook
from sitegen.runbook.plan import Values

BOOK = """---
runbook:
  hosts: {web: {ssh: deploy@web, arch: aarch64}, spare: {ssh: deploy@spare}}
  vars: {A: "1", B: null}
  secrets: [TOKEN]
---
```sh {#one on=web}
echo one
```

```sh {#two on=spare}
echo two
```
"""


def test_same_inputs_differ_in_nothing_and_hold_no_value() -> None:
    rb = parse_runbook(BOOK, "book.md")
    values = Values(vars={"A": "1", "B": "b-value"}, secrets={"TOKEN": "tok-secret"})
    recorded = fingerprint.inputs(rb, values, {"web": "aarch64"})
    assert "tok-secret" not in str(recorded) and "b-value" not in str(recorded)
    done = {"one": rb.step("one").content_hash}
    assert fingerprint.differences(recorded, done, rb, values, {}) == []
    # Another salt, another digest for the same value: equal values are not recognisable across runs.
    assert fingerprint.inputs(rb, values, {})["values"]["TOKEN"] != recorded["values"]["TOKEN"]


def test_values_set_unset_and_changed_are_named() -> None:
    rb = parse_runbook(BOOK, "book.md")
    recorded = fingerprint.inputs(rb, Values(vars={"A": "1"}, secrets={"TOKEN": "tok-secret"}), {})
    now = Values(vars={"A": "2", "B": "new"})
    assert fingerprint.differences(recorded, {}, rb, now, {}) == [
        "values A (changed), B (newly set), TOKEN (secret, now unset)"]


def test_only_hosts_under_finished_steps_count() -> None:
    rb = parse_runbook(BOOK, "book.md")
    values = Values(vars={"A": "1"})
    recorded = fingerprint.inputs(rb, values, {})
    moved = parse_runbook(BOOK.replace("deploy@spare", "deploy@spare2"), "book.md")
    done = {"one": rb.step("one").content_hash}
    assert fingerprint.differences(recorded, done, moved, values, {}) == []
    moved_web = parse_runbook(BOOK.replace("deploy@web,", "deploy@web2,"), "book.md")
    assert fingerprint.differences(recorded, done, moved_web, values, {}) == [
        "hosts web was deploy@web, now deploy@web2 (ran one)"]


def test_records_from_before_fingerprints_compare_step_texts_only() -> None:
    rb = parse_runbook(BOOK, "book.md")
    done = {"one": rb.step("one").content_hash, "gone": "0" * 64}
    assert fingerprint.differences(None, done, rb, Values(vars={"A": "9"}), {}) == ["finished steps gone (removed)"]
