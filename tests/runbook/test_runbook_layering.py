"""The pure core (parse, plan, model, jobs, redact) never starts processes."""

from __future__ import annotations

import subprocess
import sys


def test_core_modules_do_not_import_subprocess() -> None:
    code = (
        "import sys\n"
        "import sitegen.runbook.parse, sitegen.runbook.plan, sitegen.runbook.model, "
        "sitegen.runbook.jobs, sitegen.runbook.redact, sitegen.includes\n"
        "sitegen.runbook.parse.parse_runbook('```sh {#a}\\necho\\n```\\n')\n"
        "print(sorted(m for m in ('subprocess', 'socket', 'selectors') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
