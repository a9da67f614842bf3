"""Markdown → Runbook: which blocks are steps, attributes, front matter, and errors with lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.errors import RunbookError
from sitegen.runbook.model import format_seconds
from sitegen.runbook.parse import load_runbook, parse_duration, parse_runbook

FENCE = "```"


def doc(front: str, *blocks: str) -> str:
    parts = [f"---\n{front}\n---\n"] if front else []
    parts.append("# Title\n\nSome prose.\n")
    parts += blocks
    return "\n".join(parts)


def block(info: str, body: str = "echo hi\n") -> str:
    return f"{FENCE}{info}\n{body}{FENCE}\n"


def test_only_blocks_with_braces_are_steps() -> None:
    rb = parse_runbook(doc("", block("sh"), block("sh {#build}"), block("python {.wide}"), block("sh {name=deploy}")))
    assert [s.name for s in rb.steps] == ["build", "deploy"]


def test_runme_json_attributes_are_accepted() -> None:
    rb = parse_runbook(doc("", block('sh {"name":"build","needs":["a"]}'), block("sh {#a}")))
    assert rb.step("build").needs == ("a",)


def test_step_line_is_the_fence_line_counting_front_matter() -> None:
    text = doc("title: x", block("sh {#one}"))
    rb = parse_runbook(text)
    assert text.splitlines()[rb.step("one").line - 1] == "```sh {#one}"


def test_braces_without_a_name_are_not_steps() -> None:
    # `{1,3}`, `{linenos=table}` and `{on=local}` style code in other tools; a step has a name.
    blocks = [block("sh {}"), block("sh {confirm}"), block("sh {on=local}"), block("rust {1,3}"),
              block("go {linenos=table}"), block("sh {#named confirm}")]
    rb = parse_runbook(doc("", *blocks))
    assert [s.name for s in rb.steps] == ["named"]
    assert rb.steps[0].confirm is True


def test_a_malformed_step_names_the_problem() -> None:
    with pytest.raises(RunbookError, match="No closing quotation") as err:
        parse_runbook(doc("", block('sh {#a unless="test -f x}')), "post.md")
    assert err.value.line == 5


def test_all_attributes() -> None:
    front = "runbook:\n  hosts:\n    web: {ssh: deploy@example.org, arch: arm64}"
    info = ('sh {#deploy on=web arch=aarch64 needs=a,b cwd=/srv timeout=10m retries=2 confirm '
            'creates=/srv/done unless="test -f /x" requires=rsync,tar}')
    rb = parse_runbook(doc(front, block("sh {#a}"), block("sh {#b}"), block(info)))
    step = rb.step("deploy")
    assert (step.on, step.arch, step.needs, step.cwd) == ("web", "aarch64", ("a", "b"), "/srv")
    assert (step.timeout, step.retries, step.confirm) == (600.0, 2, True)
    assert (step.creates, step.unless, step.requires) == ("/srv/done", "test -f /x", ("rsync", "tar"))
    assert rb.hosts["web"].arch == "aarch64"  # arm64 normalised


@pytest.mark.parametrize(
    ("lang", "interpreter", "prelude"),
    [("sh", ("bash",), "set -euo pipefail"), ("bash", ("bash",), "set -euo pipefail"),
     ("python", ("python3",), None), ("ruby", ("ruby",), None)],
)
def test_default_interpreters(lang: str, interpreter: tuple[str, ...], prelude: str | None) -> None:
    step = parse_runbook(doc("", block(f"{lang} {{#s}}"))).step("s")
    assert (step.interpreter, step.shell_prelude) == (interpreter, prelude)


def test_front_matter_shell_and_explicit_interpreter() -> None:
    rb = parse_runbook(doc("runbook:\n  shell: sh", block("sh {#a}"), block('sh {#b interpreter="bash -x"}')))
    assert (rb.step("a").interpreter, rb.step("a").shell_prelude) == (("sh",), "set -eu")
    assert (rb.step("b").interpreter, rb.step("b").shell_prelude) == (("bash", "-x"), None)


def test_front_matter_defaults_apply_to_steps() -> None:
    rb = parse_runbook(doc("runbook:\n  cwd: /tmp\n  timeout: 30s", block("sh {#a}"), block("sh {#b cwd=/srv}")))
    assert (rb.step("a").cwd, rb.step("a").timeout) == ("/tmp", 30.0)
    assert rb.step("b").cwd == "/srv"


def test_write_step() -> None:
    step = parse_runbook(doc("", block("nginx {#conf write=/etc/x.conf mode=0640}", "server {}\n"))).step("conf")
    assert (step.write, step.mode, step.interpreter, step.script) == ("/etc/x.conf", 0o640, (), "server {}\n")


def test_vars_and_secrets() -> None:
    rb = parse_runbook(doc("runbook:\n  vars: {A: 1, B: null, C: true}\n  secrets: [TOKEN]", block("sh {#a}")))
    assert dict(rb.vars) == {"A": "1", "B": None, "C": "true"}
    assert rb.secrets == ("TOKEN",)


@pytest.mark.parametrize(
    ("front", "info", "message", "line"),
    [
        ("", "sh {#a colour=red}", "unknown attribute 'colour'", 6),
        ("", "sh {#a timout=5}", "did you mean 'timeout'", 6),
        ("", "sh {#a timeout=soon}", "cannot read duration", 6),
        ("", "sh {#a retries=x}", "retries must be a whole number", 6),
        ("", "sh {#a on=web}", "on=web is not a declared host", 6),
        ("", "sh {#a needs=zzz}", "needs unknown step 'zzz'", 6),
        ("", "sh {#a mode=0644}", "mode= only applies to write=", 6),
        ("", "{#a}", "the block has no language", 6),
        ("", "sh {#a on}", "on= needs a value", 6),
        ("", "sh {#a", "attribute braces are not closed", 6),
        ("runbook:\n  host: {}", "sh {#a}", "unknown key 'host' (did you mean 'hosts'?)", 1),
        ("runbook:\n  hosts: {local: {ssh: x}}", "sh {#a}", "reserved", 1),
        ("runbook:\n  hosts: {web: {ssh: x, user: y}}", "sh {#a}", "unknown key 'user'", 1),
        ("runbook:\n  vars: {1BAD: x}", "sh {#a}", "not a valid environment variable name", 1),
        ("title: ok\n\tkey: x", "sh {#a}", "not valid YAML", 3),
    ],
)
def test_errors_name_file_and_line(front: str, info: str, message: str, line: int) -> None:
    text = doc(front, block(info))
    if not front:
        line = text.splitlines().index(f"{FENCE}{info}") + 1
    with pytest.raises(RunbookError) as err:
        parse_runbook(text, "post.md")
    assert message in err.value.message
    assert err.value.path == "post.md"
    assert err.value.line == line


def test_duplicate_step_names_are_an_error() -> None:
    with pytest.raises(RunbookError, match="already used on line"):
        parse_runbook(doc("", block("sh {#a}"), block("sh {#a}")))


def test_include_loads_the_repository_file(tmp_path: Path) -> None:
    (tmp_path / "sitegen.toml").write_text("")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "setup.sh").write_text("echo included\n")
    (tmp_path / "posts").mkdir()
    book = tmp_path / "posts" / "b.md"
    book.write_text(doc("", block("sh {#a include=infra/setup.sh}", ""), block("sh {#b include=infra/nope.sh}", "")))
    rb = load_runbook(book)
    assert rb.root == tmp_path
    assert rb.step("a").script == "echo included\n"
    assert rb.step("b").include_error is not None and "no such file" in rb.step("b").include_error


def test_include_with_a_body_is_refused() -> None:
    with pytest.raises(RunbookError, match="leave the block empty"):
        parse_runbook(doc("", block("sh {#a include=x.sh}", "echo body\n")))


def test_content_hash_changes_with_script_and_attributes() -> None:
    a = parse_runbook(doc("", block("sh {#a}"))).step("a")
    b = parse_runbook(doc("", block("sh {#a}", "echo other\n"))).step("a")
    c = parse_runbook(doc("", block("sh {#a retries=1}"))).step("a")
    assert len({a.content_hash, b.content_hash, c.content_hash}) == 3


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("1h", 3600), ("1h30m", 5400),
                                               ("500ms", 0.5), ("45", 45), ("1.5m", 90)])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "soon", "10x", "m", "10 m", "5s5"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=10 * 86400))
def test_format_and_parse_duration_round_trip(seconds: int) -> None:
    assert parse_duration(format_seconds(seconds)) == seconds
