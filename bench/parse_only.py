"""The parse floor: read and parse every input file of a tree with the C parsers, nothing else.

    python bench/parse_only.py DIR

The floor iacguard is measured against (issue 12): in one process, every ``.tf`` and
``.tfvars`` file parsed by tree-sitter-hcl (the tree is built, never walked), every YAML
template loaded by PyYAML's C loader (``CSafeLoader``, CloudFormation's short tags such as
``!Ref`` taken as plain values) and every JSON file (templates, ``.tf.json``, plans) by
``json.loads``. It uses none of iacguard's code: the files are found by walking DIR, skipping
``.git`` and ``.terraform`` as discovery does, and ``manifest.json`` (the generator's record). So
this is what "simply parsing the same input" costs; bench/run.py times the whole process
(interpreter start and imports included) from outside, as it times iacguard.

Prints one JSON line: files parsed, files that failed to parse, seconds spent parsing
(in-process, excluding start-up) and seconds for the whole process so far.
"""

from __future__ import annotations

import json
import os
import sys
import time

SKIP_DIRS = {".git", ".terraform"}
HCL = (".tf", ".tfvars")
YAML = (".yaml", ".yml", ".template")


def _loader() -> type:
    import yaml

    class Loader(yaml.CSafeLoader):  # type: ignore[name-defined,misc]
        """The C loader, with any ``!Tag`` taken as the plain value it tags."""

    def tagged(loader: yaml.CSafeLoader, suffix: str, node: yaml.Node) -> object:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    Loader.add_multi_constructor("!", tagged)
    return Loader


def files_of(root: str) -> list[str]:
    """Every input file under ``root``, in a stable order."""
    out: list[str] = []
    for here, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(names):
            if name == "manifest.json":
                continue
            if name.endswith(HCL + YAML) or name.endswith(".json"):
                out.append(os.path.join(here, name))
    return out


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    root = argv[0] if argv else "."
    import tree_sitter
    import tree_sitter_hcl
    import yaml

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
    loader = _loader()
    t0 = time.perf_counter()
    files = errors = 0
    for path in files_of(root):
        with open(path, "rb") as fh:
            data = fh.read()
        files += 1
        try:
            if path.endswith(HCL):
                errors += parser.parse(data).root_node.has_error
            elif path.endswith(YAML):
                yaml.load(data, Loader=loader)  # noqa: S506 - the C safe loader
            else:
                json.loads(data)
        except (ValueError, yaml.YAMLError):
            errors += 1
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
