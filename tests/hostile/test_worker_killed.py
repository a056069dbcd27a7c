"""A worker killed while evaluating a unit (issue 13, "Partial, not lost"): before, the whole
unit was one error on the module's directory and every finding of it was lost. Now the unit is
run again in smaller parts, each in a fresh worker: the file that kills its worker alone is a
located error ("worker killed (out of memory?) while evaluating it"), the module's other files
keep their findings.

The killing file is real input, not a hook: a string with escapes costs tree-sitter-hcl about
115 bytes of memory per byte (a plain string is masked and a run of spaces bounded before
tree-sitter reads them; a string under the 1 MiB literal limit is read), and under a lowered
address-space cap (``IACGUARD_WORKER_ADDRESS_SPACE``) the parser dies in C, taking the worker
with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from iacguard.run import pool

KEY = 'resource "aws_kms_key" "{name}" {{\n  enable_key_rotation = false\n}}\n'

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform == "darwin", reason="needs RLIMIT_AS (Linux)"
)


def test_the_killing_file_is_named_and_the_others_keep_their_findings(tmp_path):
    module = tmp_path / "m"
    module.mkdir()
    (module / "a.tf").write_text(KEY.format(name="a"), encoding="utf-8")
    (module / "c.tf").write_text(KEY.format(name="c"), encoding="utf-8")
    # eight strings of escapes just under the literal limit, about 0.9 GB in tree-sitter: over
    # the 768 MiB cap below, so the worker dies
    strings = b"".join(b'  x%d = "%s"\n' % (i, b"a\\n" * 330_000) for i in range(8))
    (module / "kill.tf").write_bytes(b"locals {\n" + strings + b"}\n")
    (tmp_path / "t.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  K:\n    Type: AWS::KMS::Key\n"
        "    Properties:\n      EnableKeyRotation: false\n",
        encoding="utf-8",
    )
    env = dict(os.environ, NO_COLOR="1", **{pool.ADDRESS_SPACE_ENV: str(768 * 1024**2)})
    args = ["check", "--jobs", "2", "--no-cache", "--output-format", "json", "."]
    done = subprocess.run(
        [sys.executable, "-m", "iacguard", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert [(e["path"], e["line"], e["message"]) for e in doc["errors"]] == [
        (
            "m/kill.tf",
            None,
            "worker killed (out of memory?) while evaluating m/kill.tf: not checked; "
            "the module's other files were checked without it",
        )
    ]
    found = {(f["rule_id"], f["resource"]["address"]) for f in doc["findings"]}
    assert {("KMS001", "aws_kms_key.a"), ("KMS001", "aws_kms_key.c"), ("KMS001", "K")} <= found


def test_a_killed_template_is_its_own_error():
    from iacguard.run.salvage import salvage_killed

    unit = pool.Unit("template", "boom.yaml", path="boom.yaml")
    graph = salvage_killed(unit, lambda part: None, pool._combine)
    assert [(e.path, e.message) for e in graph.errors] == [
        ("boom.yaml", "worker killed (out of memory?) while evaluating boom.yaml: not checked")
    ]
