"""Stands between `sitegen run` and a local step, so the step cannot outlive sitegen.

Run as a script file, `python3 -I -S reaper.py PARENT_PID GRACE -- ARGV...` (standard library
only, nothing from sitegen is imported), as the leader of the step's own process group. It
asks Linux for a parent-death signal (prctl PR_SET_PDEATHSIG): when sitegen dies — even by
SIGKILL, which no handler sees — the reaper receives SIGTERM, signals the whole group, waits
GRACE seconds for it to go, then kills what is left. A signal while sitegen is alive is
sitegen stopping the group on purpose (Ctrl-C, timeout): the step got it too, and the reaper
just waits for it.

The reaper keeps whatever descriptors sitegen passed it (the run's lock) and closes them for
the step, so the lock is held exactly as long as the step's processes live and never by a
daemon the step leaves behind. It exits with the step's status, re-raising a fatal signal.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1


class Orphaned(Exception):
    """sitegen is gone."""


def _others_in_group(pgid: int) -> bool:
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields[0] is the state, fields[2] the process group; a zombie has stopped already.
        if int(fields[2]) == pgid and fields[0] != b"Z":
            return True
    return False


def _stop_group(grace: float) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pgid = os.getpgrp()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        if not _others_in_group(pgid):
            break
        time.sleep(0.05)
    os.killpg(pgid, signal.SIGKILL)  # the reaper too: the lock goes with the last of them


def main(argv: list[str]) -> int:
    parent, grace, sep, *command = argv[1:]
    if sep != "--" or not command:
        print("usage: reaper.py PARENT_PID GRACE -- ARGV...", file=sys.stderr)
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != int(parent):
        return 1  # sitegen died before the request took effect: start nothing

    def on_signal(signum: int, frame: object) -> None:
        if os.getppid() != int(parent):
            raise Orphaned

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)
    me = os.getpid()
    try:
        pid = os.fork()
        if pid == 0:
            # Python ignores SIGPIPE and SIGXFSZ; a step must start with the usual dispositions.
            for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            os.closerange(3, os.sysconf("SC_OPEN_MAX"))
            try:
                os.execvp(command[0], command)
            except OSError as exc:
                os.write(1, f"{command[0]}: cannot run it: {exc.strerror}\n".encode())
                os._exit(127)
        _, status = os.waitpid(pid, 0)
    except Orphaned:
        if os.getpid() != me:
            os._exit(1)  # the signal reached the new child before it reset its handlers
        _stop_group(float(grace))
        return 1
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        return 128 + sig
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
