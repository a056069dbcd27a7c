"""Every Mermaid diagram the ``markdown`` format draws parses with Mermaid's own parser (the npm
``mermaid`` package under node, with ``jsdom`` for the DOM it wants): the chains of every
fixture and example at every certainty, and of the hostile names. Skips when node or the
packages are absent; ``.ci/run`` installs them (``scripts/install_mermaid.sh``) when npm is
there, into ``IACGUARD_MERMAID_PREFIX`` (default ``~/.cache/iacguard/mermaid``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.report.hostile_inputs import write_hostile

from iacguard.api import check
from iacguard.config.model import Config
from iacguard.core.certainty import Certainty
from iacguard.core.topology import chains_with_findings
from iacguard.report.markdown import render as render_markdown
from iacguard.report.mermaid import flowchart

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "mermaid_parse.mjs"


def _prefix() -> Path:
    given = os.environ.get("IACGUARD_MERMAID_PREFIX")
    if given:
        return Path(given)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "iacguard" / "mermaid"


def _parse(diagrams: list[str]) -> list[str | None]:
    node = shutil.which("node")
    prefix = _prefix()
    if node is None:
        pytest.skip("node is not installed")
    for package in ("mermaid", "jsdom"):
        if not (prefix / "node_modules" / package / "package.json").is_file():
            pytest.skip(f"npm package {package} is not installed in {prefix}")
    done = subprocess.run(
        [node, str(SCRIPT), str(prefix)],
        input=json.dumps(diagrams),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _diagrams_of(report) -> list[str]:
    return [
        flowchart(c, failing) for c, failing in chains_with_findings(report.chains, report.live)
    ]


def test_the_parser_rejects_a_broken_diagram():
    # the check can fail: a label that ends early is a parse error
    assert _parse(['flowchart LR\n  n0["a"b"]\n'])[0] is not None


def test_every_diagram_of_the_fixtures_and_examples_parses(monkeypatch):
    monkeypatch.chdir(ROOT)
    config = Config(min_certainty=Certainty.POSSIBLE)
    report = check(["fixtures", "examples"], config, topology=True, jobs=1)
    diagrams = _diagrams_of(report)
    assert len(diagrams) > 100
    # the markdown format's own blocks are these same flowcharts
    text = render_markdown(check(["examples"], topology=True, jobs=1), environ={})
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", text, re.S | re.M)
    assert blocks and all(b in set(diagrams) for b in blocks)
    errors = _parse(diagrams)
    bad = [(d, e) for d, e in zip(diagrams, errors, strict=True) if e is not None]
    assert bad == []


def test_diagrams_of_hostile_names_parse(tmp_path, monkeypatch):
    write_hostile(tmp_path)
    monkeypatch.chdir(tmp_path)
    diagrams = _diagrams_of(check(["."], topology=True, jobs=1))
    assert len(diagrams) >= 3
    assert _parse(diagrams) == [None] * len(diagrams)
