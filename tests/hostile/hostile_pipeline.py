"""Run the real pipeline (discover -> evaluate -> rules) and check a case's expectations."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hostile_cases import SOME_LINE, Case, Expect

from iacguard.api import evaluate
from iacguard.core.located import FileError, Located
from iacguard.discover import DEFAULT_MAX_FILE_SIZE, discover
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.model import Graph


@dataclass(frozen=True)
class Run:
    graph: Graph
    findings: tuple[Any, ...]
    seconds: float

    def finding_keys(self) -> set[tuple[str, str, str]]:
        return {(f.rule_id, f.address, f.location.path) for f in self.findings}

    def describe(self) -> str:
        lines = ["errors:"]
        lines += [f"  {e}" for e in self.graph.errors]
        lines.append("notes:")
        lines += [f"  {_note_path(n)}:{_note_line(n)}: {n.message}" for n in self.graph.notes]
        lines.append("findings:")
        lines += [f"  {k}" for k in sorted(self.finding_keys())]
        return "\n".join(lines)


def run_pipeline(
    paths: Sequence[str] = (".",),
    *,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    time_budget: float | None = None,
    scan_root: str = ".",
) -> Run:
    """The same steps as ``iacguard check``, in-process: discovery, evaluation, all rules."""
    from pathlib import Path

    from iacguard.rules.registry import all_rules, run_rules

    started = time.monotonic()
    found = discover(list(paths), max_file_size=max_file_size)
    options = EvalOptions(scan_root=str(Path(scan_root).resolve()), max_file_size=max_file_size)
    if time_budget is not None:
        from iacguard.core.records import replace

        options = replace(options, time_budget=time_budget)
    graph = evaluate(found, options)
    findings = tuple(run_rules(graph, all_rules()))
    return Run(graph, findings, time.monotonic() - started)


def _note_path(note: Located) -> str | None:
    return note.span.path if note.span else None


def _note_line(note: Located) -> int | None:
    return note.span.start_line if note.span else None


def _line_ok(expect: Expect, line: int | None) -> bool:
    if expect.line is None:
        return True
    if expect.line == SOME_LINE:
        return line is not None and line >= 1
    return line == expect.line


def matches_error(expect: Expect, error: FileError) -> bool:
    return (
        error.path == expect.path
        and re.search(expect.pattern, error.message, re.IGNORECASE) is not None
        and _line_ok(expect, error.line)
    )


def matches_note(expect: Expect, note: Located) -> bool:
    if re.search(expect.pattern, note.message, re.IGNORECASE) is None:
        return False
    if note.span is not None:
        return note.span.path == expect.path and _line_ok(expect, note.span.start_line)
    # discovery notes carry no span: the path leads the message
    return note.message.startswith(expect.path + ":") and expect.line in (None,)


def reported(expect: Expect, graph: Graph) -> bool:
    if expect.kind in ("error", "either") and any(matches_error(expect, e) for e in graph.errors):
        return True
    if expect.kind in ("note", "either") and any(matches_note(expect, n) for n in graph.notes):
        return True
    return False


def internal_errors(graph: Graph) -> list[FileError]:
    """Errors that are bugs, not verdicts on the input."""
    return [e for e in graph.errors if "internal error" in e.message]


def check_case(case: Case, run: Run) -> list[str]:
    """Every way ``run`` falls short of ``case``'s expectations (empty: all met)."""
    problems = []
    for expect in case.expect:
        if not reported(expect, run.graph):
            where = "" if expect.line is None else f" at line {expect.line}"
            problems.append(
                f"{case.name}: no {expect.kind} for {expect.path}{where}"
                f" matching /{expect.pattern}/"
            )
    keys = run.finding_keys()
    for good in case.good:
        if good not in keys:
            problems.append(f"{case.name}: good finding {good} missing")
    for err in internal_errors(run.graph):
        problems.append(f"{case.name}: internal error {err}")
    if case.never_read:
        dumped = json.dumps(run.graph.to_json(), default=str)
        for text in case.never_read:
            if text in dumped:
                problems.append(f"{case.name}: {text!r} was read into the graph")
    return problems


def run_direct(
    paths: Sequence[str],
    options: EvalOptions,
    rules: Sequence[Any] | None = None,
    *,
    write_reports_to: str | None = None,
) -> tuple[Graph, list[Any]]:
    """The pipeline WITHOUT the guard: an evaluator's exception propagates with its traceback.

    Used by the property tests and scripts/fuzz.py, where an exception is the bug to report.
    Also renders the graph and the findings to JSON, as reporters do; with
    ``write_reports_to`` (a file path), writes the report in every output format there through
    the command line's own writer, as a run does (an unencodable report is the bug then).
    """
    from iacguard.rules.registry import all_rules, run_rules

    found = discover(list(paths), max_file_size=options.max_file_size)
    graphs = [Graph(errors=tuple(found.errors), notes=tuple(found.notes))]
    if found.modules:
        from iacguard.evaluate.terraform.root import evaluate_modules

        graphs.append(evaluate_modules(found.modules, options))
    if found.templates:
        from iacguard.evaluate.cloudformation.template import evaluate_template

        graphs.extend(evaluate_template(t, options) for t in found.templates)
    if found.tfplans:
        from iacguard.evaluate.tfplan import evaluate_tfplan

        graphs.extend(evaluate_tfplan(p, options) for p in found.tfplans)
    graph = Graph.merge(graphs)
    findings = run_rules(graph, all_rules() if rules is None else rules)
    json.dumps(graph.to_json(), default=_no_default)
    json.dumps([f.to_json() for f in findings], default=_no_default)
    if write_reports_to is not None:
        from iacguard.api import assemble
        from iacguard.cli import _write_with
        from iacguard.report import FORMATS, write
        from iacguard.run.topology import build_chains

        chains = build_chains(graph, findings)  # the picture formats draw them
        report = assemble(findings, errors=graph.errors, notes=graph.notes, files=1, chains=chains)
        for fmt in FORMATS:
            _write_with(write_reports_to, lambda fh, fmt=fmt: write(report, fmt, fh))
    return graph, findings


def _no_default(obj: Any) -> Any:
    raise TypeError(f"not JSON serialisable in the output: {type(obj).__name__}: {obj!r}"[:300])
