"""What a run's steps ran with, so `--resume` can tell whether the world it continues is the same.

A run records its *inputs* in its run-start event: every value as a salted sha256 (secrets and
variables alike, so a record never holds a value), and every host's SSH destination and
architecture. Steps record their own content hash. Resuming compares the previous run's
inputs with the current ones and refuses on any difference a finished step could have seen:
a value, the destination or architecture of a host a finished step ran on, or a finished
step's text. Pure functions; nothing here runs anything.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from sitegen.runbook.model import LOCAL, Runbook
from sitegen.runbook.plan import Values, resolve_host


def new_salt() -> str:
    """A fresh salt per run: equal values in two runbooks (or two runs) hash differently."""
    return secrets.token_hex(16)


def value_digest(salt: str, name: str, value: str) -> str:
    return hashlib.sha256(f"{salt}\0{name}\0{value}".encode("utf-8", "surrogateescape")).hexdigest()


def host_facts(runbook: Runbook, arches: Mapping[str, str | None]) -> dict[str, dict[str, str | None]]:
    """Every host (this machine included): where it is and, when known, its architecture."""
    names = [LOCAL, *(name for name in runbook.hosts if name != LOCAL)]
    return {name: {"dest": runbook.host(name).ssh or LOCAL, "arch": arches.get(name) or runbook.host(name).arch}
            for name in names}


def inputs(runbook: Runbook, values: Values, arches: Mapping[str, str | None], salt: str | None = None
           ) -> dict[str, Any]:
    """The fingerprint a run records in its run-start event (JSON-ready)."""
    salt = salt or new_salt()
    resolved = {**values.vars, **values.secrets}
    return {
        "salt": salt,
        "values": {name: value_digest(salt, name, value) for name, value in sorted(resolved.items())},
        "hosts": host_facts(runbook, arches),
    }


def differences(
    previous: Mapping[str, Any] | None,
    done: Mapping[str, str],
    runbook: Runbook,
    values: Values,
    arches: Mapping[str, str | None],
) -> list[str]:
    """What differs between the run being resumed and this one, one phrase per kind; empty
    when resuming is safe. `previous` is that run's inputs (None for a record written before
    runs had them: only step texts can be compared), `done` its finished steps (name → content
    hash), `arches` what is known now (declared or probed)."""
    found: list[str] = []
    found += _value_differences(previous, runbook, values) if previous is not None else []
    found += _host_differences(previous, done, runbook, arches) if previous is not None else []
    hashes = {s.name: s.content_hash for s in runbook.steps}
    steps = [f"{name} ({'removed' if name not in hashes else 'changed'})"
             for name, old in done.items() if hashes.get(name) != old]
    if steps:
        found.append("finished steps " + ", ".join(steps))
    return found


def _value_differences(previous: Mapping[str, Any], runbook: Runbook, values: Values) -> list[str]:
    salt = str(previous.get("salt") or "")
    old_values: Mapping[str, str] = previous.get("values") or {}
    now = {**values.vars, **values.secrets}
    changed = [name for name in sorted(set(old_values) | set(now))
               if name not in now or name not in old_values or value_digest(salt, name, now[name]) != old_values[name]]
    if changed:
        described = [f"{name} ({'secret, ' if name in runbook.secrets else ''}"
                     + ("now unset" if name not in now else "newly set" if name not in old_values else "changed")
                     + ")" for name in changed]
        return ["values " + ", ".join(described)]
    return []


def _host_differences(previous: Mapping[str, Any], done: Mapping[str, str], runbook: Runbook,
                      arches: Mapping[str, str | None]) -> list[str]:
    """Hosts a finished step ran on that now point elsewhere or have another architecture.
    A host only unfinished steps use may change: nothing that ran depended on it."""
    old_hosts: Mapping[str, Mapping[str, Any]] = previous.get("hosts") or {}
    old_arches = {name: facts.get("arch") for name, facts in old_hosts.items()}
    current = host_facts(runbook, arches)
    used: dict[str, list[str]] = {}
    for name in done:
        try:
            step = runbook.step(name)
        except KeyError:
            continue
        host, _ = resolve_host(runbook, step, old_arches)
        if host:
            used.setdefault(host, []).append(name)
    hosts: list[str] = []
    for host, steps in used.items():
        then, later = old_hosts.get(host), current.get(host)
        who = f" (ran {', '.join(steps)})"
        if then is None:
            continue
        if later is None:
            hosts.append(f"{host} is no longer declared{who}")
        elif then.get("dest") != later["dest"]:
            hosts.append(f"{host} was {then.get('dest')}, now {later['dest']}{who}")
        elif then.get("arch") and later["arch"] and then["arch"] != later["arch"]:
            hosts.append(f"{host} was {then['arch']}, now {later['arch']}{who}")
    return ["hosts " + "; ".join(hosts)] if hosts else []
