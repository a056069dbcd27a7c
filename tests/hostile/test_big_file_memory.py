"""The 17 MB, 60,000-vault file of the hostile suite (issue 13, "Gigabytes": it once took
2.7 GB; legitimate input, it must fit): checked through the command line, every vault found,
its peak RSS measured by the kernel (``wait4``) under the suite's 500 MB.
"""

from __future__ import annotations

import json
import os

import pytest
from hostile_cases import big_case, write_case
from test_memory_budget import MAX_RSS_KB, _peak_rss_run


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs wait4 to measure peak RSS")
def test_the_big_file_fits_in_memory(tmp_path):
    write_case(big_case(), tmp_path)
    out = tmp_path / "report.json"
    args = ["check", "--jobs", "1", "--no-cache", "--output-format", "json", "big"]
    code, rss_kb = _peak_rss_run(args, tmp_path, out)
    assert code == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["errors"] == []
    vaults = {f["resource"]["address"] for f in doc["findings"] if f["rule_id"] == "BKP001"}
    assert len(vaults) == 60_000
    assert rss_kb < MAX_RSS_KB, f"peak RSS {rss_kb} KB"
