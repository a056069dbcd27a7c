"""The hostile suite: hostile inputs and file systems through the real pipeline and the guard.

Cross-cutting (discover, parsers, evaluators, rules and run.guard together), so it stays in
tests/hostile/ beside the mirror of src/. Its tests import their helpers from this directory
(importlib import mode)."""

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
