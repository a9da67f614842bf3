"""Markdown → Runbook: front matter `runbook:` plus the fenced blocks named as steps (`{#id …}`).

Reads markdown-it-py tokens (the same parser the site builder renders with), so a block is a
step here exactly when it is a block on the page; nothing scans the text with regexes.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import shlex
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sitegen.errors import RunbookError, SitegenError
from sitegen.fence import parse_fence_info
from sitegen.includes import find_project_root, resolve_include
from sitegen.runbook.model import LOCAL, Host, Runbook, Step, normalise_arch

STEP_ATTRIBUTES = (
    "name", "on", "arch", "needs", "cwd", "timeout", "retries", "confirm", "creates", "unless",
    "write", "mode", "follow", "include", "requires", "interpreter", "rollback", "sudo", "if",
)
_FLAG_ATTRIBUTES = {"confirm", "follow", "sudo"}
_RUNBOOK_KEYS = ("hosts", "vars", "secrets", "shell", "cwd", "timeout")
_HOST_KEYS = ("ssh", "arch")
_SHELL_LANGS = {"sh", "bash", "shell"}
_PYTHON_LANGS = {"python", "python3", "py"}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)?")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(text: str) -> float:
    """`30s`, `10m`, `1h30m`, `500ms`, or bare seconds → seconds; ValueError otherwise."""
    text = text.strip().lower()
    pos, total = 0, 0.0
    while pos < len(text):
        match = _DURATION_RE.match(text, pos)
        # A bare number is seconds, but only on its own: "5s5" is a typo, not ten seconds.
        if not match or (match.group(2) is None and (pos or match.end() != len(text))):
            raise ValueError(f"cannot read duration {text!r}: use e.g. 30s, 10m, 1h")
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not text or total <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    return total


def load_runbook(path: str | Path) -> Runbook:
    """Read and parse a runbook file, loading `include=` files from the project root.

    A missing include does not fail here: preflight lists it with every other problem, and
    --list/--dry-run still work.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RunbookError(f"cannot read runbook: {exc.strerror}", path) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RunbookError("runbook is not UTF-8 text", path) from exc
    root = find_project_root(path)
    runbook = parse_runbook(text, path, root=root)
    steps = tuple(_load_include(step, root) for step in runbook.steps)
    return replace(runbook, steps=steps)


def _load_include(step: Step, root: Path) -> Step:
    if not step.include:
        return step
    try:
        target = resolve_include(root, step.include)
        return replace(step, script=target.read_text(encoding="utf-8"))
    except SitegenError as exc:
        return replace(step, include_error=exc.message)
    except (OSError, UnicodeDecodeError) as exc:
        return replace(step, include_error=f"include={step.include}: cannot read: {exc}")


def parse_runbook(text: str, path: str | Path = "<runbook>", *, root: Path | None = None) -> Runbook:
    """Parse runbook text; `root` defaults to the project root found from `path`."""
    # Imported here so that `--help` and modules that only need the model stay quick to load.
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    path = Path(path)
    md = MarkdownIt("commonmark").use(front_matter_plugin)
    tokens = md.parse(text)
    front: dict[str, Any] = {}
    front_line = 1
    for token in tokens:
        if token.type == "front_matter":
            front_line = (token.map[0] + 1) if token.map else 1
            front = _load_yaml(token.content, path, front_line)
            break
    config = _RunbookConfig.from_front_matter(front, path, front_line)

    steps: list[Step] = []
    seen: dict[str, int] = {}
    for token in tokens:
        if token.type != "fence":
            continue
        line = (token.map[0] + 1) if token.map else 0
        info = parse_fence_info(token.info)
        # Only braces with `#id`, `name=` or Runme's JSON name make a step; `{1,3}`, `{.wide}`
        # or Hugo's `{linenos=table}` are how other tools style code (the renderer in
        # sitegen.markdown draws the same line).
        if not info.is_step:
            continue
        if info.problems:
            raise RunbookError(info.problems[0], path, line)
        step = _make_step(info.lang, dict(info.attrs), token.content, len(steps), line, path, config)
        if step.name in seen:
            raise RunbookError(
                f"step name {step.name!r} is already used on line {seen[step.name]}", path, line
            )
        seen[step.name] = line
        steps.append(step)

    names = {s.name for s in steps}
    handlers = {s.rollback for s in steps if s.rollback}
    for step in steps:
        for need in step.needs:
            if need not in names:
                raise RunbookError(
                    f"step {step.name!r}: needs unknown step {need!r}{_suggest(need, names)}", path, step.line
                )
            if need in handlers:
                raise RunbookError(f"step {step.name!r}: needs {need!r}, which is a rollback step "
                                   "(it runs only when a step fails)", path, step.line)
        if step.only_if is not None:
            negated = step.only_if.startswith("!")
            var = step.only_if[1:] if negated else step.only_if
            if var not in config.vars:
                declared = ", ".join(config.vars) or "none"
                raise RunbookError(f"step {step.name!r}: if={step.only_if} names no declared variable "
                                   f"(declared: {declared}){_suggest(var, config.vars)}", path, step.line)
        if step.rollback:
            if step.rollback not in names:
                raise RunbookError(f"step {step.name!r}: rollback={step.rollback} is not a step"
                                   f"{_suggest(step.rollback, names)}", path, step.line)
            handler = next(s for s in steps if s.name == step.rollback)
            if handler.rollback or handler.needs or handler is step:
                raise RunbookError(f"step {step.name!r}: rollback={step.rollback} must name a step of its "
                                   "own, without needs= or rollback= (it runs only when a step fails)",
                                   path, step.line)
        if step.on is not None and step.on != LOCAL and step.on not in config.hosts:
            declared = ", ".join(config.hosts) or "none"
            raise RunbookError(
                f"step {step.name!r}: on={step.on} is not a declared host (declared: {declared})",
                path,
                step.line,
            )
    title = front.get("title")
    return Runbook(
        path=path,
        root=root if root is not None else find_project_root(path),
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        title=str(title) if title is not None else None,
        hosts=config.hosts,
        vars=config.vars,
        secrets=config.secrets,
        steps=tuple(steps),
    )


