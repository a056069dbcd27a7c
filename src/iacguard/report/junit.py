"""``junit``: JUnit XML, one testsuite per rule and one testcase per (rule, resource).

A resource with findings is a failed testcase (file and line in the message and in the
``file`` / ``line`` attributes); a rule that found nothing is one passing testcase; file
errors are errored testcases of a testsuite named ``iacguard``. Notes on what was not evaluated
are skipped testcases of a testsuite ``iacguard notes``, one per kind (``remote-module``,
``data-source``, ``skipped``, ``other``), the notes listed in its ``system-out``: Jenkins and
GitLab count them as skipped, so such a run does not look clean.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from iacguard.core.findings import Finding
from iacguard.core.notes import KINDS, note_kind
from iacguard.report.common import note_phrase

#: characters XML 1.0 cannot carry at all (input files may put them in names and messages)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(tree: ET.Element) -> None:
    for el in tree.iter():
        for k, v in el.attrib.items():
            el.set(k, _NOT_XML.sub("\ufffd", v))
        if el.text:
            el.text = _NOT_XML.sub("\ufffd", el.text)


def classname(rule_id: str, root: str) -> str:
    """``RULE.root.as.dotted.name``: Jenkins splits a classname at its last dot into package and
    class, GitLab shows it whole, so neither ``/`` nor a file suffix's dot may appear in a part
    (``cfn/template.yaml`` -> ``BKP001.cfn.template_yaml``); the root ``.`` is just the rule."""
    parts = [p for p in root.replace("\\", "/").split("/") if p not in ("", ".")]
    parts = ["up" if p == ".." else re.sub(r"[^A-Za-z0-9_-]", "_", p) for p in parts]
    return ".".join([rule_id, *parts])


def _failure_text(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        loc = f.location
        lines.append(
            f"{loc.path}:{loc.start_line}:{loc.start_column}: [{f.certainty.label}] {f.message}"
        )
        for hop in f.evidence:
            where = f"{hop.span.path}:{hop.span.start_line}" if hop.span else "-"
            lines.append(f"    {where} {hop.message}")
        if f.fix:
            lines.append(f"    fix: {f.fix}")
    return "\n".join(lines)


def _notes_suite(root: ET.Element, notes) -> int:
    """The notes as skipped testcases of a testsuite ``iacguard notes``, one per kind (the
    notes themselves in its ``system-out``); returns how many testcases."""
    by_kind: dict[str, list] = {}
    for note in notes:
        by_kind.setdefault(note_kind(note), []).append(note)
    if not by_kind:
        return 0
    suite = ET.SubElement(root, "testsuite", name="iacguard notes")
    for kind in KINDS:
        found = by_kind.get(kind)
        if not found:
            continue
        case = ET.SubElement(suite, "testcase", name=kind, classname="iacguard.notes")
        ET.SubElement(case, "skipped", message=note_phrase(kind, len(found)))
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(
            (f"{n.span.path}:{n.span.start_line}: " if n.span else "") + n.message for n in found
        )
    suite.set("tests", str(len(suite)))
    suite.set("failures", "0")
    suite.set("errors", "0")
    suite.set("skipped", str(len(suite)))
    return len(suite)


def render(report) -> str:
    by_rule: dict[str, dict[tuple[str, str], list[Finding]]] = {}
    names: dict[str, str] = {r.id: r.name for r in report.rules}
    for r in report.rules:
        by_rule.setdefault(r.id, {})
    for f in report.live:
        names.setdefault(f.rule_id, f.rule_name)
        by_rule.setdefault(f.rule_id, {}).setdefault((f.root, f.address), []).append(f)

    root = ET.Element("testsuites", name="iacguard")
    total_tests = total_failures = total_errors = 0
    for rule_id in sorted(by_rule):
        cases = by_rule[rule_id]
        suite = ET.SubElement(root, "testsuite", name=f"{rule_id} {names[rule_id]}")
        failures = 0
        if not cases:
            ET.SubElement(suite, "testcase", name="no findings", classname=rule_id)
        for (res_root, address), found in sorted(cases.items()):
            first = found[0]
            case = ET.SubElement(
                suite,
                "testcase",
                name=address,
                classname=classname(rule_id, res_root),
                file=first.location.path,
                line=str(first.location.start_line),
            )
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{first.location.path}:{first.location.start_line}: {first.message}",
                type=f"{rule_id} {first.severity.label}",
            )
            failure.text = _failure_text(found)
            failures += 1
        tests = max(len(cases), 1)
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total_tests += tests
        total_failures += failures
    if report.errors:
        suite = ET.SubElement(root, "testsuite", name="iacguard")
        for e in report.errors:
            attrs = {"name": e.path, "classname": "iacguard.file-error", "file": e.path}
            if e.line is not None:
                attrs["line"] = str(e.line)
            case = ET.SubElement(suite, "testcase", attrs)
            err = ET.SubElement(case, "error", message=str(e), type="file-error")
            err.text = str(e)
        suite.set("tests", str(len(report.errors)))
        suite.set("failures", "0")
        suite.set("errors", str(len(report.errors)))
        total_tests += len(report.errors)
        total_errors += len(report.errors)
    skipped = _notes_suite(root, report.notes)
    total_tests += skipped
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", str(total_errors))
    if skipped:
        root.set("skipped", str(skipped))
    _clean(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
