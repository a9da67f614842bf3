"""The runbook as values: hosts, steps and the document they come from. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.verification import step_hash

LOCAL = "local"
"""Name of the machine sitegen runs on; steps without `on=` run there."""

_ARCH_ALIASES = {"arm64": "aarch64", "amd64": "x86_64", "x64": "x86_64", "x86-64": "x86_64"}


def normalise_arch(arch: str) -> str:
    """`uname -m` spellings differ between systems (macOS says arm64, Debian amd64)."""
    arch = arch.strip().lower()
    return _ARCH_ALIASES.get(arch, arch)


def destination_parts(dest: str) -> tuple[str | None, str, str | None]:
    """(user, host, port) of `user@host:port`, `[v6]:port` or `ssh://user@host:port`."""
    if dest.startswith("ssh://"):
        dest = dest[len("ssh://"):].rstrip("/")
    user, at, hostport = dest.rpartition("@")
    port: str | None = None
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        if rest.startswith(":"):
            port = rest[1:]
    elif hostport.count(":") == 1:
        host, port = hostport.split(":")
    else:
        host = hostport
    return (user if at else None), host, port


@dataclass(frozen=True)
class Host:
    name: str
    """The name steps use in `on=`; `local` for this machine."""
    ssh: str | None = None
    """SSH destination (`user@host`, `host:port`, an ~/.ssh/config alias); None runs locally."""
    arch: str | None = None
    """Declared architecture, normalised; None means "find out with uname -m"."""

    @property
    def is_local(self) -> bool:
        return self.ssh is None


@dataclass(frozen=True)
class Step:
    name: str
    """Unique name: `{#name}`, `{name=...}`, or `step-N` for an unnamed step."""
    index: int
    """Position among the runbook's steps, 0-based; document order."""
    line: int
    """1-based line of the opening fence, for error messages."""
    lang: str
    """The fence's language word."""
    body: str
    """The block's content as written in the Markdown."""
    attrs: Mapping[str, str | bool] = field(default_factory=dict)
    """Attributes exactly as parsed, for display and hashing."""
    on: str | None = None
    """Host named by `on=`, or None for "local unless `arch=` says otherwise"."""
    arch: str | None = None
    """Architecture the step must run on, normalised."""
    needs: tuple[str, ...] = ()
    """Steps that must run before this one."""
    cwd: str | None = None
    """Working directory; may use `$VAR` of declared variables."""
    timeout: float | None = None
    """Seconds before the step is stopped."""
    retries: int = 0
    """Extra attempts after a failure."""
    confirm: bool = False
    """Ask before running (or require --yes)."""
    creates: str | None = None
    """Skip when this path exists on the step's host."""
    unless: str | None = None
    """Skip when this shell command succeeds on the step's host."""
    write: str | None = None
    """Write the block's content to this path instead of running it."""
    mode: int | None = None
    """File mode for `write=`."""
    follow: bool = False
    """`write=` onto a symbolic link writes the link's target (without it, a link is refused)."""
    include: str | None = None
    """Repository file the content comes from, relative to the project root."""
    requires: tuple[str, ...] = ()
    """Commands that must exist on the host."""
    interpreter: tuple[str, ...] = ()
    """argv the script file is handed to; empty for `write=` steps."""
    shell_prelude: str | None = None
    """Prepended to shell scripts (`set -euo pipefail`); None for other languages."""
    script: str = ""
    """What runs (or is written): the body, or the included file's text once loaded."""
    include_error: str | None = None
    """Why the include could not be loaded; preflight reports it."""
    rollback: str | None = None
    """Step to run when this step, or any step after it, fails."""
    sudo: bool = False
    """Run (or write) as root through `sudo -n`."""
    only_if: str | None = None
    """`if=VAR` (or `if=!VAR`): the step is part of the run only when VAR is set (or unset),
    decided before preflight, so a skipped step's host, tools and sudo are never checked."""

    @property
    def is_bash(self) -> bool:
        """True when `bash -n` can check the script."""
        return bool(self.interpreter) and Path(self.interpreter[0]).name == "bash"

    @property
    def content_hash(self) -> str:
        """Changes whenever what the step does changes; --resume and the page's cards compare it."""
        return step_hash(self.lang, self.attrs, self.script)

    def flags(self) -> list[str]:
        """Short labels for listings."""
        out: list[str] = []
        if self.confirm:
            out.append("confirm")
        if self.only_if:
            out.append(f"if={self.only_if}")
        if self.sudo:
            out.append("sudo")
        if self.rollback:
            out.append(f"rollback={self.rollback}")
        if self.write:
            out.append(f"write={self.write}")
        if self.follow:
            out.append("follow")
        if self.include:
            out.append(f"include={self.include}")
        if self.creates:
            out.append(f"creates={self.creates}")
        if self.unless:
            out.append("unless")
        if self.retries:
            out.append(f"retries={self.retries}")
        if self.timeout is not None:
            out.append(f"timeout={format_seconds(self.timeout)}")
        if self.requires:
            out.append("requires=" + ",".join(self.requires))
        return out


@dataclass(frozen=True)
class Runbook:
    path: Path
    """The Markdown file."""
    root: Path
    """Project root: includes and local working directories are relative to it."""
    content_hash: str
    """sha256 of the file's bytes."""
    title: str | None = None
    """Front matter title, if any."""
    hosts: Mapping[str, Host] = field(default_factory=dict)
    """Declared hosts by name, in declaration order (`local` is implicit)."""
    vars: Mapping[str, str | None] = field(default_factory=dict)
    """Declared variables and their defaults (None: no default)."""
    secrets: tuple[str, ...] = ()
    """Declared secret names."""
    steps: tuple[Step, ...] = ()
    """Steps in document order."""

    @property
    def rollback_steps(self) -> frozenset[str]:
        """Steps named by some `rollback=`: they run only when a step fails."""
        return frozenset(s.rollback for s in self.steps if s.rollback)

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def host(self, name: str) -> Host:
        if name == LOCAL and LOCAL not in self.hosts:
            return Host(LOCAL)
        return self.hosts[name]


def format_seconds(seconds: float) -> str:
    """30 → "30s", 600 → "10m", 5400 → "1h30m"; for listings and messages."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds:g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if v]
    return "".join(parts) or "0s"
