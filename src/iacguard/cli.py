"""Command line: arguments -> api calls. No logic of its own beyond exit codes.

Imports are lazy so that ``iacguard --version`` (and a pre-commit run's start-up) stay cheap.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with one line, as ruff does
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"iacguard: error: {message}\n")


def _version() -> str:
    from iacguard import __version__

    return f"iacguard {__version__}"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="iacguard",
        description="Lint Terraform and CloudFormation for broken AWS Backup encryption.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    graph = sub.add_parser("graph", help="print the resource graph")
    graph.add_argument("paths", nargs="*", help="files or directories (default: .)")
    graph.add_argument("--format", choices=("json", "dot", "mermaid"), default="json")
    graph.add_argument("--var-file", action="append", default=[], metavar="FILE",
                       help="extra Terraform tfvars file (repeatable)")
    graph.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        print(_version())
        return EXIT_OK
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "graph":
            return _cmd_graph(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, no traceback, unless --debug
        if getattr(args, "debug", False):
            raise
        print(f"iacguard: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser.error(f"unknown command {args.command!r}")
    return EXIT_USAGE


def _cmd_graph(args: argparse.Namespace) -> int:
    from iacguard.api import build_graph
    from iacguard.report.graph_formats import render_graph

    graph = build_graph(args.paths, var_files=args.var_file)
    sys.stdout.write(render_graph(graph, args.format))
    return EXIT_FINDINGS if graph.errors else EXIT_OK
