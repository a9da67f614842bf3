"""Verification records: real runs (local and over the loopback sshd) write a publishable
record into the site, and the next build shows each step's card from it."""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path

import pytest
from runbook_support import base_environ

from sitegen import __version__, verification
from sitegen.engine import Builder
from sitegen.errors import SitegenError
from sitegen.runbook.parse import load_runbook
from sitegen.runbook.testing import LoopbackSSHD

BOOK = """\
---
title: Deploy notes
published: 2026-11-30
runbook:
  hosts:
    web: {ssh: "%(dest)s"}
  secrets: [TOKEN]
---

How we ship.

```sh {#prepare}
echo "preparing with $TOKEN in $HOME"
```

```sh {#remote on=web}
echo "on $(uname -m)"
```

```sh {#later}
true
```
"""


def make_site(root: Path, dest: str = "nobody@127.0.0.1", settings: str = "") -> Path:
    (root / "content" / "blog").mkdir(parents=True)
    (root / "sitegen.toml").write_text(f'title = "T"\nbase_url = "https://t.example"\n{settings}')
    book = root / "content" / "blog" / "notes.md"
    book.write_text(BOOK % {"dest": dest})
    return book


@pytest.fixture
def env(tmp_path: Path, sshd: LoopbackSSHD) -> dict[str, str]:
    env = base_environ(tmp_path)
    env["SITEGEN_VERIFIED"] = "on"
    env["TOKEN"] = "s3cret-token-value"
    env["SITEGEN_SSH_CONFIG"] = str(sshd.ssh_config)
    return env


def built_page(site: Path) -> str:
    Builder(site, site / "public").build()
    return (site / "public" / "blog" / "notes" / "index.html").read_text()


def figure(html: str, name: str) -> str:
    match = re.search(rf'<figure class="step" data-step="{name}"[^>]*>.*?</figcaption>', html, re.S)
    assert match, f"no step figure {name!r}"
    return match.group(0)


def test_a_run_records_beside_the_runbook_and_the_build_shows_it(
    run_cli, tmp_path: Path, sshd: LoopbackSSHD, env: dict[str, str]
) -> None:
    site = tmp_path / "site"
    book = make_site(site, sshd.destination)
    result = run_cli(str(book), "--step", "prepare", "--step", "remote", environ=env)
    assert result.code == 0, result

    record_file = site / "content" / "blog" / "notes.verified.json"
    text = record_file.read_text()
    data = json.loads(text)
    hashes = {s.name: s.content_hash for s in load_runbook(book).steps}
    assert data["format"] == verification.FORMAT and data["runbook"] == "content/blog/notes.md"
    assert set(data["steps"]) == {"prepare", "remote"}
    remote = data["steps"]["remote"]["clean"]
    assert remote["host"] == "web" and remote["arch"] == os.uname().machine
    assert remote["exit_code"] == 0 and remote["hash"] == hashes["remote"] and remote["sitegen"] == __version__
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", remote["finished"])
    assert data["steps"]["prepare"]["clean"]["host"] == "local"
    # Publishable: no secret, no SSH destination, no home or temporary path, no output.
    for private in ("s3cret-token-value", sshd.destination, str(tmp_path), env.get("HOME", "/root"), "preparing"):
        assert private not in text
    # Diff-friendly and deterministic: sorted keys, one field per line, a final newline.
    assert text == json.dumps(data, indent=2, sort_keys=True) + "\n"

    html = built_page(site)
    prepare = figure(html, "prepare")
    assert f'data-verified="{data["steps"]["prepare"]["clean"]["finished"]}" data-drift="false"' in prepare
    day = remote["finished"][:10]
    assert re.sub(r"<[^>]+>", "", figure(html, "remote")).endswith(f"verified {day} on web ({os.uname().machine})")
    later = figure(html, "later")
    assert 'data-verified="" data-drift="false"' in later and "never run" in later
    assert 'class="runbook-status runbook-status-never">3 steps: 2 verified, 1 never run<' in html

    # Editing a step's text is drift: the card says so and keeps the date it last ran clean.
    book.write_text(book.read_text().replace('echo "on $(uname -m)"', 'echo "on $(uname -m) now"'))
    html = built_page(site)
    remote_card = figure(html, "remote")
    assert 'data-drift="true"' in remote_card and f'data-verified="{remote["finished"]}"' in remote_card
    assert "changed since it last ran clean" in remote_card
    assert "1 changed since it last ran clean" in html

    # Running it again clears the drift; every step verified makes the header say so.
    assert run_cli(str(book), environ=env).code == 0
    html = built_page(site)
    assert 'data-drift="true"' not in html and "never run" not in html
    assert re.search(r'runbook-status-verified">All 3 steps verified, last on \d{4}-\d\d-\d\d<', html)


