"""iacguard's rules run by the real ``cfn-lint`` command (``-a iacguard.cfnlint``) on every
CloudFormation fixture: each expected iacguard finding is reported under its cfn-lint id at
its line, nothing else of ours is; cfn-lint's own ways of choosing and silencing rules
(``--ignore-checks``, ``--include-checks``, ``--mandatory-checks``, Metadata
``cfn-lint: config: ignore_checks``, ``.cfnlintrc``) apply to them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iacguard.cfnlint import CFN_LINT_IDS

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
CFN_LINT = Path(sys.executable).with_name("cfn-lint")
OURS = {*CFN_LINT_IDS.values(), "E9100"}
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")

pytestmark = pytest.mark.skipif(not CFN_LINT.is_file(), reason="cfn-lint is not installed")


def cases() -> list[tuple[str, Path, dict]]:
    """Every CloudFormation fixture case: (rule, template, expected spec)."""
    out = []
    for expected in sorted(FIXTURES.glob("*/cloudformation/*.expected.json")):
        stem = expected.name[: -len(".expected.json")]
        template = next(
            (
                expected.with_name(stem + s)
                for s in TEMPLATE_SUFFIXES
                if (expected.with_name(stem + s)).is_file()
            ),
            None,
        )
        assert template is not None, expected
        spec = json.loads(expected.read_text(encoding="utf-8"))
        if isinstance(spec, list):
            spec = {"findings": spec}
        out.append((expected.parts[-3], template, spec))
    return out


CASES = cases()


def cfn_lint(*args: str, cwd: Path = REPO) -> tuple[int, list[dict]]:
    """Run the cfn-lint command with iacguard's rules; its JSON matches."""
    done = subprocess.run(
        [str(CFN_LINT), "--format", "json", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    assert done.stdout.strip().startswith("["), done.stderr
    return done.returncode, json.loads(done.stdout)


def ours(matches: list[dict]) -> list[dict]:
    return [m for m in matches if m["Rule"]["Id"] in OURS]


def configure(options: dict, min_certainty: str) -> list[str]:
    """``--configure-rule`` arguments: every rule at ``min_certainty``, plus ``options``."""
    out = []
    for rid, cid in CFN_LINT_IDS.items():
        out += ["--configure-rule", f"{cid}:min_certainty={min_certainty}"]
        for name, value in options.get(rid, {}).items():
            value = str(value).lower() if isinstance(value, bool) else value
            out += ["--configure-rule", f"{cid}:{name.replace('-', '_')}={value}"]
    return out


def _run_all(min_certainty: str) -> dict[str, list[dict]]:
    """One cfn-lint run per distinct option set over the cases: matches by template."""
    groups: dict[str, list[tuple[Path, dict]]] = {}
    for _, template, spec in CASES:
        groups.setdefault(json.dumps(spec.get("options", {}), sort_keys=True), []).append(
            (template, spec)
        )
    by_file: dict[str, list[dict]] = {}
    for key, members in groups.items():
        args = configure(json.loads(key), min_certainty)
        names = [str(t.relative_to(REPO)) for t, _ in members]
        _, matches = cfn_lint("-a", "iacguard.cfnlint", *args, "--", *names)
        for name in names:
            by_file[name] = []
        for m in ours(matches):
            by_file[m["Filename"]].append(m)
    return by_file


@pytest.fixture(scope="module")
def every_certainty() -> dict[str, list[dict]]:
    return _run_all("possible")


@pytest.fixture(scope="module")
def default_certainty() -> dict[str, list[dict]]:
    return _run_all("default")


def _records(matches: list[dict]) -> list[tuple]:
    out = []
    for m in matches:
        certainty = m["Message"].split(",", 1)[1].split("]", 1)[0].strip()
        path = m["Location"]["Path"]
        address = path[1] if len(path) >= 2 and path[0] == "Resources" else None
        out.append((m["Rule"]["Id"], m["Location"]["Start"]["LineNumber"], certainty, address))
    return sorted(out)


def _expected(rule: str, spec: dict, certainties: tuple[str, ...]) -> list[tuple]:
    return sorted(
        (CFN_LINT_IDS[f["rule_id"]], f["line"], f["certainty"], f["address"])
        for f in spec["findings"]
        if (spec.get("all_rules") or f["rule_id"] == rule) and f["certainty"] in certainties
    )


def _got(rule: str, spec: dict, matches: list[dict]) -> list[tuple]:
    wanted = OURS if spec.get("all_rules") else {CFN_LINT_IDS[rule]}
    return _records([m for m in matches if m["Rule"]["Id"] in wanted])


IDS = [f"{r}/{t.name}" for r, t, _ in CASES]


@pytest.mark.parametrize(("rule", "template", "spec"), CASES, ids=IDS)
def test_every_expected_finding_at_its_line(rule, template, spec, every_certainty):
    """With ``min_certainty=possible`` every finding iacguard expects is a cfn-lint match of
    the mapped id, at the same line, about the same resource, and there is no other."""
    got = _got(rule, spec, every_certainty[str(template.relative_to(REPO))])
    expected = _expected(rule, spec, ("possible", "default", "definite"))
    if spec.get("xfail") and got != expected:
        pytest.xfail(spec["xfail"])
    assert got == expected


@pytest.mark.parametrize(("rule", "template", "spec"), CASES, ids=IDS)
def test_default_certainty_leaves_out_possible_findings(rule, template, spec, default_certainty):
    got = _got(rule, spec, default_certainty[str(template.relative_to(REPO))])
    expected = _expected(rule, spec, ("default", "definite"))
    if spec.get("xfail") and got != expected:
        pytest.xfail(spec["xfail"])
    assert got == expected


def test_the_cases_cover_every_rule_bad_and_good():
    rules = {r for r, _, _ in CASES}
    assert rules == set(CFN_LINT_IDS)
    good = {
        r for r, _, spec in CASES if not _expected(r, spec, ("possible", "default", "definite"))
    }
    assert good, "no good case"
    assert all(any(_expected(r, s, ("definite",)) for rr, _, s in CASES if rr == r) for r in rules)


def test_cfn_lint_reports_what_iacguard_check_reports():
    """Over every CloudFormation fixture at once, with no option: cfn-lint's iacguard matches
    are ``iacguard check``'s findings (default certainty, suppressions applied), one for one:
    same file, rule, line, column, certainty and message."""
    names = [str(t.relative_to(REPO)) for _, t, _ in CASES]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "iacguard",
            "check",
            "--output-format",
            "json",
            "--no-cache",
            *names,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(done.stdout)
    want = sorted(
        (
            f["location"]["path"],
            CFN_LINT_IDS[f["rule_id"]],
            f["location"]["start_line"],
            f["location"]["start_column"],
            f"[{f['rule_id']}, {f['certainty']}] {f['message']}",
        )
        for f in report["findings"]
        if not f["suppressed"] and f["rule_id"] in CFN_LINT_IDS
    )
    _, matches = cfn_lint("-a", "iacguard.cfnlint", "--", *names)
    got = sorted(
        (
            m["Filename"],
            m["Rule"]["Id"],
            m["Location"]["Start"]["LineNumber"],
            m["Location"]["Start"]["ColumnNumber"],
            m["Message"],
        )
        for m in ours(matches)
    )
    assert want and got == want
