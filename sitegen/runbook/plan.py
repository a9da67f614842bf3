"""Decide what runs where with which values: selection, `needs` order, hosts by arch, variables.

Pure functions over the model: the environment, the command line and probed architectures
come in as arguments, so unit tests pass dicts and nothing here touches a process.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from sitegen.errors import RunbookError
from sitegen.runbook.model import LOCAL, Host, Runbook, Step
from sitegen.runbook.redact import MIN_SECRET_LENGTH


@dataclass(frozen=True)
class Problem:
    """One thing preflight (or planning) found wrong; many are reported together."""

    message: str
    """What is wrong, in one sentence."""
    step: str | None = None
    """The step it concerns, if any."""
    line: int | None = None
    """Line of that step's fence."""

    def render(self, path: str) -> str:
        where = f"{path}:{self.line}" if self.line else path
        who = f"step {self.step!r}: " if self.step else ""
        return f"{where}: {who}{self.message}"


@dataclass(frozen=True)
class Selection:
    """How the user narrowed the run; recorded so --resume can repeat it."""

    steps: tuple[str, ...] = ()
    """--step names (their needs are pulled in unless no_deps)."""
    start: str | None = None
    """--from: first step to run."""
    until: str | None = None
    """--until: last step to run."""
    no_deps: bool = False
    """--no-deps: do not pull in needs of --step."""

    def to_json(self) -> dict[str, object]:
        return {"steps": list(self.steps), "from": self.start, "until": self.until, "no_deps": self.no_deps}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Selection:
        steps = data.get("steps") or []
        return cls(
            steps=tuple(str(s) for s in steps) if isinstance(steps, list) else (),
            start=str(data["from"]) if data.get("from") else None,
            until=str(data["until"]) if data.get("until") else None,
            no_deps=bool(data.get("no_deps")),
        )


def order_steps(runbook: Runbook) -> list[Step]:
    """All steps in document order, moved only as far as `needs` demands; cycles are errors."""
    by_name = {s.name: s for s in runbook.steps}
    waiting = {s.name: set(s.needs) for s in runbook.steps}
    dependents: dict[str, list[str]] = {s.name: [] for s in runbook.steps}
    for step in runbook.steps:
        for need in step.needs:
            dependents[need].append(step.name)
    # A heap keyed on document position keeps the order stable: a step only moves when it must.
    ready = [(s.index, s.name) for s in runbook.steps if not s.needs]
    heapq.heapify(ready)
    ordered: list[Step] = []
    while ready:
        _, name = heapq.heappop(ready)
        ordered.append(by_name[name])
        for dependent in dependents[name]:
            waiting[dependent].discard(name)
            if not waiting[dependent]:
                heapq.heappush(ready, (by_name[dependent].index, dependent))
    if len(ordered) != len(runbook.steps):
        cycle = _find_cycle({n: w for n, w in waiting.items() if w})
        first = by_name[cycle[0]]
        raise RunbookError(
            "steps depend on each other in a cycle: " + " → ".join([*cycle, cycle[0]]),
            runbook.path,
            first.line,
        )
    return ordered


def _find_cycle(waiting: Mapping[str, set[str]]) -> list[str]:
    start = min(waiting)
    path: list[str] = []
    node = start
    while node not in path:
        path.append(node)
        node = min(waiting[node] & set(waiting))
    return path[path.index(node):]


NO_STEPS = "no runbook steps (a step is a fenced block with {…} attributes)"


def require_steps(runbook: Runbook) -> Runbook:
    """The runbook itself, or a RunbookError when it has nothing to run (a post, not a runbook)."""
    if not runbook.steps:
        raise RunbookError(NO_STEPS, runbook.path)
    return runbook