def test_a_failed_step_keeps_its_last_clean_run(run_cli, tmp_path: Path, env: dict[str, str]) -> None:
    site = tmp_path / "site"
    book = make_site(site)
    text = book.read_text()
    assert run_cli(str(book), "--step", "later", environ=env).code == 0
    book.write_text(text.replace("```sh {#later}\ntrue", "```sh {#later}\nexit 7"))
    assert run_cli(str(book), "--step", "later", environ=env).code == 7
    record = verification.loads((site / "content/blog/notes.verified.json").read_text())
    assert record["later"].clean is not None and record["later"].clean.exit_code == 0
    assert record["later"].failed is not None and record["later"].failed.exit_code == 7
    card = figure(built_page(site), "later")
    assert "changed since it last ran clean" in card and "last run failed" in card and "(exit 7)" in card


def test_skipped_steps_prove_nothing(run_cli, tmp_path: Path, env: dict[str, str]) -> None:
    site = tmp_path / "site"
    book = make_site(site)
    marker = tmp_path / "exists"
    marker.touch()
    book.write_text(book.read_text().replace("```sh {#later}", f"```sh {{#later creates={marker}}}"))
    assert run_cli(str(book), "--step", "later", environ=env).code == 0
    assert not (site / "content/blog/notes.verified.json").exists() or "later" not in json.loads(
        (site / "content/blog/notes.verified.json").read_text())["steps"]


def test_the_setting_moves_the_record_into_a_folder(run_cli, tmp_path: Path, env: dict[str, str]) -> None:
    site = tmp_path / "site"
    book = make_site(site, settings='[runbooks]\nverified_dir = "verified"\n')
    assert run_cli(str(book), "--step", "prepare", environ=env).code == 0
    assert not (site / "content/blog/notes.verified.json").exists()
    moved = site / "verified" / "content" / "blog" / "notes.json"
    assert "prepare" in json.loads(moved.read_text())["steps"]
    assert "data-verified=\"20" in figure(built_page(site), "prepare")


def test_no_site_no_record_and_off_switch(run_cli, tmp_path: Path, env: dict[str, str]) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    book = loose / "notes.md"
    book.write_text(BOOK % {"dest": "x@127.0.0.1"})
    assert run_cli(str(book), "--step", "prepare", environ=env).code == 0
    assert sorted(p.name for p in loose.iterdir()) == ["notes.md"]

    site = tmp_path / "site"
    book = make_site(site)
    assert run_cli(str(book), "--step", "prepare", environ={**env, "SITEGEN_VERIFIED": "off"}).code == 0
    assert not (site / "content/blog/notes.verified.json").exists()


def test_editing_the_record_rebuilds_only_what_shows_it(run_cli, tmp_path: Path, env: dict[str, str]) -> None:
    site = tmp_path / "site"
    book = make_site(site)
    builder = Builder(site, site / "public")
    builder.build()
    assert run_cli(str(book), "--step", "prepare", environ=env).code == 0
    report = builder.build()
    assert report.parsed == []  # the Markdown was not read again: the cards go onto the cached body
    assert ("/blog/notes/", "content, verification of content/blog/notes.md changed") in report.rendered
    assert builder.build().rendered == []  # and nothing again when nothing changed

    record = site / "content/blog/notes.verified.json"
    record.unlink()
    assert "/blog/notes/" in [url for url, _ in Builder(site, site / "public").build().rendered]
    assert 'data-verified=""' in figure((site / "public/blog/notes/index.html").read_text(), "prepare")


