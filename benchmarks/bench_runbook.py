"""How much time `sitegen run` adds per step, locally and over a reused SSH connection.

    python3 benchmarks/bench_runbook.py [--steps 40] [--repeats 5] [--ssh-steps 15]

Local: N steps of `true` through the executor (script file, process group, line pump,
records) against `bash -c true` run directly. SSH: a loopback sshd (started like the test
fixture); the first step pays for the connection, later steps reuse it; both are compared
with a bare `ssh true` over the same multiplexed connection, which is the floor (it includes
the remote login shell's start-up, which sitegen cannot avoid). Prints medians in ms.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sitegen.runbook.executor import Executor, RunOptions
from sitegen.runbook.jobs import Job
from sitegen.runbook.model import LOCAL, Host
from sitegen.runbook.parse import parse_runbook
from sitegen.runbook.plan import Values, bind, select_steps
from sitegen.runbook.records import Recorder
from sitegen.runbook.runners import LocalRunner
from sitegen.runbook.ssh import SSHRunner, control_dir
from sitegen.runbook.testing import LoopbackSSHD


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def bench_local(steps: int, repeats: int, tmp: Path) -> None:
    text = "".join(f"```sh {{#s{i}}}\ntrue\n```\n\n" for i in range(steps))
    runbook = parse_runbook(text, tmp / "bench.md", root=tmp)
    plan, _ = bind(runbook, select_steps(runbook), {LOCAL: "x86_64"}, Values())
    per_step: list[float] = []
    direct: list[float] = []
    for _ in range(repeats):
        runner = LocalRunner(base_dir=tmp)
        executor = Executor(runbook, plan, {LOCAL: runner}, Values(), {LOCAL: "x86_64"},
                            emit=lambda event: None, record=Recorder(tmp / "runs.jsonl"),
                            options=RunOptions())
        start = time.perf_counter()
        code = executor.run()
        per_step.append((time.perf_counter() - start) / steps)
        runner.close()
        assert code == 0
        for _ in range(steps):
            start = time.perf_counter()
            subprocess.run(["bash", "-c", "true"], check=True)
            direct.append(time.perf_counter() - start)
    step, bare = statistics.median(per_step), statistics.median(direct)
    print(f"local: {steps} steps x {repeats} runs")
    print(f"  executor, per step       {ms(step)}")
    print(f"  bash -c true, directly   {ms(bare)}")
    print(f"  overhead per local step  {ms(step - bare)}   (target <= 15 ms)")


def bench_ssh(steps: int, repeats: int) -> None:
    with LoopbackSSHD() as server:
        firsts, laters, raws, diffs = [], [], [], []
        job = Job("bench", "run", ("bash",), "set -euo pipefail\ntrue\n", {"SITEGEN_STEP": "bench"})
        for _ in range(repeats):
            sockets = control_dir()
            runner = SSHRunner(Host("web", server.destination), sockets, str(server.ssh_config))
            start = time.perf_counter()
            assert runner.run(job, lambda line: None)
            firsts.append(time.perf_counter() - start)
            raw_argv = [*runner.ssh_argv(), "true"]
            # Interleaved and paired, so both see the same load on a busy machine.
            for _ in range(steps):
                start = time.perf_counter()
                assert runner.run(job, lambda line: None)
                laters.append(time.perf_counter() - start)
                start = time.perf_counter()
                subprocess.run(raw_argv, check=True, capture_output=True)
                raws.append(time.perf_counter() - start)
                diffs.append(laters[-1] - raws[-1])
            runner.close()
            shutil.rmtree(sockets, ignore_errors=True)
    first, later, raw = statistics.median(firsts), statistics.median(laters), statistics.median(raws)
    overhead = statistics.median(diffs)
    print(f"ssh (loopback sshd): {repeats} connections, {steps} later steps each")
    print(f"  first step (connects)         {ms(first)}")
    print(f"  later step (reused master)    {ms(later)}")
    print(f"  bare `ssh host true` (reused) {ms(raw)}")
    print(f"  overhead per later SSH step   {ms(overhead)}   (median of paired differences; target <= 50 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ssh-steps", type=int, default=15)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sg-bench-"))
    try:
        bench_local(args.steps, args.repeats, tmp)
        bench_ssh(args.ssh_steps, args.repeats)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
