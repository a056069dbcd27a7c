"""The property suite: generated inputs through the whole pipeline. Cross-cutting, so it stays
in tests/property/ beside the mirror of src/. It shares the hostile helpers (tests/hostile)
and a short default budget."""

import sys
from pathlib import Path

HOSTILE = str(Path(__file__).resolve().parent.parent / "hostile")
if HOSTILE not in sys.path:
    sys.path.insert(0, HOSTILE)
