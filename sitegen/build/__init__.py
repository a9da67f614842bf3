"""The incremental build, by step: scan → pages → plan → render → commit, run by builder.Builder.

| Module | Step |
|:-------|:-----|
| `scan.py` | Walk content/, templates and static/: path → (mtime, size); a watcher's hints. |
| `pages.py` | Content files that changed → page records and rendered bodies. |
| `plan.py` | Which dependency keys changed, which outputs read them, which static files to copy. |
| `render.py` | Render the dirty outputs (forked workers for large builds), stage changed bytes. |
| `commit.py` | Static copies, atomic moves into the output directory, removals. |
| `builder.py` | `Builder`: runs the steps and keeps state between builds (for serve). |
| `store.py` | The cache on disk: the last build's manifest and the rendered bodies. |
"""
