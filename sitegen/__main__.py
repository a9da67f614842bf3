"""`python -m sitegen` is the `sitegen` command."""

from sitegen.cli import run

run()
