"""`python -m sitegen` is the `sitegen` command."""

import sys

from sitegen.cli import main

sys.exit(main())