def _load_yaml(text: str, path: Path, line: int) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = line + 1 + mark.line if mark is not None else line
        problem = getattr(exc, "problem", exc)
        raise RunbookError(f"front matter is not valid YAML: {problem}", path, where) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RunbookError("front matter must be a mapping of keys to values", path, line)
    return data


class _RunbookConfig:
    """The validated `runbook:` section of the front matter."""

    def __init__(self) -> None:
        self.hosts: dict[str, Host] = {}
        self.vars: dict[str, str | None] = {}
        self.secrets: tuple[str, ...] = ()
        self.shell = "bash"
        self.cwd: str | None = None
        self.timeout: float | None = None

    @classmethod
    def from_front_matter(cls, front: Mapping[str, Any], path: Path, line: int) -> _RunbookConfig:
        config = cls()
        section = front.get("runbook")
        if section is None:
            return config
        if not isinstance(section, dict):
            raise RunbookError("front matter `runbook:` must be a mapping", path, line)

        def fail(message: str) -> RunbookError:
            return RunbookError(f"front matter runbook: {message}", path, line)

        for key in section:
            if key not in _RUNBOOK_KEYS:
                raise fail(f"unknown key {key!r}{_suggest(str(key), _RUNBOOK_KEYS)}")
        hosts = section.get("hosts") or {}
        if not isinstance(hosts, dict):
            raise fail("hosts must map names to {ssh: ..., arch: ...}")
        for name, spec in hosts.items():
            name = str(name)
            if name == LOCAL:
                raise fail("the host name 'local' is reserved for this machine")
            if not _NAME_RE.match(name):
                raise fail(f"host name {name!r} may only use letters, digits, '.', '_' and '-'")
            if isinstance(spec, str):
                spec = {"ssh": spec}
            if not isinstance(spec, dict):
                raise fail(f"host {name!r} must be a mapping like {{ssh: user@host, arch: aarch64}}")
            for key in spec:
                if key not in _HOST_KEYS:
                    raise fail(f"host {name!r}: unknown key {key!r}{_suggest(str(key), _HOST_KEYS)}")
            ssh = spec.get("ssh")
            arch = spec.get("arch")
            config.hosts[name] = Host(
                name=name,
                ssh=str(ssh) if ssh else None,
                arch=normalise_arch(str(arch)) if arch else None,
            )
        config.vars = _read_vars(section.get("vars"), fail)
        secrets = section.get("secrets") or []
        if isinstance(secrets, str):
            secrets = [secrets]
        if not isinstance(secrets, list):
            raise fail("secrets must be a list of names")
        for secret in secrets:
            if not _ENV_NAME_RE.match(str(secret)):
                raise fail(f"secret name {secret!r} is not a valid environment variable name")
            if str(secret) in config.vars:
                raise fail(f"{secret!r} is declared both as a variable and as a secret")
        config.secrets = tuple(str(s) for s in secrets)
        if section.get("shell"):
            config.shell = str(section["shell"])
        if section.get("cwd"):
            config.cwd = str(section["cwd"])
        if section.get("timeout") is not None:
            try:
                config.timeout = parse_duration(str(section["timeout"]))
            except ValueError as exc:
                raise fail(f"timeout: {exc}") from exc
        return config