def select_steps(runbook: Runbook, selection: Selection = Selection()) -> list[Step]:
    """The steps to run, in execution order."""
    ordered = order_steps(require_steps(runbook))
    # Rollback steps run only when a step fails, unless asked for by name with --step.
    handlers = runbook.rollback_steps
    if not (set(selection.steps) & handlers):
        ordered = [s for s in ordered if s.name not in handlers]
    names = [s.name for s in ordered]

    def check(name: str, option: str) -> None:
        if name not in names:
            known = ", ".join(s.name for s in runbook.steps) or "none"
            raise RunbookError(f"{option} {name}: no such step (steps: {known})", runbook.path)

    if selection.steps and (selection.start or selection.until):
        raise RunbookError("--step cannot be combined with --from/--until", runbook.path)
    if selection.steps:
        wanted: set[str] = set()
        for name in selection.steps:
            check(name, "--step")
            wanted |= {name} if selection.no_deps else _with_needs(runbook, name)
        return [s for s in ordered if s.name in wanted]
    first, last = 0, len(ordered) - 1
    if selection.start:
        check(selection.start, "--from")
        first = names.index(selection.start)
    if selection.until:
        check(selection.until, "--until")
        last = names.index(selection.until)
    if last < first:
        raise RunbookError(f"--until {selection.until} comes before --from {selection.start}", runbook.path)
    return ordered[first : last + 1]


_FALSE = ("", "0", "no", "false", "off")


def condition_holds(step: Step, variables: Mapping[str, str]) -> bool:
    """`if=VAR`: VAR has a value other than empty/0/no/false/off; `if=!VAR`: it has not."""
    if step.only_if is None:
        return True
    negated = step.only_if.startswith("!")
    value = variables.get(step.only_if.lstrip("!"), "")
    return (value.strip().lower() not in _FALSE) != negated


def rollback_plan(runbook: Runbook, steps: Sequence[Step]) -> list[Step]:
    """The rollback steps the selected steps name and that are not selected themselves."""
    selected = {s.name for s in steps}
    names = dict.fromkeys(s.rollback for s in steps if s.rollback and s.rollback not in selected)
    return [runbook.step(name) for name in names if name]


def _with_needs(runbook: Runbook, name: str) -> set[str]:
    found: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(runbook.step(current).needs)
    return found


def override_hosts(runbook: Runbook, overrides: Iterable[str]) -> Runbook:
    """Apply `--host NAME=DEST` (like nixos-rebuild's --target-host)."""
    hosts = dict(runbook.hosts)
    for item in overrides:
        name, sep, dest = item.partition("=")
        if not sep or not name or not dest:
            raise RunbookError(f"--host {item!r}: write NAME=USER@HOST")
        if name not in hosts:
            declared = ", ".join(hosts) or "none"
            raise RunbookError(f"--host {name}: no such host (declared: {declared})", runbook.path)
        hosts[name] = replace(hosts[name], ssh=None if dest == LOCAL else dest)
    return replace(runbook, hosts=hosts)


def accept_arches(runbook: Runbook, names: Iterable[str]) -> Runbook:
    """Apply `--accept-arch NAME`: forget a host's declared arch and take what `uname -m` says.

    For staging on purpose on another architecture (`--host web=x86-box --accept-arch web`);
    a step that itself says `arch=` still refuses a host without it.
    """
    hosts = dict(runbook.hosts)
    for name in names:
        if name not in hosts:
            declared = ", ".join(hosts) or "none"
            raise RunbookError(f"--accept-arch {name}: no such host (declared: {declared})", runbook.path)
        hosts[name] = replace(hosts[name], arch=None)
    return replace(runbook, hosts=hosts)


def hosts_in_order(runbook: Runbook) -> list[Host]:
    """Candidates for `arch=` resolution: this machine first, then declared hosts in order."""
    declared = [h for h in runbook.hosts.values() if h.name != LOCAL]
    return [runbook.host(LOCAL), *declared]


def resolve_host(
    runbook: Runbook, step: Step, arches: Mapping[str, str | None]
) -> tuple[str | None, str | None]:
    """(host name, problem) for one step, given each host's known architecture (None: unknown).

    `on=` names the host; with `arch=` as well, that host must have the architecture. With
    only `arch=`, this machine is used when it matches, else the first declared host that does.
    """
    if step.on:
        arch = arches.get(step.on)
        if step.arch and arch and arch != step.arch:
            return step.on, f"needs arch {step.arch} but host {step.on!r} is {arch}"
        return step.on, None
    if not step.arch:
        return LOCAL, None
    for host in hosts_in_order(runbook):
        arch = arches.get(host.name)
        if arch == step.arch:
            return host.name, None
        if arch is None:
            # An earlier host of unknown arch might be the first match: do not guess past it.
            unknown = ", ".join(pending_hosts(runbook, step, arches))
            return None, f"needs arch {step.arch}; not yet known which of {unknown} has it"
    known = ", ".join(f"{h.name}={arches.get(h.name)}" for h in hosts_in_order(runbook))
    return None, f"needs arch {step.arch} but no host has it ({known})"


