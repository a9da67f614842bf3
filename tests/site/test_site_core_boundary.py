"""The site core is pure: text in, values out. It must not pull in process, watcher or server code.

Checked in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "basic"
CORE = [
    "sitegen.config", "sitegen.frontmatter", "sitegen.content", "sitegen.markdown", "sitegen.fence",
    "sitegen.urls", "sitegen.model", "sitegen.views", "sitegen.render",
]
EDGES = ["subprocess", "watchfiles", "http.server", "socketserver", "sqlite3", "sitegen.serve", "sitegen.runbook"]


def test_core_modules_import_no_io_edges() -> None:
    code = (
        "import sys\n"
        f"for name in {CORE!r}: __import__(name)\n"
        f"print(','.join(m for m in {EDGES!r} if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "", f"core modules imported: {proc.stdout.strip()}"


def test_no_change_build_imports_no_renderer(tmp_path: Path) -> None:
    """A no-change build must not pay for Markdown, Jinja or YAML (~0.2 s of imports)."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)
    args = [str(site), str(tmp_path / "out"), str(tmp_path / "cache")]
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sitegen.engine import Builder\n"
        "report = Builder(Path(sys.argv[1]), Path(sys.argv[2]), cache_dir=Path(sys.argv[3])).build()\n"
        "heavy = [m for m in ('markdown_it', 'jinja2', 'yaml', 'pygments', 'PIL') if m in sys.modules]\n"
        "print(len(report.rendered), ','.join(heavy))\n"
    )
    first = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    assert first.stdout.split()[0] != "0" and "jinja2" in first.stdout  # the first build did render
    again = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    assert again.stdout.strip() == "0"
