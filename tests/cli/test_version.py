"""``iacguard --version`` must stay cheap: nothing heavy on the import path."""

from __future__ import annotations

import re
import subprocess
import sys

from iacguard import __version__

HEAVY = (
    "tree_sitter",
    "ruamel",
    "jsonschema",
    "yaml",
    "pathspec",
    "iacguard.graph",
    "iacguard.parse",
    "argparse",
)


def test_version_imports_nothing_heavy():
    code = "import iacguard.cli; iacguard.cli.main(['--version'])"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout == f"iacguard {__version__}\n"
    imported = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", done.stderr, re.M)
    assert "iacguard.cli" in imported  # the import list was really parsed
    heavy = sorted({m for m in imported for h in HEAVY if m == h or m.startswith(h + ".")})
    assert heavy == []


def test_version_in_process(capsys):
    from iacguard.cli import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"iacguard {__version__}\n"
