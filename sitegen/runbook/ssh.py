"""Run jobs on SSH hosts with the system OpenSSH client, one multiplexed connection per host.

Using `ssh` itself (not a Python SSH library) means ~/.ssh/config, the agent, ProxyJump and
known_hosts behave exactly as they do in the user's terminal.

Each job is sent on stdin to `bash -s` on the host: a small wrapper first, then a header with
sizes, the environment preamble, the script and the write= payload. The wrapper stores the
script in a private temporary directory, runs it under `setsid` (its own process group) with
stdin from /dev/null, and keeps reading the channel's stdin: when that closes — because
sitegen was interrupted, the step timed out, the ssh client died or the connection dropped —
it kills the step's whole process group. Secrets only ever travel inside the stdin stream,
never in argv (which `ps` shows to every user).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from sitegen.errors import RunbookError
from sitegen.runbook.jobs import Job
from sitegen.runbook.model import Host, destination_parts, normalise_arch
from sitegen.runbook.runners import GRACE, Cancel, LineSink, Probe, Result, interpret, pump

_MARK = "\x1esitegen-"

# The wrapper is a few definitions followed by one line that calls the job function and exits,
# so bash has read all of it before it runs `head`, which then takes exactly the payload bytes
# that follow (bash reads a pipe one byte at a time for this reason).
#
# The job's directory is a global and the EXIT trap removes it, so it goes however the wrapper
# ends: the step's own exit, a failure before it starts, or a signal (HUP, INT, TERM, and PIPE
# when the connection is gone and the last status line cannot be written). Files are created
# under umask 077 inside a 0700 directory, so a write= payload is never readable by others,
# not even for a moment; the step itself runs with the login umask. An end mark follows the
# payload, so a connection lost halfway through never runs half a script. The watchdog signals the
# step's pid as well as its group: stdin may close before the step has called setsid.
WRAPPER = r"""__sg_d= __sg_pid=
__sg_end() {
  [ -z "$__sg_pid" ] || { kill -KILL -- "-$__sg_pid" || kill -KILL "$__sg_pid"; } 2>/dev/null
  [ -z "$__sg_d" ] || rm -rf -- "$__sg_d"
}
trap __sg_end EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM
__sg() {
  local n_env n_script n_data env_text wd rc mask end
  IFS=' ' read -r n_env n_script n_data || return 97
  env_text=$(head -c "$n_env") || return 97
  mask=$(umask)
  umask 077
  __sg_d=$(mktemp -d "${TMPDIR:-/tmp}/sitegen.XXXXXXXX") || return 97
  head -c "$n_script" > "$__sg_d/step" || return 97
  head -c "$n_data" > "$__sg_d/data" || return 97
  IFS= read -r end && [ "$end" = sitegen-payload-end ] || return 97
  umask "$mask"
  eval "$env_text"
  export SITEGEN_DATA="$__sg_d/data"
  case $__sg_cwd in "~") __sg_cwd=$HOME ;; "~/"*) __sg_cwd=$HOME/${__sg_cwd#"~/"} ;; esac
  if [ -n "$__sg_cwd" ] && ! cd -- "$__sg_cwd" 2>/dev/null; then
    printf 'working directory %s does not exist on this host\n' "$__sg_cwd"
    return 1
  fi
  printf '\036sitegen-started\n' >&2
  setsid "${__sg_interp[@]}" "$__sg_d/step" </dev/null 2>&1 &
  __sg_pid=$!
  { while IFS= read -r _; do :; done
    kill -TERM -- "-$__sg_pid" 2>/dev/null || kill -TERM "$__sg_pid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 -- "-$__sg_pid" 2>/dev/null || kill -0 "$__sg_pid" 2>/dev/null || exit 0
      sleep 0.5 </dev/null
    done
    kill -KILL -- "-$__sg_pid" 2>/dev/null; kill -KILL "$__sg_pid" 2>/dev/null
  } 0<&0 >/dev/null 2>&1 &
  wd=$!
  wait "$__sg_pid"; rc=$?
  __sg_pid=
  kill "$wd" 2>/dev/null
  rm -rf -- "$__sg_d"
  __sg_d=
  printf '\036sitegen-exit %s\n' "$rc" >&2
  return "$rc"
}
__sg; exit $?
"""

_END_MARK = b"sitegen-payload-end\n"
"""Follows the payload: a connection lost halfway through never runs half a script."""

_PROBE = """uname -m
for t in {tools}; do command -v "$t" >/dev/null 2>&1 || echo "missing:$t"; done
"""


def split_destination(dest: str) -> tuple[str, str | None]:
    """`user@host:2222` → ("user@host", "2222"); `[::1]:22` and plain aliases work too."""
    if dest.startswith("ssh://"):
        return dest, None  # OpenSSH parses ssh:// URIs itself.
    user, host, port = destination_parts(dest)
    if port is not None and not port.isdigit():
        raise RunbookError(f"ssh destination {dest!r}: port {port!r} is not a number")
    if not host:
        raise RunbookError(f"ssh destination {dest!r} has no host name")
    return (f"{user}@{host}" if user is not None else host), port


def control_dir() -> Path:
    """A private (0700) directory for ControlPath sockets; short, since socket paths are
    limited to about 104 bytes."""
    base = tempfile.gettempdir()
    if len(base) > 40:
        base = "/tmp"
    return Path(tempfile.mkdtemp(prefix="sg-", dir=base))


class SSHRunner:
    """Runs jobs on one SSH host, reusing a ControlMaster connection across jobs."""

    def __init__(self, host: Host, control_path_dir: Path, ssh_config: str | None = None,
                 ssh_options: Sequence[str] = (), environ: Mapping[str, str] | None = None,
                 destination: str | None = None) -> None:
        if host.ssh is None:
            raise ValueError(f"host {host.name} has no ssh destination")
        self.host = host
        # `destination` is what ssh is handed instead of host.ssh: an alias that sitegen's
        # generated ssh_config (reach.py) resolves, shared with local steps' rsync.
        self.target, self.port = split_destination(destination or host.ssh)
        self.control_dir = control_path_dir
        self.ssh_config = ssh_config
        self.ssh_options = tuple(ssh_options)
        self.environ = dict(os.environ if environ is None else environ)

    def describe(self) -> str:
        return self.host.ssh or self.host.name

    def ssh_argv(self, *extra: str) -> list[str]:
        argv = ["ssh"]
        if self.ssh_config:
            argv += ["-F", self.ssh_config]
        for option in (
            "ControlMaster=auto",
            f"ControlPath={self.control_dir}/%C",
            "ControlPersist=60",
            # Never wait for a password or a host-key question nobody will answer.
            "BatchMode=yes",
            "ConnectTimeout=15",
            # Notice a dead link within a minute instead of waiting for TCP to give up.
            "ServerAliveInterval=15",
            "ServerAliveCountMax=4",
        ):
            argv += ["-o", option]
        for option in self.ssh_options:
            argv += ["-o", option]
        argv.append("-T")
        if self.port:
            argv += ["-p", self.port]
        return [*argv, *extra, "--", self.target]

    def probe(self, tools: Sequence[str]) -> Probe:
        script = _PROBE.format(tools=" ".join(shlex.quote(t) for t in dict.fromkeys(tools)) or ":")
        try:
            proc = subprocess.run(
                [*self.ssh_argv(), "sh -s"], input=script.encode(), capture_output=True,
                timeout=60, env=self.environ,
            )
        except subprocess.TimeoutExpired:
            return Probe(None, error=f"cannot reach {self.describe()}: no answer within 60s")
        except FileNotFoundError:
            return Probe(None, error="the ssh client is not installed")
        if proc.returncode != 0:
            return Probe(None, error=f"cannot reach {self.describe()}: {_last_line(proc.stderr)}")
        lines = proc.stdout.decode("utf-8", "replace").splitlines()
        if not lines:
            return Probe(None, error=f"{self.describe()}: uname -m printed nothing")
        missing = tuple(line[8:] for line in lines[1:] if line.startswith("missing:"))
        return Probe(normalise_arch(lines[0]), missing)

    def run(self, job: Job, on_line: LineSink, cancel: Cancel | None = None,
            timeout: float | None = None) -> Result:
        payload = encode_payload(job)
        try:
            proc = subprocess.Popen(
                [*self.ssh_argv(), "bash -s"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=self.environ,
                # Its own session: a Ctrl-C on the terminal reaches sitegen, which then ends
                # the remote step in order, instead of killing ssh under it.
                start_new_session=True,
            )
        except FileNotFoundError:
            return Result(127, "failed", "the ssh client is not installed")
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        stdin = proc.stdin
        lock = threading.Lock()
        done_writing = threading.Event()

        def write() -> None:
            # A thread, so a stalled connection cannot block the loop that watches for Ctrl-C.
            try:
                stdin.write(payload)
                stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass
            done_writing.set()

        def stop() -> None:
            # Closing stdin is what the remote wrapper waits for: it then kills the step's group.
            with lock:
                if done_writing.is_set():
                    with contextlib.suppress(OSError):
                        stdin.close()
                else:
                    proc.terminate()

        state: dict[str, int | bool] = {"started": False}
        ssh_errors: list[str] = []

        def on_err(line: str) -> None:
            if line.startswith(_MARK):
                word, _, value = line[len(_MARK):].partition(" ")
                if word == "started":
                    state["started"] = True
                elif word == "exit" and value.strip().lstrip("-").isdigit():
                    state["exit"] = int(value)
                return
            ssh_errors.append(line)
            on_line(line)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        reason = pump(proc, {proc.stdout: on_line, proc.stderr: on_err}, cancel, timeout, stop, proc.kill)
        writer.join(GRACE)
        for stream in (stdin, proc.stdout, proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()
        if reason is not None:
            return interpret(proc.returncode, reason, timeout)
        if "exit" in state:
            return interpret(int(state["exit"]), None, timeout)
        if proc.returncode == 255:
            why = _last_line("\n".join(ssh_errors).encode()) if ssh_errors else "no reason given"
            if state["started"]:
                return Result(255, "lost", f"connection to {self.describe()} lost during the step ({why})")
            return Result(255, "lost", f"cannot connect to {self.describe()} ({why})")
        if not state["started"] and proc.returncode in (97, 126, 127):
            return Result(proc.returncode, "failed",
                          f"could not start the step on {self.describe()} (is bash installed there?)")
        return interpret(proc.returncode, None, timeout)

    def close(self) -> None:
        """Ask the ControlMaster to exit now rather than linger for ControlPersist."""
        with contextlib.suppress(subprocess.TimeoutExpired, FileNotFoundError):
            subprocess.run([*self.ssh_argv("-O", "exit")], capture_output=True, timeout=10, env=self.environ)


def encode_payload(job: Job) -> bytes:
    """Wrapper, size header, environment preamble, script and data, as sent on stdin."""
    check_env_names(job.env)
    lines = [f"export {key}={shlex.quote(value)}" for key, value in job.env.items()]
    lines.append(f"__sg_cwd={shlex.quote(job.cwd or '')}")
    lines.append("__sg_interp=(" + " ".join(shlex.quote(word) for word in job.interpreter) + ")")
    env_text = ("\n".join(lines) + "\n").encode()
    script = job.script.encode()
    data = job.data or b""
    header = f"{len(env_text)} {len(script)} {len(data)}\n".encode()
    return WRAPPER.encode() + header + env_text + script + data + _END_MARK


def _last_line(raw: bytes) -> str:
    lines = [line.strip() for line in raw.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"


_VALID_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_env_names(env: Mapping[str, str]) -> None:
    """Names become `export NAME=...` lines: anything else would be shell syntax."""
    for name in env:
        if not _VALID_ENV.match(name):
            raise RunbookError(f"{name!r} is not a valid environment variable name")
