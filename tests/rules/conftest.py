"""The rule tests import their graph builders (rule_builders.py) from this directory
(importlib import mode)."""

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