def pending_hosts(runbook: Runbook, step: Step, arches: Mapping[str, str | None]) -> tuple[str, ...]:
    """Hosts an `arch=` step may land on once unknown architectures are probed, in order."""
    if step.on or not step.arch:
        return ()
    out: list[str] = []
    for host in hosts_in_order(runbook):
        arch = arches.get(host.name)
        if arch == step.arch and not out:
            return ()
        if arch is None or arch == step.arch:
            out.append(host.name)
    return tuple(out) if any(arches.get(name) is None for name in out) else ()


@dataclass(frozen=True)
class Values:
    """Variables and secrets as the steps will see them, and where each came from."""

    vars: dict[str, str] = field(default_factory=dict)
    """Resolved variables."""
    secrets: dict[str, str] = field(default_factory=dict)
    """Resolved secrets (never printed)."""
    sources: dict[str, str] = field(default_factory=dict)
    """Name → "--var", "environment: SITEGEN_VAR_NAME", "default", "secrets file",
    "environment" (secrets), "prompt"."""
    missing: tuple[str, ...] = ()
    """Names with no value from any source."""
    ignored: tuple[str, ...] = ()
    """Variables left to their default (or missing) while their plain $NAME is set in the
    environment to something else, which is not used; --dry-run says so."""

    def env(self) -> dict[str, str]:
        return {**self.vars, **self.secrets}


def value_problems(runbook: Runbook, values: Values) -> list[Problem]:
    """Values a run cannot go ahead with: missing ones, and secrets too short to mask."""
    problems: list[Problem] = []
    for name in values.missing:
        if name in runbook.secrets:
            problems.append(Problem(f"secret {name} has no value: export it or use --secrets-file"))
        else:
            problems.append(Problem(
                f"variable {name} has no value: pass --var {name}=... or set {VAR_PREFIX}{name}"))
    for name, value in values.secrets.items():
        if len(value) < MIN_SECRET_LENGTH:
            problems.append(Problem(
                f"secret {name} is shorter than {MIN_SECRET_LENGTH} characters, too short to mask in "
                "output without masking ordinary text too; use a longer value"))
    return problems


Prompt = Callable[[str, bool], str | None]
"""(name, is_secret) → value, or None when the user gives none."""


