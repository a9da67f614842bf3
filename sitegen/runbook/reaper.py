"""The reaper: a small bash process between `sitegen run` and each local step, so the step
cannot outlive sitegen.

It is started as `setpriv --pdeathsig TERM -- bash -c REAPER sitegen-reaper PARENT GRACE FD
ARGV...` in the step's own session, so it leads the step's process group. setpriv (util-linux)
asks Linux for a parent-death signal before bash starts: when sitegen dies — even by SIGKILL,
which no handler sees — the reaper gets SIGTERM, signals its whole group, waits up to GRACE
seconds for the group to go, then kills what is left, itself included. A signal while sitegen
is alive is sitegen stopping the group on purpose (Ctrl-C, a timeout): the step got it too,
and the reaper just keeps waiting for it.

FD is the run's lock, which sitegen passes down: the reaper keeps it open and closes it for the
step, so the runbook stays locked exactly as long as the step's processes live, and never
because of a daemon the step leaves behind. The reaper exits with the step's status, and dies
of the same signal when the step was killed by HUP, INT, KILL, PIPE, ALRM or TERM.

bash rather than Python: it starts in about 2 ms of CPU where an interpreter with ctypes needs
30 or more, and it runs once per local job.
"""

from __future__ import annotations

REAPER = r"""__p=$1 __g=$2 __fd=$3
shift 3
__ppid() { local s; read -r s < /proc/$$/stat || return 1; s=${s##*) }; s=${s#* }; __pp=${s%% *}; }
__others() {
  local f s
  for f in /proc/[0-9]*/stat; do
    [ "$f" = "/proc/$$/stat" ] && continue
    { read -r s < "$f"; } 2>/dev/null || continue
    s=${s##*) }
    set -- $s
    [ "$3" = "$$" ] && [ "$1" != Z ] && return 0
  done
  return 1
}
__orphan() {
  __trapped=1
  __ppid && [ "$__pp" = "$__p" ] && return
  trap '' TERM HUP INT
  kill -TERM 0
  local end=$(( SECONDS + ${__g%.*} ))
  while [ "$SECONDS" -lt "$end" ] && __others; do sleep 0.1; done
  kill -KILL 0
}
__ppid && [ "$__pp" = "$__p" ] || exit 1
trap __orphan TERM HUP INT
( trap - INT QUIT TERM HUP; [ -z "$__fd" ] || eval "exec $__fd>&-"; exec "$@" ) &
__c=$!
# The step has its own copies of the output pipe; the reaper says nothing (not even bash's
# "Killed" notices) and can never die of SIGPIPE once sitegen's end of the pipe is gone.
exec >/dev/null 2>&1
__rc=
while :; do
  __trapped=
  wait "$__c"
  __r=$?
  # 127 after a trap: the status was already collected by the wait the trap followed.
  [ "$__r" = 127 ] && [ -n "$__rc" ] && break
  __rc=$__r
  [ -n "$__trapped" ] || break
done
trap - TERM HUP INT
case $__rc in
  129|130|137|141|142|143) ulimit -c 0; kill -s $((__rc - 128)) $$ ;;
esac
exit "$__rc"
"""
