"""Runbooks: Markdown posts whose fenced `{...}` blocks are steps run locally or over SSH.

The pipeline, following the data: `parse` (Markdown → Runbook) → `plan` (selection, order,
hosts, values) → `preflight` (checks) → `executor` (runs jobs from `jobs` on `runners`/`ssh`)
→ `records` (JSONL history, lock, resume). `cli` is the `sitegen run` front end.
"""
