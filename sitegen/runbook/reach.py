"""How local steps reach the run's hosts: one generated ssh_config, and the environment that
points `ssh`, `rsync` and scripts at it.

Every ssh sitegen starts — its own runner's and a local step's `rsync -e "$SITEGEN_SSH"` —
reads the same generated file, so they resolve a host the same way (the user's aliases
included, through `Include`) and share one ControlMaster connection per host. A destination
with a port (`deploy@web:2222`, which is sitegen's spelling, not ssh's) becomes an alias there,
because `rsync … DEST:path` has no place for a port.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from sitegen.runbook.model import Host, destination_parts

SHARED_OPTIONS = (
    ("ControlMaster", "auto"),
    ("ControlPersist", "60"),
    # Never wait for a password or a host-key question nobody will answer.
    ("BatchMode", "yes"),
    ("ConnectTimeout", "15"),
    # Notice a dead link within a minute instead of waiting for TCP to give up.
    ("ServerAliveInterval", "15"),
    ("ServerAliveCountMax", "4"),
)

_STEP_VARIABLES = {"SITEGEN_HOST_ARCH"}
"""Variables of the same shape that every step gets (jobs.step_env), not host destinations."""
_REF_RE = re.compile(r"\bSITEGEN_HOST_([A-Za-z0-9_]+)\b")


def host_var(name: str) -> str:
    """The variable holding a host's destination: web → SITEGEN_HOST_WEB, db-1 → SITEGEN_HOST_DB_1."""
    return "SITEGEN_HOST_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def alias(name: str) -> str:
    """The Host name sitegen's generated ssh_config gives a host whose destination has a port."""
    return f"sitegen.{name}"


def referenced_hosts(script: str, hosts: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(declared hosts a script names through $SITEGEN_HOST_*, unknown SITEGEN_HOST_* names)."""
    by_var = {host_var(name): name for name in hosts}
    found: list[str] = []
    unknown: list[str] = []
    for match in _REF_RE.finditer(script):
        var = match.group(0)
        if var in by_var:
            if by_var[var] not in found:
                found.append(by_var[var])
        elif var not in unknown and var not in _STEP_VARIABLES:
            unknown.append(var)
    return tuple(found), tuple(unknown)


def destination(host: Host) -> str:
    """What to hand ssh and rsync for a host: its destination as written, or its alias."""
    assert host.ssh is not None
    port = destination_parts(host.ssh)[2]
    if port is None and not host.ssh.startswith("ssh://"):
        return host.ssh
    return alias(host.name)


def config_text(hosts: Sequence[Host], control_dir: Path, user_config: str | None) -> str:
    """The generated ssh_config: aliases for hosts with ports, the shared connection options,
    then the user's own configuration (`--ssh-config`, else ~/.ssh/config and the system's)."""
    lines = ["# Written by sitegen for one run; removed when the run ends."]
    for host in hosts:
        if host.ssh is None or destination(host) == host.ssh:
            continue
        user, name, port = destination_parts(host.ssh)
        lines.append(f"Host {alias(host.name)}")
        lines.append(f"  HostName {name}")
        if port:
            lines.append(f"  Port {port}")
        if user:
            lines.append(f"  User {user}")
    # ssh takes the first value it finds for an option, so these win over the user's files,
    # exactly as `ssh -o` would.
    lines.append("Host *")
    lines.append(f"  ControlPath {control_dir}/%C")
    lines += [f"  {key} {value}" for key, value in SHARED_OPTIONS]
    includes = [str(Path(user_config).resolve())] if user_config else ["~/.ssh/config", "/etc/ssh/ssh_config"]
    lines.append("Match all")
    lines += [f"  Include {shlex.quote(path)}" for path in includes]
    return "\n".join(lines) + "\n"


def local_env(hosts: Sequence[Host], config_path: Path, extra_options: Sequence[str] = ()) -> dict[str, str]:
    """What a local step sees: SITEGEN_SSH and RSYNC_RSH, and SITEGEN_HOST_<NAME> per SSH host."""
    ssh = ["ssh", "-F", str(config_path)]
    for option in extra_options:
        ssh += ["-o", option]
    command = shlex.join(ssh)
    env = {"SITEGEN_SSH": command, "RSYNC_RSH": command}
    for host in hosts:
        if host.ssh is not None:
            env[host_var(host.name)] = destination(host)
    return env


def write_config(hosts: Mapping[str, Host], control_dir: Path, user_config: str | None) -> Path:
    """Write the generated ssh_config (0600) into the run's private control directory."""
    path = control_dir / "ssh_config"
    path.write_text(config_text(list(hosts.values()), control_dir, user_config), encoding="utf-8")
    path.chmod(0o600)
    return path
