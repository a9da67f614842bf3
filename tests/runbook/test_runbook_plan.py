"""Planning: selection, needs order, cycles, hosts by architecture, values and expansion."""

from __future__ import annotations

import pytest

from sitegen.errors import RunbookError
from sitegen.runbook.model import LOCAL
from sitegen.runbook.parse import parse_runbook
from sitegen.runbook.plan import (
    Selection,
    Values,
    bind,
    expand,
    order_steps,
    override_hosts,
    resolve_host,
    resolve_values,
    select_steps,
)

FENCE = "```"


def book(front: str = "", *infos: str):
    text = (f"---\n{front}\n---\n" if front else "") + "".join(f"{FENCE}sh {i}\necho\n{FENCE}\n\n" for i in infos)
    return parse_runbook(text, "book.md")


def names(steps) -> list[str]:
    return [s.name for s in steps]


def test_document_order_is_kept_unless_needs_demand_otherwise() -> None:
    rb = book("", "{#a}", "{#b needs=d}", "{#c}", "{#d}")
    assert names(order_steps(rb)) == ["a", "c", "d", "b"]


def test_cycle_is_reported_with_its_path() -> None:
    rb = book("", "{#a needs=c}", "{#b needs=a}", "{#c needs=b}", "{#d}")
    with pytest.raises(RunbookError, match="cycle: a → c → b → a"):
        order_steps(rb)


def test_step_pulls_in_its_needs_transitively() -> None:
    rb = book("", "{#a}", "{#b needs=a}", "{#c needs=b}", "{#d}")
    assert names(select_steps(rb, Selection(steps=("c",)))) == ["a", "b", "c"]
    assert names(select_steps(rb, Selection(steps=("c",), no_deps=True))) == ["c"]
    assert names(select_steps(rb, Selection(steps=("d", "a")))) == ["a", "d"]


def test_from_and_until() -> None:
    rb = book("", "{#a}", "{#b}", "{#c}", "{#d}")
    assert names(select_steps(rb, Selection(start="b"))) == ["b", "c", "d"]
    assert names(select_steps(rb, Selection(until="b"))) == ["a", "b"]
    assert names(select_steps(rb, Selection(start="b", until="c"))) == ["b", "c"]


@pytest.mark.parametrize(
    ("selection", "message"),
    [(Selection(steps=("zz",)), "--step zz: no such step"),
     (Selection(start="d", until="a"), "comes before"),
     (Selection(steps=("a",), start="b"), "cannot be combined")],
)
def test_bad_selection(selection: Selection, message: str) -> None:
    with pytest.raises(RunbookError, match=message):
        select_steps(book("", "{#a}", "{#b}", "{#c}", "{#d}"), selection)


HOSTS = """runbook:
  hosts:
    builder: {ssh: "builder.lan:2222"}
    web: {ssh: deploy@example.org, arch: aarch64}
    pi: {ssh: pi, arch: aarch64}"""


def test_arch_picks_this_machine_when_it_matches() -> None:
    rb = book(HOSTS, "{#a arch=x86_64}")
    assert resolve_host(rb, rb.step("a"), {LOCAL: "x86_64"}) == (LOCAL, None)


def test_arch_picks_the_first_declared_host_that_has_it() -> None:
    rb = book(HOSTS, "{#a arch=aarch64}")
    # builder's arch is unknown until probed: the planner says so instead of guessing.
    host, problem = resolve_host(rb, rb.step("a"), {LOCAL: "x86_64", "builder": None, "web": "aarch64"})
    assert host is None and "not yet known which of builder" in problem
    # Once probed, builder (declared first) wins over web.
    arches = {LOCAL: "x86_64", "builder": "aarch64", "web": "aarch64", "pi": "aarch64"}
    assert resolve_host(rb, rb.step("a"), arches) == ("builder", None)
    arches["builder"] = "x86_64"
    assert resolve_host(rb, rb.step("a"), arches) == ("web", None)


def test_arch_with_no_host_is_a_problem() -> None:
    rb = book(HOSTS, "{#a arch=riscv64}")
    host, problem = resolve_host(rb, rb.step("a"), {LOCAL: "x86_64", "builder": "x86_64", "web": "aarch64",
                                                     "pi": "aarch64"})
    assert host is None and "no host has it" in problem


def test_on_and_arch_must_agree() -> None:
    rb = book(HOSTS, "{#a on=web arch=x86_64}")
    host, problem = resolve_host(rb, rb.step("a"), {"web": "aarch64"})
    assert host == "web" and "host 'web' is aarch64" in problem


