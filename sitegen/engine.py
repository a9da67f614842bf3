"""The incremental build engine; the code lives in sitegen/build/ (one module per step).

Kept so `from sitegen.engine import Builder` goes on working.
"""

from sitegen.build.builder import Builder, Report, build
from sitegen.build.render import PARALLEL_THRESHOLD
from sitegen.build.scan import Stat, input_kind

__all__ = ["PARALLEL_THRESHOLD", "Builder", "Report", "Stat", "build", "input_kind"]