def _read_vars(raw: Any, fail: Any) -> dict[str, str | None]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        raw = {name: None for name in raw}
    if not isinstance(raw, dict):
        raise fail("vars must map names to default values")
    out: dict[str, str | None] = {}
    for name, value in raw.items():
        if not _ENV_NAME_RE.match(str(name)):
            raise fail(f"variable name {name!r} is not a valid environment variable name")
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, (dict, list)):
            raise fail(f"variable {name!r} must have a plain value")
        out[str(name)] = None if value is None else str(value)
    return out


def _make_step(
    lang: str,
    attrs: dict[str, str | bool],
    body: str,
    index: int,
    line: int,
    path: Path,
    config: _RunbookConfig,
) -> Step:
    # sitegen.fence only calls a fence a step when it has a name.
    name = str(attrs["name"])
    label = f"step {name!r}"

    def fail(message: str) -> RunbookError:
        return RunbookError(f"{label}: {message}", path, line)

    for key in attrs:
        if key not in STEP_ATTRIBUTES:
            raise fail(f"unknown attribute {key!r}{_suggest(key, STEP_ATTRIBUTES)}")
    if not _NAME_RE.match(name):
        raise fail("a step name may only use letters, digits, '.', '_' and '-'")

    def text(key: str) -> str | None:
        value = attrs.get(key)
        if value is None:
            return None
        if value is True or value == "":
            raise fail(f"{key}= needs a value")
        if value is False:
            return None
        return str(value)

    def flag(key: str) -> bool:
        value = attrs.get(key, False)
        if isinstance(value, bool):
            return value
        if value.lower() in ("true", "yes", "1"):
            return True
        if value.lower() in ("false", "no", "0"):
            return False
        raise fail(f"{key} is a flag: write {{{key}}} or {key}=false")

    def words(key: str) -> tuple[str, ...]:
        value = text(key)
        return tuple(w.strip() for w in value.split(",") if w.strip()) if value else ()

    timeout = config.timeout
    if (raw_timeout := text("timeout")) is not None:
        try:
            timeout = parse_duration(raw_timeout)
        except ValueError as exc:
            raise fail(f"timeout: {exc}") from exc
    retries = 0
    if (raw_retries := text("retries")) is not None:
        if not raw_retries.isdigit():
            raise fail(f"retries must be a whole number, not {raw_retries!r}")
        retries = int(raw_retries)
    mode = None
    if (raw_mode := text("mode")) is not None:
        if not re.fullmatch(r"0?[0-7]{3,4}", raw_mode):
            raise fail(f"mode must be octal like 0644, not {raw_mode!r}")
        mode = int(raw_mode, 8)
    write = text("write")
    if mode is not None and not write:
        raise fail("mode= only applies to write= steps")
    follow = flag("follow")
    if follow and not write:
        raise fail("follow only applies to write= steps")
    include = text("include")
    if include and body.strip():
        raise fail(f"include={include} replaces the block's content: leave the block empty")

    interpreter: tuple[str, ...] = ()
    prelude: str | None = None
    raw_interpreter = text("interpreter")
    if write:
        if raw_interpreter:
            raise fail("a write= step is written to a file, not run: drop interpreter=")
    elif raw_interpreter:
        interpreter = tuple(shlex.split(raw_interpreter))
    elif lang in _SHELL_LANGS:
        interpreter = tuple(shlex.split(config.shell))
        # pipefail is not POSIX: plain sh (dash) only gets -eu.
        is_modern = Path(interpreter[0]).name in ("bash", "zsh", "ksh")
        prelude = "set -euo pipefail" if is_modern else "set -eu"
    elif lang in _PYTHON_LANGS:
        interpreter = ("python3",)
    elif lang:
        interpreter = (lang,)
    else:
        raise fail("the block has no language, so there is nothing to run it with: write ```sh {...}")

    on = text("on")
    arch = text("arch")
    return Step(
        name=name,
        index=index,
        line=line,
        lang=lang,
        body=body,
        attrs=dict(attrs),
        on=on,
        arch=normalise_arch(arch) if arch else None,
        needs=words("needs"),
        cwd=text("cwd") or config.cwd,
        timeout=timeout,
        retries=retries,
        confirm=flag("confirm"),
        creates=text("creates"),
        unless=text("unless"),
        write=write,
        mode=mode,
        follow=follow,
        include=include,
        rollback=text("rollback"),
        only_if=text("if"),
        sudo=flag("sudo"),
        requires=words("requires"),
        interpreter=interpreter,
        shell_prelude=prelude,
        script=body,
    )


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
