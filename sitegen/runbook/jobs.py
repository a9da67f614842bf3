"""Turn a planned step into the jobs a runner executes: the step itself, its skip checks, a write.

A job is a script plus an interpreter, environment and working directory; the same job runs
locally or over SSH. Values travel in the environment (or as the write= payload), never
spliced into script text, so a quote in a value cannot change what runs.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePath

from sitegen.runbook.model import Step
from sitegen.runbook.plan import PlannedStep

_EXPAND_TILDE = 'case $p in "~") p=$HOME ;; "~/"*) p=$HOME/${p#"~/"} ;; esac'

# Atomic and idempotent: compare first, write a temporary file beside the target, then rename,
# so a reader never sees half a file and an unchanged file keeps its timestamp. The target must
# be a regular file or absent: a directory is an error, and a symbolic link is refused unless
# the step says `follow`, which writes the link's final target instead (the link stays).
WRITE_SCRIPT = f"""set -eu
p=$SITEGEN_PATH
{_EXPAND_TILDE}
if [ -L "$p" ]; then
  if [ -z "${{SITEGEN_FOLLOW:-}}" ]; then
    echo "step $SITEGEN_STEP: write=$p is a symbolic link to $(readlink -- "$p");" \\
      "add the follow attribute to write the file it points to, or remove the link first" >&2
    exit 1
  fi
  if ! t=$(readlink -f -- "$p"); then
    echo "step $SITEGEN_STEP: write=$p is a symbolic link that leads nowhere writable" >&2
    exit 1
  fi
  p=$t
fi
if [ -d "$p" ]; then
  echo "step $SITEGEN_STEP: write=$p is a directory, not a file" >&2
  exit 1
fi
if [ -e "$p" ] && [ ! -f "$p" ]; then
  echo "step $SITEGEN_STEP: write=$p exists and is not a regular file" >&2
  exit 1
fi
if [ -f "$p" ] && cmp -s -- "$SITEGEN_DATA" "$p"; then
  if [ -n "${{SITEGEN_MODE:-}}" ]; then chmod "$SITEGEN_MODE" -- "$p"; fi
  echo "unchanged $p"
  exit 0
fi
mkdir -p -- "$(dirname -- "$p")"
t=$(mktemp "$p.sitegen-XXXXXX")
trap 'rm -f -- "$t"' EXIT
cat -- "$SITEGEN_DATA" > "$t"
if [ -n "${{SITEGEN_MODE:-}}" ]; then
  chmod "$SITEGEN_MODE" -- "$t"
elif [ -e "$p" ]; then
  chmod "$(stat -c %a -- "$p")" -- "$t"
else
  chmod "$(printf '%o' $(( 0666 & ~$(umask) )))" -- "$t"
fi
mv -fT -- "$t" "$p"
trap - EXIT
echo "wrote $p"
"""

CREATES_SCRIPT = f"""p=$SITEGEN_PATH
{_EXPAND_TILDE}
test -e "$p"
"""

# Tools every job needs on a remote host besides the interpreter (the SSH wrapper uses them).
WRAPPER_TOOLS = ("bash", "mktemp", "head", "setsid")
WRITE_TOOLS = ("cmp", "stat", "mv", "chmod", "readlink")


@dataclass(frozen=True)
class Job:
    """Something to execute on a host."""

    step: str
    """Name of the step it belongs to."""
    kind: str
    """"run", "write", "creates" or "unless"."""
    interpreter: tuple[str, ...]
    """argv the script file is appended to."""
    script: str
    """Full script text, prelude included."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Extra environment for the job (variables, secrets, SITEGEN_*)."""
    cwd: str | None = None
    """Working directory; None for the runner's default."""
    data: bytes | None = None
    """Payload made available as the file $SITEGEN_DATA (used by write=)."""


def step_env(
    planned: PlannedStep, values: Mapping[str, str], arch: str | None, run_id: str
) -> dict[str, str]:
    """What every job of a step sees in its environment."""
    return {
        **values,
        "SITEGEN_STEP": planned.name,
        "SITEGEN_HOST": planned.host or "",
        "SITEGEN_HOST_ARCH": arch or "",
        "SITEGEN_RUN_ID": run_id,
    }


def main_job(planned: PlannedStep, env: Mapping[str, str]) -> Job:
    """The step's own work: run its script, or write its content for write= steps."""
    step = planned.step
    if step.write:
        extra = {"SITEGEN_PATH": planned.write or step.write}
        if step.mode is not None:
            extra["SITEGEN_MODE"] = f"{step.mode:04o}"
        if step.follow:
            extra["SITEGEN_FOLLOW"] = "1"
        job = Job(step.name, "write", ("bash",), WRITE_SCRIPT, {**env, **extra}, planned.cwd,
                  data=step.script.encode())
    else:
        job = Job(step.name, "run", step.interpreter, script_text(step), env, planned.cwd)
    return as_root(job) if step.sudo else job


_SCRIPT_MARK = "# --- sitegen: the step script follows ---"

