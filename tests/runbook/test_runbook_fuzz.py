"""What users type, fuzzed: step attribute strings (quotes, braces, unicode) and `--var` values.
Whatever they hold, sitegen answers with a runbook or one clean SitegenError naming the file —
never another exception (which the CLI would print as a traceback)."""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.errors import SitegenError
from sitegen.runbook import cli
from sitegen.runbook.parse import parse_runbook
from sitegen.runbook.runners import FakeRunner

TOKENS = ['"', "'", "{", "}", "=", "#", " ", "\\", ",", ":", "[", "]", "\t", "é", "🦊", "\u200b", "\x00",
          "name", "on", "web", "arch", "needs", "timeout", "retries", "cwd", "write", "mode", "creates",
          "unless", "include", "requires", "interpreter", "confirm", "$", "${", "1", "-1", "0777", "10m",
          "x86_64", "aarch64", '{"name": "a"}', "true", "null"]

attribute_strings = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=4)), max_size=12).map("".join)

FRONT = "---\nrunbook:\n  hosts: {web: {ssh: deploy@web}}\n  vars: {DIR: /srv, NAME: null}\n  secrets: [TOKEN]\n---\n"


def _doc(attrs: str, lang: str = "sh") -> str:
    return f"{FRONT}# Fuzz\n\n```{lang} {{#first}}\necho one\n```\n\n```{lang} {{{attrs}}}\necho two\n```\n"


@settings(max_examples=300, deadline=None)
@given(attrs=attribute_strings, lang=st.sampled_from(["sh", "python", "text", "bash", "é"]))
def test_any_attribute_string_parses_or_is_one_clean_error(attrs: str, lang: str) -> None:
    try:
        runbook = parse_runbook(_doc(attrs, lang), "post.md", root=Path("/nonexistent-root"))
    except SitegenError as exc:
        assert str(exc).startswith("post.md"), str(exc)
        assert exc.line is None or exc.line >= 1
        return
    assert runbook.steps[0].name == "first"


def _cli(argv: list[str], environ: dict[str, str], fake: FakeRunner) -> tuple[int, str, str | None]:
    parser = argparse.ArgumentParser(prog="sitegen run")
    cli.configure(parser)
    out = io.StringIO()
    try:
        code = cli.execute(parser.parse_args(argv), environ=environ, out=out, interactive=False,
                           runner_factory=lambda host: fake)
    except SitegenError as exc:
        return 1, out.getvalue(), str(exc)
    return code, out.getvalue(), None


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attrs=attribute_strings, mode=st.sampled_from(["--list", "--dry-run", "--check"]))
def test_any_attribute_string_through_the_cli_is_a_listing_or_one_clean_error(attrs: str, mode: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "post.md"
        path.write_text(_doc(attrs), encoding="utf-8")
        environ = {"PATH": "/usr/bin:/bin", "TOKEN": "a-long-token", "SITEGEN_VAR_NAME": "n"}
        fake = FakeRunner("x86_64")
        code, _, error = _cli([str(path), mode, "--state-dir", tmp], environ, fake)
        assert code in (0, 1)
        assert error is None or error.startswith(str(path)) or error.startswith("preflight found"), error
        assert fake.jobs == []


var_words = st.one_of(
    st.text(max_size=30),
    st.builds(lambda name, value: f"{name}={value}", st.sampled_from(["DIR", "NAME", "TOKEN", "NOPE", "", "dir"]),
              st.text(alphabet=st.characters(blacklist_categories=()), max_size=30)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(var_words, min_size=1, max_size=3))
def test_any_var_value_runs_exactly_or_is_one_clean_error(words: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "post.md"
        path.write_text(f"{FRONT}```sh {{#a}}\necho \"$DIR $NAME\"\n```\n", encoding="utf-8")
        environ = {"PATH": "/usr/bin:/bin", "TOKEN": "a-long-token", "SITEGEN_VAR_NAME": "n"}
        fake = FakeRunner("x86_64")
        # --var=WORD: a word starting with "-" is then a value, not an option argparse rejects.
        argv = [f"--var={word}" for word in words]
        code, _, error = _cli([str(path), *argv, "--state-dir", tmp], environ, fake)
        if error is not None:
            assert code == 1 and "Traceback" not in error
            assert fake.jobs == []
            return
        assert code == 0
        given_values = dict(word.split("=", 1) for word in words)
        [job] = fake.jobs
        assert job.env["DIR"] == given_values.get("DIR", "/srv") and job.env["NAME"] == given_values.get("NAME", "n")
