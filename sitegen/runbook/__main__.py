"""`python -m sitegen.runbook FILE.md ...`: `sitegen run` without the main CLI."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sitegen.errors import SitegenError
from sitegen.runbook import cli


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sitegen run", description="Run the steps of a Markdown runbook, locally and on SSH hosts."
    )
    cli.configure(parser)
    args = parser.parse_args(argv)
    try:
        return cli.execute(args)
    except SitegenError as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `sitegen run ... --json | head` closed the pipe: not an error worth a traceback.
        sys.stderr.close()
        return 1


if __name__ == "__main__":
    sys.exit(main())
