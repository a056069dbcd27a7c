"""Every fix of every finding on every fixture case (found by walking fixtures/, no list here),
applied alone to a copy of the case: the file still parses (iacguard's parser, and PyYAML or
``json.loads``), keeps every comment and every character outside the edited spans, the re-run
no longer reports the finding, and ``terraform fmt -check`` still passes on a fixed ``.tf``
file that passed it before (when ``terraform`` is on PATH).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from iacguard.api import build_graph
from iacguard.core.certainty import Certainty
from iacguard.core.fixes import line_starts, offset
from iacguard.parse.comments import hcl_comments, yaml_comments
from iacguard.rules.registry import all_rules, run_rules
from iacguard.run.fixes import plan_fixes

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TEMPLATES = (".yaml", ".yml", ".json", ".template")
TERRAFORM = shutil.which("terraform")


def _cases() -> list[Path]:
    out = []
    for rule_dir in sorted(FIXTURES.iterdir()):
        if not rule_dir.is_dir() or rule_dir.name == "graph":
            continue
        for lang in ("terraform", "cloudformation"):
            base = rule_dir / lang
            if not base.is_dir():
                continue
            for entry in sorted(base.iterdir()):
                if entry.is_dir() or (
                    entry.suffix in TEMPLATES and not entry.name.endswith(".expected.json")
                ):
                    out.append(entry)
    return out


CASES = _cases()


def _options(case: Path) -> dict:
    spec = case / "expected.json" if case.is_dir() else case.with_name(case.stem + ".expected.json")
    if not spec.is_file():
        return {}
    loaded = json.loads(spec.read_text(encoding="utf-8"))
    return loaded.get("options", {}) if isinstance(loaded, dict) else {}


def _copy(case: Path, into: Path) -> str:
    """Copy the case into ``into`` (made the working directory); the path to check."""
    if case.is_dir():
        shutil.copytree(case, into / case.name)
    else:
        into.mkdir(parents=True, exist_ok=True)
        shutil.copy2(case, into / case.name)
    os.chdir(into)
    return case.name


def _findings(target: str, options: dict):
    graph = build_graph([target])
    reported = [
        f for f in run_rules(graph, all_rules(), options) if f.certainty >= Certainty.DEFAULT
    ]
    return graph, reported


def _ident(f) -> tuple:
    return (f.rule_id, f.root, f.address)


class _CfnLoader(yaml.SafeLoader):
    """PyYAML's safe loader that takes CloudFormation's short tags as plain nodes."""


def _any_tag(loader, suffix, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


_CfnLoader.add_multi_constructor("!", _any_tag)


def _comments(path: str, text: str) -> Counter:
    if path.endswith(".json"):
        return Counter()
    found = hcl_comments(text) if path.endswith((".tf", ".tfvars")) else yaml_comments(text)
    return Counter(c.text for c in found)


def _fmt_ok(path: str) -> bool:
    assert TERRAFORM is not None
    done = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-list=false", path], capture_output=True, check=False
    )
    return done.returncode == 0


def _check_bytes_outside(before: str, after: str, edits) -> None:
    """``after`` is ``before`` with exactly these edits: every character outside them kept."""
    starts = line_starts(before)
    placed = []
    for e in edits:
        s = e.span
        a = offset(starts, before, s.start_line, s.start_column)
        b = offset(starts, before, s.end_line, s.end_column)
        assert a is not None and b is not None and a <= b
        placed.append((a, b, e.new_text))
    placed.sort()
    pos = shift = 0
    for a, b, new in placed:
        assert after[pos + shift : a + shift] == before[pos:a]
        assert after[a + shift : a + shift + len(new)] == new
        # the text a fix removes never holds a comment
        assert not _comments("x.tf", before[a:b]) and "#" not in before[a:b]
        shift += len(new) - (b - a)
        pos = b
    assert after[pos + shift :] == before[pos:]


def _with_fixes(case: Path, tmp: Path) -> list[tuple[tuple, int]]:
    target = _copy(case, tmp / "scan")
    _, findings = _findings(target, _options(case))
    return [(_ident(f), i) for f in findings for i in range(len(f.fixes))]


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_every_fix_of_the_case(case: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    todo = _with_fixes(case, tmp_path)
    if not todo:
        pytest.skip("no finding of this case has a fix")
    options = _options(case)
    for n, (ident, which) in enumerate(todo):
        target = _copy(case, tmp_path / f"fix{n}")
        graph_before, findings = _findings(target, options)
        finding = next(f for f in findings if _ident(f) == ident)
        fix = finding.fixes[which]
        plan = plan_fixes([finding.with_(fixes=(fix,))], unsafe=True)
        assert plan.applied == 1 and not plan.skipped and not plan.errors, fix.title
        assert plan.changes, fix.title
        fmt_before = {
            c.path: _fmt_ok(c.path) for c in plan.changes if TERRAFORM and c.path.endswith(".tf")
        }
        for change in plan.changes:
            Path(change.path).write_bytes(change.after)
        for change in plan.changes:
            before = change.before.decode("utf-8")
            after = change.after.decode("utf-8")
            edits = [e for e in fix.edits if e.span.path == change.path]
            _check_bytes_outside(before, after, edits)
            assert _comments(change.path, after) == _comments(change.path, before), fix.title
            if change.path.endswith(".json"):
                json.loads(after)
            elif change.path.endswith((".yaml", ".yml", ".template")):
                yaml.load(after, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
            if fmt_before.get(change.path):
                assert _fmt_ok(change.path), f"terraform fmt -check fails after: {fix.title}"
        graph_after, again = _findings(target, options)
        # the fixed file parses as well as before: no new file error
        assert {e.message for e in graph_after.errors} <= {e.message for e in graph_before.errors}
        assert ident not in {_ident(f) for f in again if f.rule_id == ident[0]}, (
            f"{fix.title}: {ident} still reported"
        )


def test_each_fixable_rule_has_a_fix_in_both_languages(tmp_path: Path, monkeypatch):
    """The fixes above are not vacuous: KMS001, KMS002, BKP003 and KMS003 offer one on a
    Terraform and on a CloudFormation fixture."""
    monkeypatch.chdir(tmp_path)
    seen: set[tuple[str, str]] = set()
    for n, case in enumerate(CASES):
        for (rule, _, _), _ in _with_fixes(case, tmp_path / f"c{n}"):
            seen.add((rule, case.parent.name))
        os.chdir(tmp_path)
    wanted = {
        (rule, lang)
        for rule in ("KMS001", "KMS002", "BKP003", "KMS003")
        for lang in ("terraform", "cloudformation")
    }
    assert wanted <= seen, wanted - seen
