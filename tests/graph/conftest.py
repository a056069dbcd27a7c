"""The graph tests share the rule tests' graph builders (tests/rules/rule_builders.py;
importlib import mode)."""

import sys
from pathlib import Path

RULES = str(Path(__file__).resolve().parent.parent / "rules")
if RULES not in sys.path:
    sys.path.insert(0, RULES)
