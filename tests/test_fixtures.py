"""Every fixture case under fixtures/<RULE>/{terraform,cloudformation,plan}/ runs through the
real pipeline (discover -> evaluate -> all rules) and must give exactly the findings its
expected file lists: no missing, no extra. Adding a case is adding files:

* a directory ``<case>/`` holding a Terraform module (or templates) and ``expected.json``;
* a file ``<case>.yaml|.yml|.json|.template`` with ``<case>.expected.json`` beside it.

The expected file is a list of ``{"rule_id", "address", "certainty", "line", "inputs"}``
(optionally ``"path"``, relative to the case), compared with the findings of the case's rule;
or ``{"all_rules": true, "findings": [...]}`` to compare the findings of every rule
(``"xfail": "why"`` marks a case whose expected findings wait on a known evaluator bug;
``"options": {"KMS003": {"backup-grant": "iam-delegation"}}`` runs the rules with options).

Cross-cutting (the whole pipeline over fixtures/), so it stays at the top of tests/, outside
the mirror of src/.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from iacguard.api import build_graph
from iacguard.rules.registry import all_rules, run_rules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
LANGUAGES = ("terraform", "cloudformation", "plan")


def discover_cases() -> list[tuple[str, Path, Path]]:
    cases = []
    for rule_dir in sorted(FIXTURES.iterdir()):
        if rule_dir.name == "graph" or not rule_dir.is_dir():
            continue
        for lang in LANGUAGES:
            base = rule_dir / lang
            if not base.is_dir():
                continue
            for entry in sorted(base.iterdir()):
                if entry.is_dir() and (entry / "expected.json").is_file():
                    cases.append((rule_dir.name, entry, entry / "expected.json"))
                elif (
                    entry.is_file()
                    and entry.suffix in TEMPLATE_SUFFIXES
                    and not entry.name.endswith(".expected.json")
                ):
                    expected = entry.with_name(entry.stem + ".expected.json")
                    if expected.is_file():
                        cases.append((rule_dir.name, entry, expected))
    return cases


CASES = discover_cases()


def test_expected_files_are_not_shared():
    files = [expected for _, _, expected in CASES]
    assert len(files) == len(set(files))


def _record(finding, case: Path, with_path: bool) -> dict:
    out = {
        "rule_id": finding.rule_id,
        "address": finding.address,
        "certainty": finding.certainty.label,
        "line": finding.location.start_line,
        "inputs": list(finding.inputs),
    }
    if with_path:
        anchor = case if case.is_dir() else case.parent
        out["path"] = Path(os.path.relpath(finding.location.path, anchor)).as_posix()
    return out


def _key(record: dict) -> str:
    return json.dumps(record, sort_keys=True)


def test_every_rule_has_cases():
    rules = {r.id for r in all_rules() if r.origin == "builtin"}
    covered = {rule for rule, _, _ in CASES}
    assert rules <= covered
    for rule in rules:
        langs = {case.parent.name for r, case, _ in CASES if r == rule}
        assert {"terraform", "cloudformation"} <= langs, rule


@pytest.mark.parametrize(
    ("rule_id", "case", "expected_file"),
    CASES,
    ids=[f"{r}/{c.parent.name}/{c.name}" for r, c, _ in CASES],
)
def test_fixture(rule_id: str, case: Path, expected_file: Path, monkeypatch):
    monkeypatch.chdir(case if case.is_dir() else case.parent)
    target = "." if case.is_dir() else case.name
    spec = json.loads(expected_file.read_text(encoding="utf-8"))
    all_of_them = isinstance(spec, dict) and spec.get("all_rules", False)
    expected = spec["findings"] if isinstance(spec, dict) else spec
    graph = build_graph([target])
    assert [str(e) for e in graph.errors] == (
        spec.get("errors", []) if isinstance(spec, dict) else []
    )
    options = spec.get("options", {}) if isinstance(spec, dict) else {}
    findings = run_rules(graph, all_rules(), options)
    with_path = any("path" in e for e in expected)
    got = [
        _record(f, Path.cwd() if case.is_dir() else Path.cwd() / case.name, with_path)
        for f in findings
        if all_of_them or f.rule_id == rule_id
    ]
    if (
        isinstance(spec, dict)
        and spec.get("xfail")
        and sorted(got, key=_key) != sorted(expected, key=_key)
    ):
        pytest.xfail(spec["xfail"])
    assert sorted(got, key=_key) == sorted(expected, key=_key)


def _all_findings(paths: list[Path]) -> set[tuple]:
    graph = build_graph([str(p) for p in paths])
    return {
        (f.rule_id, f.address, f.location.path, f.location.start_line, f.certainty.label, f.message)
        for f in run_rules(graph, all_rules(), {})
    }


def test_a_case_gives_the_same_findings_alone_and_beside_every_other_case():
    """A finding depends only on its own root: scanning all fixtures at once (one graph, one
    rules run) gives, for each case, exactly what scanning that case alone gives (this is also
    why ``--jobs``, which lints each root apart, cannot change the output)."""
    cases = [case for _, case, expected in CASES if "options" not in expected.read_text()]
    together = _all_findings(cases)
    alone: set[tuple] = set()
    for case in cases:
        alone |= _all_findings([case])
    assert together == alone
