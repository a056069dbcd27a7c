"""The parse floor: discover and parse every file of a tree, in one process, nothing else.

    python bench/parse_only.py DIR

Same files as ``iacguard check DIR`` reads: every Terraform file (``parse_hcl`` /
``parse_tf_json``), tfvars (``parse_tfvars``), CloudFormation template (``load_template``) and
plan (``load_plan``) that discovery finds. Prints one JSON line: files parsed, parse errors,
seconds spent parsing (in-process, excluding start-up) and seconds for the whole process so
far. bench/run.py also times the whole process from outside.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    root = argv[0] if argv else "."
    from iacguard.discover import discover
    from iacguard.evaluate.options import EvalOptions
    from iacguard.parse.cfn_yaml import load_template
    from iacguard.parse.hcl import parse_hcl
    from iacguard.parse.hcl_json import parse_tf_json
    from iacguard.parse.tfvars import parse_tfvars

    try:
        from iacguard.parse.tfplan import load_plan
    except ImportError:  # pragma: no cover - plan parser not there yet
        load_plan = None

    limits = EvalOptions()
    os.chdir(root)
    found = discover(["."])
    t0 = time.perf_counter()
    files = errors = 0
    seen_vars: set[str] = set()
    for module in found.modules:
        for path in module.files:
            with open(path, "rb") as fh:
                data = fh.read()
            parsed = parse_tf_json(data, path) if path.endswith(".json") else parse_hcl(data, path)
            files += 1
            errors += len(parsed.errors)
        for path in module.var_files:
            if path in seen_vars:
                continue
            seen_vars.add(path)
            with open(path, "rb") as fh:
                data = fh.read()
            _, errs = parse_tfvars(data, path)
            files += 1
            errors += len(errs)
    for path in found.templates:
        doc = load_template(path, max_file_size=limits.max_file_size, max_depth=limits.max_depth)
        files += 1
        errors += len(doc.errors)
    if load_plan is not None:
        for path in found.plans:
            doc = load_plan(path, max_file_size=limits.max_file_size, max_depth=limits.max_depth)
            files += 1
            errors += len(doc.errors)
    now = time.perf_counter()
    print(
        json.dumps(
            {
                "files": files,
                "parse_errors": errors,
                "parse_seconds": round(now - t0, 4),
                "process_seconds": round(now - started, 4),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
