"""Shell steps and SIGPIPE: `… | head` never fails at random, a real failure left of a pipe
still stops the step (the rule in content/blog/runbooks.md, "Pipes")."""

from __future__ import annotations

import pytest
from runbook_support import base_environ

# `yes` never stops writing, so the left side of each pipeline is killed by SIGPIPE every time
# (the random case, `rsync --version | head -n 1`, made certain); `seq` and `rsync` add
# writers that stop on their own and so only sometimes die of it.
PIPES = """```sh {#pipes}
for i in $(seq 100); do
  rsync --version | head -n 1 >/dev/null
  seq 100000 | head -n 1 >/dev/null
done
first=$(yes | head -n 1)
count() { yes | head -n 3 | wc -l; }
echo "first=$first count=$(count)"
yes | head -n 1
```

```sh {#last}
yes | head -n 2 | tail -n 1
```
"""


def test_head_pipelines_never_fail(write_runbook, run_cli, tmp_path) -> None:
    result = run_cli(str(write_runbook(PIPES)), environ=base_environ(tmp_path))
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert "[pipes@local] first=y count=3" in lines
    assert "[last@local] y" in lines


@pytest.mark.parametrize(("script", "code"), [
    ("false | head -n 1", 1),                 # the left side fails by itself
    ("(exit 3) | cat", 3),
    ("yes | (head -n 1; exit 7)", 7),         # the right side fails after the left one's SIGPIPE
    ("yes | head -n 1\nfalse", 1),            # errexit still on after a tolerated pipe
    ("f() { yes | head -n 1; false; }\nf", 1),
    ("v=$(false | cat)", 1),
    ("kill -PIPE $$", 141),                   # a SIGPIPE that is not a pipe's left side
    ("sh -c 'kill -PIPE $$'", 141),
])
def test_a_real_failure_in_a_pipeline_still_stops_the_step(write_runbook, run_cli, tmp_path,
                                                           script, code) -> None:
    path = write_runbook(f"```sh {{#pipe}}\n{script}\necho unreachable\n```\n")
    result = run_cli(str(path), environ=base_environ(tmp_path))
    assert result.code == code, result
    assert "unreachable" not in result.out


def test_user_set_plus_e_is_respected_after_a_tolerated_pipe(write_runbook, run_cli, tmp_path) -> None:
    script = ("yes | head -n 1 >/dev/null\n[[ $- == *e* ]] && echo errexit-on\n"
              "set +e\nfalse\necho \"carried on after $?\"\nset -e\n")
    result = run_cli(str(write_runbook(f"```sh {{#a}}\n{script}```\n")), environ=base_environ(tmp_path))
    assert result.code == 0, result
    assert "[a@local] errexit-on" in result.out and "[a@local] carried on after 1" in result.out
