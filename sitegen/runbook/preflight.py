"""Check everything a run needs before any step runs, and report every problem at once.

Hosts reachable, architectures as declared, a host for every `arch=`, values present,
`bash -n` clean, `requires=` tools installed, `include=` files found, and a way to answer
`confirm`. Nothing here changes anything on any host.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sitegen.runbook.jobs import SUDO_CHECK, WRAPPER_TOOLS, Job, script_text, tools_for
from sitegen.runbook.model import LOCAL, Runbook, Step
from sitegen.runbook.plan import PlannedStep, Problem, Values, bind, value_problems
from sitegen.runbook.reach import host_var, referenced_hosts
from sitegen.runbook.runners import Probe, Runner


@dataclass
class Preflight:
    """The outcome: a plan bound to hosts, and everything wrong with it."""

    plan: list[PlannedStep]
    """Selected steps with their hosts."""
    problems: list[Problem] = field(default_factory=list)
    """Everything that would stop the run; empty means go."""
    arches: dict[str, str | None] = field(default_factory=dict)
    """Architecture of each probed host."""
    probes: dict[str, Probe] = field(default_factory=dict)
    """What each host reported."""

    @property
    def ok(self) -> bool:
        return not self.problems


def system_bash(search_path: str | None = None) -> str | None:
    """The bash that checks syntax: the first on PATH (`search_path`, default $PATH), looking
    only in absolute directories.

    Never the step's own interpreter: `shell: tools/bash` or `interpreter=bin/bash` names a
    program in the repository being checked, and checking must not run it. A relative PATH
    entry (`.`, or an empty one) would find such a program too.
    """
    search = os.environ.get("PATH", os.defpath) if search_path is None else search_path
    absolute = [d for d in search.split(os.pathsep) if os.path.isabs(d)]
    return shutil.which("bash", path=os.pathsep.join(absolute)) if absolute else None


def bash_syntax(step: Step) -> Problem | None:
    """`bash -n` on the script as it will run; the error names the Markdown line."""
    bash = system_bash()
    if bash is None:
        return Problem("cannot check the script with bash -n: no bash on PATH", step.name, step.line)
    try:
        proc = subprocess.run([bash, "-n"], input=script_text(step).encode(), capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Problem(f"cannot check the script with bash -n: {exc}", step.name, step.line)
    if proc.returncode == 0:
        return None
    message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    text = message[0] if message else f"bash -n exited with {proc.returncode}"
    line = step.line
    match = re.search(r"line (\d+): ", text)
    if match:
        text = text[match.end():]
        offset = int(match.group(1)) - (1 if step.shell_prelude else 0)
        # The fence is on step.line and the script starts on the next one; an included
        # script's lines are in another file, so keep pointing at the fence.
        if not step.include and offset >= 1:
            # Past the block's last line (an unclosed `if` is reported at the end of what bash
            # read, which includes sitegen's own epilogue): point at the closing fence.
            line = step.line + min(offset, len(step.script.splitlines()) + 1)
    return Problem(f"bash -n: {text}", step.name, line)


def _hosts_to_probe(runbook: Runbook, steps: Sequence[Step]) -> dict[str, list[str]]:
    """Hosts whose facts the run depends on, each with the tools to look for there."""
    tools: dict[str, list[str]] = {LOCAL: []}
    wanted_arches = {s.arch for s in steps if s.arch and not s.on}
    for step in steps:
        if step.on:
            tools.setdefault(step.on, []).extend(tools_for(step))
        elif not step.arch:
            tools[LOCAL].extend(tools_for(step))
    if wanted_arches:
        # Any host might be the one an `arch=` step lands on: look for its tools everywhere
        # that could qualify, then report only on the host actually chosen.
        arch_tools = [t for s in steps if s.arch and not s.on for t in tools_for(s)]
        for host in runbook.hosts.values():
            if host.arch is None or host.arch in wanted_arches:
                tools.setdefault(host.name, []).extend(arch_tools)
        tools[LOCAL].extend(arch_tools)
    for step in steps:
        # A local step that names a host through $SITEGEN_HOST_<NAME> (rsync to it, say)
        # depends on reaching it: probe it like a host a step runs on.
        if not step.on and not step.arch:
            for name in reached_hosts(runbook, step):
                tools.setdefault(name, [])
    for name in tools:
        if name != LOCAL and not runbook.host(name).is_local:
            tools[name].extend(WRAPPER_TOOLS)
    return tools


def reached_hosts(runbook: Runbook, step: Step) -> tuple[str, ...]:
    """Declared SSH hosts a step's script names as $SITEGEN_HOST_<NAME>."""
    found, _ = referenced_hosts(step.script, runbook.hosts)
    return tuple(name for name in found if not runbook.host(name).is_local)


