"""The pure core (parse, plan, model, jobs, redact) never starts processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


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


def test_runbook_tests_collect_in_any_order_beside_other_suites() -> None:
    """Helpers come from runbook_support, not `conftest`: with several conftest.py files in the
    tree, `import conftest` finds whichever one pytest loaded last."""
    repo = Path(__file__).resolve().parents[2]
    files = ["tests/runbook/test_runbook_docs.py", "tests/serve/test_paths.py",
             "tests/runbook/test_runbook_local.py", "tests/runbook/test_runbook_ssh.py"]
    for order in (files, files[::-1]):
        proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                               *order], cwd=repo, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-3000:]