def test_a_broken_record_is_one_error_naming_the_file(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_site(site)
    (site / "content/blog/notes.verified.json").write_text('{\n  "format": "sitegen-verification/1",\n  oops\n}\n')
    with pytest.raises(SitegenError) as caught:
        Builder(site, site / "public").build()
    assert str(caught.value).startswith("content/blog/notes.verified.json:3: not a verification record")


def test_the_page_and_the_runner_hash_steps_alike(tmp_path: Path) -> None:
    """Cards compare the renderer's hash with the one `sitegen run` recorded: they must agree,
    includes and JSON attributes too."""
    site = tmp_path / "site"
    make_site(site)
    (site / "scripts").mkdir()
    (site / "scripts" / "go.sh").write_text("echo included\n")
    book = site / "content" / "blog" / "notes.md"
    book.write_text(book.read_text() + textwrap.dedent("""
        ```sh {#inc include=scripts/go.sh}
        ```

        ```python {"name": "json-form", "needs": ["prepare"]}
        print("hi")
        ```
        """))
    builder = Builder(site, site / "public")
    builder.build()
    record = builder.state["records"]["blog/notes.md"]
    runbook = load_runbook(book)
    assert record.steps == tuple(s.name for s in runbook.steps)
    assert record.step_hashes == tuple(s.content_hash for s in runbook.steps)


def test_record_file_round_trip_and_update_rules() -> None:
    ok = verification.Outcome("h1", "web", "aarch64", 0, "2026-12-01T09:30:00Z", 1.5, "0.1.0")
    bad = ok._replace(exit_code=2, finished="2026-12-02T10:00:00Z")
    record = verification.record_step({}, "a", "ok", ok)
    record = verification.record_step(record, "a", "failed", bad)
    record = verification.record_step(record, "b", "skipped", ok)
    assert record == {"a": verification.StepRecord(clean=ok, failed=bad)}
    text = verification.dumps(record, "infra/x.md", keep=["a"])
    assert verification.loads(text) == record
    assert verification.dumps(record, "infra/x.md", keep=["b"]).count("\n") == 5  # a is gone with its step
    states = verification.step_states(["a"], ["h1"], record)
    assert states[0].state == verification.VERIFIED and states[0].failed == bad
    assert verification.step_states(["a"], ["h2"], record)[0].state == verification.DRIFT
    assert verification.iso_utc("2026-12-01T10:30:00.123+01:00") == "2026-12-01T09:30:00Z"


def check_drift(site: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    from sitegen.cli import main

    code = main(["check", "--drift", str(site)])
    return code, capsys.readouterr().out.splitlines()


def test_check_drift_is_a_ci_gate(run_cli, tmp_path: Path, env: dict[str, str],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    book = make_site(site)
    lines = {s.name: s.line for s in load_runbook(book).steps}
    code, out = check_drift(site, capsys)
    assert code == 1
    assert out == [
        f"content/blog/notes.md:{lines['prepare']}: step prepare has never run",
        f"content/blog/notes.md:{lines['remote']}: step remote has never run",
        f"content/blog/notes.md:{lines['later']}: step later has never run",
        "checked 3 steps of 1 runbook: 3 not verified in their current form",
    ]

    # Steps that ran clean drop out; an edited one is drift, with the date it last ran clean.
    run_env = {**env, "SITEGEN_SSH_CONFIG": ""}
    book.write_text(book.read_text().replace("on=web", ""))
    assert run_cli(str(book), environ=run_env).code == 0
    assert check_drift(site, capsys) == (0, ["checked 3 steps of 1 runbook: every step verified"])
    day = verification.loads((site / "content/blog/notes.verified.json").read_text())["later"].clean.date
    book.write_text(book.read_text().replace("```sh {#later}\ntrue", "```sh {#later}\nfalse"))
    drifted = f"content/blog/notes.md:{lines['later']}: step later changed since it last ran clean ({day})"
    code, out = check_drift(site, capsys)
    assert (code, out[0]) == (1, drifted)
    assert run_cli(str(book), "--step", "later", environ=run_env).code == 1  # a failed run verifies nothing
    assert check_drift(site, capsys)[1][0] == drifted

    # A draft is not published, so it does not gate; a page symlinked from elsewhere names its source.
    (site / "content" / "blog" / "notes.md").rename(site / "notes.md")
    (site / "content" / "blog" / "notes.md").symlink_to(site / "notes.md")
    (site / "content" / "blog" / "notes.verified.json").rename(site / "notes.verified.json")
    (site / "content" / "blog" / "draft.md").write_text("---\ntitle: D\ndraft: true\n---\n\n```sh {#x}\ntrue\n```\n")
    code, out = check_drift(site, capsys)
    assert out == [f"notes.md:{lines['later']}: step later changed since it last ran clean ({day})",
                   "checked 3 steps of 1 runbook: 1 not verified in their current form"]


def test_check_drift_names_a_broken_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    make_site(site)
    (site / "content/blog/notes.verified.json").write_text('{"format": "something-else"}\n')
    from sitegen.cli import main

    assert main(["check", "--drift", str(site)]) == 1
    assert capsys.readouterr().err == (
        "error: content/blog/notes.verified.json:1: not a verification record: "
        "format is 'something-else', expected 'sitegen-verification/1'\n"
    )


def build_cli(site: Path, *extra: str, environ: dict[str, str], capsys: pytest.CaptureFixture[str],
              monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    from sitegen.cli import main

    for name in ("TOKEN", "OTHER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    code = main(["build", str(site), *extra])
    return code, capsys.readouterr().err


def test_the_build_refuses_to_publish_a_runbook_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    book = make_site(site)
    book.write_text(book.read_text().replace("How we ship.", "How we ship. Our token: s3cret-token-value."))
    (site / "content" / "pages").mkdir()
    (site / "content" / "pages" / "about.md").write_text("---\ntitle: About\n---\n\nNothing secret here.\n")

    # Without the secret's value at hand there is nothing to compare with: it builds.
    assert build_cli(site, environ={}, capsys=capsys, monkeypatch=monkeypatch)[0] == 0
    page = site / "public" / "blog" / "notes" / "index.html"
    before = page.read_bytes()

    # With it in the environment, the unchanged page is refused too, naming page and secret, not value.
    code, err = build_cli(site, environ={"TOKEN": "s3cret-token-value"}, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 1
    assert err == (
        "error: content/blog/notes.md: the page (blog/notes/index.html) would publish the value of secret "
        "TOKEN, declared by content/blog/notes.md; nothing was written\n"
    )
    assert page.read_bytes() == before  # the previous output is intact

    # A secrets file (as `sitegen run --secrets-file` takes) counts like the environment, in an
    # escaped form too (a value with `&` appears as `&amp;` in HTML).
    book.write_text(book.read_text().replace("s3cret-token-value", "a&b-from-the-file"))
    secrets = tmp_path / "secrets.env"
    secrets.write_text("TOKEN=a&b-from-the-file\n")
    secrets.chmod(0o600)
    code, err = build_cli(site, "--secrets-file", str(secrets), environ={}, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 1 and "would publish the value of secret TOKEN" in err and "a&b" not in err
    assert build_cli(site, environ={}, capsys=capsys, monkeypatch=monkeypatch)[0] == 0
    assert "a&amp;b-from-the-file" in page.read_text()

    # A secret nobody declared is none of the guard's business; short values are not looked for.
    code, _ = build_cli(site, environ={"OTHER": "a&b-from-the-file", "TOKEN": "ship"}, capsys=capsys,
                        monkeypatch=monkeypatch)
    assert code == 0