def parse_assignments(items: Iterable[str], option: str) -> dict[str, str]:
    """`K=V` words from the command line."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise RunbookError(f"{option} {item!r}: write NAME=VALUE")
        out[key] = value
    return out


VAR_PREFIX = "SITEGEN_VAR_"
"""A variable comes from the environment only under this prefix: `SITEGEN_VAR_ROOT` sets ROOT."""


def resolve_values(
    runbook: Runbook,
    cli_vars: Mapping[str, str],
    environ: Mapping[str, str],
    secrets_file: Mapping[str, str] | None = None,
    prompt: Prompt | None = None,
) -> Values:
    """Variables: --var, then $SITEGEN_VAR_NAME, then the front matter default; secrets: the
    secrets file, then $NAME. Anything still missing is asked through `prompt` (given only on
    a terminal) or reported in `missing`.

    A variable never comes from a plain $NAME: a shell's ROOT or HOST is there by accident and
    would silently override what the runbook says. Secrets have no default, so their $NAME
    is always meant for them.
    """
    for name in cli_vars:
        if name in runbook.secrets:
            raise RunbookError(
                f"--var {name}: {name} is a secret; pass it in the environment or --secrets-file "
                "(the command line is visible to other users in ps)",
                runbook.path,
            )
        if name not in runbook.vars:
            declared = ", ".join(runbook.vars) or "none"
            raise RunbookError(f"--var {name}: not a declared variable (declared: {declared})", runbook.path)
    values: dict[str, str] = {}
    secrets: dict[str, str] = {}
    sources: dict[str, str] = {}
    missing: list[str] = []
    for name, default in runbook.vars.items():
        prefixed = VAR_PREFIX + name
        for source, value in (("--var", cli_vars.get(name)), (f"environment: {prefixed}", environ.get(prefixed)),
                              ("default", default)):
            if value is not None:
                values[name], sources[name] = value, source
                break
        else:
            answer = prompt(name, False) if prompt else None
            if answer is None:
                missing.append(name)
            else:
                values[name], sources[name] = answer, "prompt"
    for name in runbook.secrets:
        file_value = secrets_file.get(name) if secrets_file else None
        for source, value in (("secrets file", file_value), ("environment", environ.get(name))):
            if value is not None:
                secrets[name], sources[name] = value, source
                break
        else:
            answer = prompt(name, True) if prompt else None
            if answer is None:
                missing.append(name)
            else:
                secrets[name], sources[name] = answer, "prompt"
    for name, value in {**values, **secrets}.items():
        _check_text(runbook, name, value, sources[name], secret=name in secrets)
    ignored = tuple(
        name for name in runbook.vars
        if sources.get(name) in (None, "default", "prompt") and name in environ and environ[name] != values.get(name)
    )
    return Values(vars=values, secrets=secrets, sources=sources, missing=tuple(missing), ignored=ignored)


def _check_text(runbook: Runbook, name: str, value: str, source: str, *, secret: bool) -> None:
    """A value reaches local and SSH steps alike as text in the environment: bytes that are not
    UTF-8 (Python hands them over as surrogates) or a NUL cannot, so the run stops here, before
    anything runs or is recorded. The message never shows the value."""
    problem = None
    if "\0" in value:
        problem = "contains a NUL character"
    else:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problem = "is not valid UTF-8"
    if problem is None:
        return
    if secret:
        label = f"secret {name}"
    elif source == "--var":
        label = f"--var {name}"
    elif source.startswith("environment"):
        label = f"environment variable {source.partition(': ')[2] or name}"
    else:
        label = f"variable {name}"
    raise RunbookError(f"{label}: the value {problem}; steps get values as text", runbook.path)


_REF_RE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*)|(\$))")


def expand(text: str, variables: Mapping[str, str], secrets: Sequence[str] = ()) -> str:
    """Expand `$NAME`/`${NAME}` of declared variables in an attribute such as cwd= or write=.

    Only attributes are expanded (paths that are shown in plans and records); scripts get
    values as environment variables and are never rewritten. `$$` is a literal `$`.
    """

    def sub(match: re.Match[str]) -> str:
        if match.group(3):
            return "$"
        name = match.group(1) or match.group(2)
        if name in secrets:
            raise ValueError(f"${name} is a secret and cannot appear in a path")
        if name not in variables:
            raise ValueError(f"${name} is not a declared variable with a value")
        return variables[name]

    return _REF_RE.sub(sub, text)


@dataclass(frozen=True)
class PlannedStep:
    """A step bound to a host, with its path attributes expanded."""

    step: Step
    """The step as parsed."""
    host: str | None
    """Host it runs on; None if not resolvable yet (unknown architectures)."""
    cwd: str | None = None
    """Expanded working directory."""
    creates: str | None = None
    """Expanded creates= path."""
    write: str | None = None
    """Expanded write= path."""
    candidates: tuple[str, ...] = ()
    """When host is None: the hosts it may run on, decided by probing their architecture."""

    @property
    def name(self) -> str:
        return self.step.name


def bind(
    runbook: Runbook,
    steps: Sequence[Step],
    arches: Mapping[str, str | None],
    values: Values,
    *,
    unprobed: bool = False,
) -> tuple[list[PlannedStep], list[Problem]]:
    """Attach hosts and expanded paths to the selected steps; collect every problem.

    With `unprobed` (--list, --dry-run: no connections), a host left open because some
    architectures are not known yet is not a problem; the step lists its candidates instead.
    """
    planned: list[PlannedStep] = []
    problems: list[Problem] = []
    for step in steps:
        host, problem = resolve_host(runbook, step, arches)
        candidates = pending_hosts(runbook, step, arches) if host is None else ()
        if problem and not (unprobed and candidates):
            problems.append(Problem(problem, step.name, step.line))
        expanded: dict[str, str | None] = {}
        for key in ("cwd", "creates", "write"):
            raw = getattr(step, key)
            try:
                expanded[key] = expand(raw, values.vars, runbook.secrets) if raw else None
            except ValueError as exc:
                # A missing value is already reported once as a missing variable.
                if not any(f"${m} " in str(exc) for m in values.missing):
                    problems.append(Problem(f"{key}={raw}: {exc}", step.name, step.line))
                expanded[key] = raw
        planned.append(PlannedStep(step, host, **expanded, candidates=candidates))
    return planned, problems