def _unknown_host_refs(runbook: Runbook, steps: Sequence[Step]) -> list[Problem]:
    problems = []
    for step in steps:
        _, unknown = referenced_hosts(step.script, runbook.hosts)
        for var in unknown:
            declared = ", ".join(runbook.hosts) or "none"
            problems.append(Problem(f"${var} names no declared host (declared: {declared})",
                                    step.name, step.line))
        for name in referenced_hosts(step.script, runbook.hosts)[0]:
            if runbook.host(name).is_local:
                problems.append(Problem(f"uses ${host_var(name)}, but host {name} is this machine, which "
                                        "has no SSH destination", step.name, step.line))
    return problems


def run_preflight(
    runbook: Runbook,
    steps: Sequence[Step],
    values: Values,
    runner_for: Callable[[str], Runner],
    *,
    can_confirm: bool,
) -> Preflight:
    """Probe hosts and check every selected step; never runs a step."""
    problems: list[Problem] = []
    for step in steps:
        if step.include_error:
            problems.append(Problem(step.include_error, step.name, step.line))
    problems += value_problems(runbook, values)
    for step in steps:
        if step.is_bash and not step.include_error:
            problem = bash_syntax(step)
            if problem:
                problems.append(problem)
        if step.confirm and not can_confirm:
            problems.append(Problem("asks for confirmation and there is no terminal to ask on: pass --yes",
                                    step.name, step.line))

    problems.extend(_unknown_host_refs(runbook, steps))
    wanted = _hosts_to_probe(runbook, steps)
    with ThreadPoolExecutor(max_workers=min(8, len(wanted))) as pool:
        futures = {name: pool.submit(runner_for(name).probe, tools) for name, tools in wanted.items()}
        probes = {name: future.result() for name, future in futures.items()}

    arches: dict[str, str | None] = {name: host.arch for name, host in runbook.hosts.items()}
    for name, probe in probes.items():
        host = runbook.host(name)
        users = [s.name for s in steps if s.on == name or name in reached_hosts(runbook, s)] or None
        who = f" (used by {', '.join(users)})" if users else ""
        if probe.error:
            problems.append(Problem(f"host {name}{who}: {probe.error}"))
            continue
        if host.arch and probe.arch and probe.arch != host.arch:
            problems.append(Problem(
                f"host {name}{who} is declared arch {host.arch} but uname -m says {probe.arch} "
                f"(to use it anyway, e.g. for staging: --accept-arch {name})"))
        arches[name] = probe.arch

    plan, bind_problems = bind(runbook, steps, arches, values)
    problems.extend(bind_problems)
    for planned in plan:
        probe = probes.get(planned.host or "")
        if probe is None or probe.error:
            continue
        for tool in tools_for(planned.step):
            if tool in probe.missing:
                problems.append(Problem(f"needs {tool}, which is not installed on host {planned.host}",
                                        planned.name, planned.step.line))
    problems.extend(_sudo_problems(plan, probes, runner_for))
    return Preflight(plan, problems, arches, probes)


def _sudo_problems(plan: Sequence[PlannedStep], probes: Mapping[str, Probe],
                   runner_for: Callable[[str], Runner]) -> list[Problem]:
    """On each host with `sudo` steps, `sudo -n true` must pass: a sudo that wants a password
    fails here, with its own words, instead of hanging (or failing) halfway through the run."""
    by_host: dict[str, list[PlannedStep]] = {}
    for planned in plan:
        if planned.step.sudo and planned.host:
            by_host.setdefault(planned.host, []).append(planned)
    problems = []
    for host, steps in by_host.items():
        probe = probes.get(host)
        if probe is None or probe.error or "sudo" in probe.missing:
            continue
        lines: list[str] = []
        check = Job(steps[0].name, "sudo-check", ("bash",), SUDO_CHECK)
        result = runner_for(host).run(check, lines.append, None, 30)
        if not result:
            said = lines[-1] if lines else result.message or "no reason given"
            names = ", ".join(p.name for p in steps)
            problems.append(Problem(
                f"host {host} (used by {names}): `sudo -n` would need a password there ({said}); "
                "allow these commands without one (NOPASSWD in sudoers) or drop the sudo attribute",
                steps[0].name, steps[0].step.line))
    return problems
