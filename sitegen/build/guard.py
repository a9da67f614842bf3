"""The secret guard: a build refuses to publish the value of a secret a runbook declares.

A runbook page names its secrets (`runbook: secrets: [DEPLOY_TOKEN]`); when the build's
environment (or the `--secrets-file` it was given) holds a value for one of them, no page or
feed may contain that value: a step's output pasted into the prose, a token written into an
example. The build stops before anything reaches the output directory and names the page.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Iterable, Mapping

from sitegen.content import PageRecord

MIN_LENGTH = 6
"""Shorter values are not looked for: `yes` or `1234` would match ordinary text everywhere."""


def declared_secrets(records: Mapping[str, PageRecord]) -> dict[str, str]:
    """Secret name → the first page (content key) whose runbook front matter declares it."""
    names: dict[str, str] = {}
    for key in sorted(records):
        section = records[key].extra.get("runbook")
        secrets = section.get("secrets") if isinstance(section, dict) else None
        if isinstance(secrets, str):
            secrets = [secrets]
        if isinstance(secrets, list):
            for name in secrets:
                names.setdefault(str(name), key)
    return names


def secret_values(declared: Mapping[str, str], environ: Mapping[str, str],
                  extra: Mapping[str, str]) -> dict[str, str]:
    """The declared secrets that have a value here (the secrets file wins over the environment)."""
    values = {}
    for name in declared:
        value = extra.get(name, environ.get(name))
        if value and len(value.strip()) >= MIN_LENGTH:
            values[name] = value
    return values


def fingerprint(values: Mapping[str, str]) -> str:
    """Changes when a secret's value does; kept in the cache instead of the values."""
    digest = hashlib.blake2b(b"sitegen-secrets", digest_size=16)
    for name in sorted(values):
        digest.update(f"\0{name}\0{values[name]}".encode())
    return digest.hexdigest()


def _needles(values: Mapping[str, str]) -> list[tuple[bytes, str]]:
    found = []
    for name, value in values.items():
        # As written, and as HTML/XML escapes it (a token with `&` or `<` in a page or a feed).
        for form in {value, html.escape(value, quote=False), html.escape(value), html.escape(html.escape(value))}:
            found.append((form.encode(), name))
    return found


def find_leak(paths: Iterable[str], read: Callable[[str], bytes | None],
              values: Mapping[str, str]) -> tuple[str, str] | None:
    """(output path, secret name) of the first output (in the order given) holding a secret's value."""
    needles = _needles(values)
    for rel in paths:
        data = read(rel)
        if not data:
            continue
        for needle, name in needles:
            if needle in data:
                return rel, name
    return None