# Runs the job's script as root through `sudo -n`, which fails at once instead of asking for a
# password. sudo resets the environment, so the step's variables cross in a private file that
# root sources (never on a command line, which `ps` shows); the script itself rides below the
# mark in this very file, so runners need nothing new.
_SUDO_TEMPLATE = """set -eu
__sg_d=$(mktemp -d "${{TMPDIR:-/tmp}}/sitegen-sudo.XXXXXXXX")
trap 'rm -rf -- "$__sg_d"' EXIT
for __sg_n in {names}; do
  if [ -n "${{!__sg_n+x}}" ]; then printf 'export %s=%q\\n' "$__sg_n" "${{!__sg_n}}"; fi
done > "$__sg_d/env"
sed '1,/^{mark}$/d' "$0" > "$__sg_d/step"
__sg_rc=0
sudo -n -- bash -c 'set -a; . "$1"; set +a; shift; exec "$@"' sitegen-sudo "$__sg_d/env" {interp} "$__sg_d/step" \
  || __sg_rc=$?
exit "$__sg_rc"
{mark}
"""


def as_root(job: Job) -> Job:
    """The same job, run as root through `sudo -n` (the step's `sudo` attribute)."""
    names = " ".join(sorted({*job.env, "SITEGEN_DATA"}))
    wrapper = _SUDO_TEMPLATE.format(names=names, mark=_SCRIPT_MARK,
                                    interp=" ".join(shlex.quote(word) for word in job.interpreter))
    return replace(job, interpreter=("bash",), script=wrapper + job.script)


SUDO_CHECK = "sudo -n true 2>&1\n"
"""Preflight's test that sudo will not ask for a password on a host."""


# Pipes under `set -euo pipefail`: a command on the left of a pipe that is killed by SIGPIPE
# because the right side stopped reading (`rsync --version | head -n 1`) counts as success;
# any other failure in a pipeline still stops the step. bash has no option for that, so an
# ERR trap does it: for a pipeline whose last command succeeded and whose others exited 0 or
# 141, it turns errexit off for just that command (a one-shot DEBUG trap turns it back on
# before the next one). A 141 that merely carries such a pipeline's status outward (a
# function or $(...) ending in it, or the script's last line) is forgiven the same way. Any
# other failure leaves errexit to do what it always does. One line, so the block's line
# numbers stay one below the script's.
SIGPIPE_TRAP = (
    "set -ET; "
    "__sg_err() { local r=$1 i; shift; [ \"$r\" = 141 ] || return 0; "
    "if [ -z \"${__sg_pipe-}\" ]; then [ $# -gt 1 ] && [ \"${!#}\" = 0 ] || return 0; fi; "
    "for i in \"$@\"; do case $i in 0|141) ;; *) return 0;; esac; done; __sg_pipe=1; "
    "[ \"$BASHPID\" = \"$$\" ] || trap '[ $? != 141 ] || exit 0' EXIT; "
    "case $- in *e*) set +e; trap '__sg_l=$_; trap - DEBUG; set -e; : \"$__sg_l\"' DEBUG;; esac; }; "
    "trap '__sg_err $? \"${PIPESTATUS[@]}\"' ERR"
)
SIGPIPE_EPILOGUE = '__sg_r=$?; [ "$__sg_r" != 141 ] || [ -z "${__sg_pipe-}" ] || __sg_r=0; exit "$__sg_r"\n'


def script_text(step: Step) -> str:
    """The script as it runs: the shell prelude, then the block's content."""
    if not step.shell_prelude:
        return step.script
    if "pipefail" in step.shell_prelude and PurePath(step.interpreter[0]).name == "bash":
        body = step.script if step.script.endswith("\n") or not step.script else step.script + "\n"
        return f"{step.shell_prelude}; {SIGPIPE_TRAP}\n{body}{SIGPIPE_EPILOGUE}"
    return f"{step.shell_prelude}\n{step.script}"


def creates_job(planned: PlannedStep, env: Mapping[str, str]) -> Job | None:
    """Succeeds when the step's creates= path already exists (so the step is skipped)."""
    if not planned.creates:
        return None
    return Job(planned.name, "creates", ("bash",), CREATES_SCRIPT,
               {**env, "SITEGEN_PATH": planned.creates}, planned.cwd)


def unless_job(planned: PlannedStep, env: Mapping[str, str]) -> Job | None:
    """Succeeds when the step's unless= command does (so the step is skipped)."""
    if not planned.step.unless:
        return None
    return Job(planned.name, "unless", ("bash",), planned.step.unless + "\n", env, planned.cwd)


def tools_for(step: Step) -> tuple[str, ...]:
    """Commands a step needs on its host: requires=, its interpreter, and write= helpers."""
    tools = list(step.requires)
    if step.interpreter:
        tools.append(step.interpreter[0])
    if step.write:
        tools.extend(WRITE_TOOLS)
    if step.sudo:
        tools.extend(("sudo", "sed"))
    return tuple(tools)