def test_host_override() -> None:
    rb = override_hosts(book(HOSTS, "{#a on=web}"), ["web=admin@other:2200"])
    assert rb.hosts["web"].ssh == "admin@other:2200"
    assert rb.hosts["web"].arch == "aarch64"
    with pytest.raises(RunbookError, match="no such host"):
        override_hosts(rb, ["nope=x"])


VALUES = """runbook:
  vars: {SITE: /srv/default, MODE: null}
  secrets: [TOKEN]"""


def test_value_precedence_var_then_prefixed_environment_then_default() -> None:
    rb = book(VALUES, "{#a}")
    environ = {"MODE": "env", "SITE": "/srv/env", "TOKEN": "t-secret", "SITEGEN_VAR_MODE": "prefixed"}
    v = resolve_values(rb, {"MODE": "cli"}, environ)
    assert v.vars == {"SITE": "/srv/default", "MODE": "cli"}
    assert v.sources == {"SITE": "default", "MODE": "--var", "TOKEN": "environment"}
    assert v.secrets == {"TOKEN": "t-secret"} and v.missing == ()
    v = resolve_values(rb, {}, {**environ, "SITEGEN_VAR_SITE": "/srv/prefixed"})
    assert v.vars == {"SITE": "/srv/prefixed", "MODE": "prefixed"}
    assert v.sources == {"SITE": "environment: SITEGEN_VAR_SITE", "MODE": "environment: SITEGEN_VAR_MODE",
                         "TOKEN": "environment"}
    v = resolve_values(rb, {}, {})
    assert v.vars == {"SITE": "/srv/default"} and v.missing == ("MODE", "TOKEN")


def test_a_plain_environment_variable_never_sets_a_runbook_variable() -> None:
    """`ROOT` or `SITE` in the shell is a coincidence, not a choice: it is noted, not used."""
    rb = book(VALUES, "{#a}")
    v = resolve_values(rb, {}, {"SITE": "/", "MODE": "env"})
    assert v.vars == {"SITE": "/srv/default"} and v.missing == ("MODE", "TOKEN")
    assert v.ignored == ("SITE", "MODE")
    v = resolve_values(rb, {"SITE": "/srv/cli"}, {"SITE": "/srv/cli", "SITEGEN_VAR_MODE": "m"})
    assert v.ignored == ()  # the plain variable holds the value used anyway


def test_secrets_file_wins_over_environment_and_prompt_fills_gaps() -> None:
    rb = book(VALUES, "{#a}")
    asked: list[tuple[str, bool]] = []

    def prompt(name: str, secret: bool) -> str | None:
        asked.append((name, secret))
        return "typed"

    v = resolve_values(rb, {}, {"TOKEN": "env"}, {"TOKEN": "file"}, prompt)
    assert v.secrets == {"TOKEN": "file"} and v.vars["MODE"] == "typed"
    assert asked == [("MODE", False)]


def test_undeclared_or_secret_var_on_the_command_line_is_refused() -> None:
    rb = book(VALUES, "{#a}")
    with pytest.raises(RunbookError, match="not a declared variable"):
        resolve_values(rb, {"NOPE": "1"}, {})
    with pytest.raises(RunbookError, match="visible to other users"):
        resolve_values(rb, {"TOKEN": "1"}, {})


def test_expand_only_declared_variables() -> None:
    assert expand("$SITE/a/${SITE}/$$HOME", {"SITE": "/s"}) == "/s/a//s/$HOME"
    with pytest.raises(ValueError, match="not a declared variable"):
        expand("$HOME/x", {})
    with pytest.raises(ValueError, match="is a secret"):
        expand("/x/$TOKEN", {}, ["TOKEN"])


def test_bind_expands_paths_and_collects_problems() -> None:
    rb = book(VALUES, "{#a cwd=$SITE creates=$SITE/done}", "{#b cwd=$NOPE}", "{#c arch=sparc}")
    v = Values(vars={"SITE": "/srv"})
    plan, problems = bind(rb, rb.steps, {LOCAL: "x86_64"}, v)
    assert (plan[0].cwd, plan[0].creates, plan[0].host) == ("/srv", "/srv/done", LOCAL)
    assert [p.step for p in problems] == ["b", "c"]
    assert problems[0].render("book.md").startswith(f"book.md:{rb.step('b').line}: step 'b': cwd=$NOPE")
