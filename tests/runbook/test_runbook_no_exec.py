"""`sitegen check`, `run --check`, `--dry-run` and `--list` read a runbook; they never execute a
program the site names (a `shell:` or `interpreter=` pointing into the repository, or a `bash`
found through a relative PATH entry). Syntax checks use the system's bash."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from runbook_support import base_environ

from sitegen.cli import main as sitegen_main

POST = """\
---
title: Tools
date: 2026-11-30
runbook:
  shell: tools/bash
---
# Tools

```sh {#front-matter-shell}
echo "runs under tools/bash"
```

```sh {#named-interpreter interpreter=bin/bash}
echo "runs under bin/bash"
```

```sh {#absolute-interpreter interpreter=ABSOLUTE}
echo "runs under an absolute path into the site"
```
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site whose runbook names its own `bash` three ways, plus a ./bash for PATH=".:…";
    each of them would leave a marker file if it ever ran. The cwd is the site root."""
    root = tmp_path / "site"
    assert sitegen_main(["new", "site", str(root), "--title", "T"]) == 0
    marker = tmp_path / "marker"
    for rel in ("tools/bash", "bin/bash", "bash", "abs/bash"):
        script = root / rel
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(f"#!/bin/sh\necho {rel} >> {marker}\nexec /bin/bash \"$@\"\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    post = root / "content" / "blog" / "tools.md"
    post.write_text(POST.replace("ABSOLUTE", str(root / "abs" / "bash")))
    monkeypatch.chdir(root)
    monkeypatch.setenv("PATH", f".{os.pathsep}{os.pathsep}{os.environ['PATH']}")
    return root


def _marker(site: Path) -> Path:
    return site.parent / "marker"


def test_check_runs_no_program_of_the_site(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sitegen_main(["check", str(site)])
    out = capsys.readouterr().out
    assert "checked" in out and "bash -n" not in out  # checked, and the scripts are fine
    assert not _marker(site).exists(), _marker(site).read_text()


def test_check_still_finds_syntax_errors_with_the_system_bash(site: Path, capsys) -> None:
    post = site / "content" / "blog" / "tools.md"
    post.write_text(post.read_text().replace('echo "runs under bin/bash"', "if then"))
    assert sitegen_main(["check", str(site)]) == 1
    assert "step 'named-interpreter': bash -n: syntax error" in capsys.readouterr().out
    assert not _marker(site).exists(), _marker(site).read_text()


@pytest.mark.parametrize("mode", ["--check", "--dry-run", "--list"])
def test_run_modes_that_only_read_run_no_program_of_the_site(site: Path, run_cli, tmp_path, mode) -> None:
    env = {**base_environ(tmp_path), "PATH": os.environ["PATH"]}
    result = run_cli(str(site / "content" / "blog" / "tools.md"), mode, environ=env)
    assert result.code == 0, result
    assert not _marker(site).exists(), _marker(site).read_text()


def test_the_planted_programs_would_leave_the_marker(site: Path) -> None:
    """The guard of the tests above: running one of the planted programs does leave the marker."""
    import subprocess

    subprocess.run([str(site / "tools" / "bash"), "-c", "true"], check=True)
    assert _marker(site).read_text() == "tools/bash\n"


def test_the_syntax_checking_bash_never_comes_from_a_relative_path_entry(site: Path) -> None:
    from sitegen.runbook.preflight import system_bash

    assert (site / "bash").is_file()  # in the cwd, reachable as ./bash
    assert system_bash(f".{os.pathsep}") is None
    assert system_bash(f"{os.pathsep}bin") is None
    found = system_bash(f".{os.pathsep}{os.environ['PATH']}")
    assert found is not None and Path(found).is_absolute() and not Path(found).is_relative_to(site)
