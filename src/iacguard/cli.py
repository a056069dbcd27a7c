"""Command line: arguments -> api calls. No logic of its own beyond exit codes.

Imports are lazy so that ``iacguard --version`` (and a pre-commit run's start-up) stay cheap.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: argparse and typing cost more than `--version` itself
    import argparse
    from collections.abc import Sequence
    from typing import Any

    from iacguard.config.model import Config

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

OUTPUT_FORMATS = (
    "full",
    "concise",
    "json",
    "sarif",
    "junit",
    "github",
    "gitlab",
    "markdown",
    "html",
)
#: formats that draw the backup chains (the run computes them only for these)
PICTURE_FORMATS = frozenset({"markdown", "html"})
CERTAINTIES = ("definite", "default", "possible")
SEVERITIES = ("low", "medium", "high", "critical")


class UsageError(Exception):
    """Bad usage found after parsing (a --report value, an unknown rule): exit 2."""


def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # exit 2 with one line, as ruff does
            self.exit(EXIT_USAGE, f"iacguard: error: {message} (see `{self.prog} --help`)\n")

    return _Parser


def _version() -> str:
    from iacguard import __version__

    return f"iacguard {__version__}"


def _positive_int(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {text}")
    return value


def _add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", help="files or directories (default: .)")
    p.add_argument("--config", metavar="FILE", help="use this config file (no discovery)")
    p.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="RULES",
        help="rules to run: ids, names or prefixes, comma-separated (repeatable)",
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="RULES",
        help="rules to skip: ids, names or prefixes, comma-separated (repeatable)",
    )
    p.add_argument(
        "--min-certainty",
        choices=CERTAINTIES,
        help="report findings at least this certain (default: default)",
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOBS",
        help="gitignore-style globs not to check, replacing the config's exclude (repeatable)",
    )
    p.add_argument(
        "--extend-exclude",
        action="append",
        default=[],
        metavar="GLOBS",
        help="globs not to check, in addition to the config's exclude (repeatable)",
    )
    p.add_argument(
        "--force-exclude",
        action="store_true",
        help="exclude matching files even when named on the command line (pre-commit)",
    )
    p.add_argument(
        "--var-file",
        action="append",
        default=[],
        metavar="FILE",
        help="extra Terraform tfvars file (repeatable)",
    )
    p.add_argument(
        "--ignore-suppressions",
        action="store_true",
        help="report suppressed findings as live (audits)",
    )
    p.add_argument(
        "--max-file-size",
        type=_positive_int,
        metavar="BYTES",
        help="skip (and report) files larger than this",
    )
    p.add_argument(
        "--jobs",
        type=_positive_int,
        metavar="N",
        help="evaluate in N processes (default: decided by input size)",
    )
    p.add_argument(
        "--cache",
        action="store_true",
        help="cache parsed Terraform files in the user cache directory (off by default)",
    )
    p.add_argument("--cache-dir", metavar="DIR", help="cache parsed Terraform files in DIR")
    p.add_argument("--no-cache", action="store_true", help="no parse cache (overrides both)")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    p.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print findings and errors only: no summary, no progress",
    )


def _add_check(check: argparse.ArgumentParser) -> None:
    _add_selection(check)
    check.add_argument(
        "--output-format", choices=OUTPUT_FORMATS, help="full on a terminal, concise otherwise"
    )
    check.add_argument("--output-file", metavar="PATH", help="write the report to PATH")
    check.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FORMAT=PATH",
        help="also write FORMAT to PATH (repeatable)",
    )
    check.add_argument(
        "--fail-on", choices=SEVERITIES, help="lowest severity that fails the run (default: low)"
    )
    check.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even with findings (2 still means the run failed)",
    )
    check.add_argument("--statistics", action="store_true", help="print counts per rule")
    check.add_argument(
        "--show-config",
        action="store_true",
        help="print the effective settings and where each came from",
    )
    check.add_argument("--baseline", metavar="FILE", help="report only findings not in FILE")
    check.add_argument(
        "--diff-base", metavar="REF", help="report only findings in files changed since git REF"
    )
    check.add_argument(
        "--repo-root",
        metavar="DIR",
        help="SARIF, github and gitlab paths relative to DIR (default: the git work tree)",
    )
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="with the path '-': read the file PATH from standard input, checked with its "
        "module from disk (editor integrations)",
    )
    check.add_argument("--fix", action="store_true", help="apply the safe fixes, then report")
    check.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff: the unsafe fixes too"
    )
    check.add_argument(
        "--diff", action="store_true", help="print the fixes as a diff; change nothing"
    )


def _add_baseline(base: argparse.ArgumentParser) -> None:
    _add_selection(base)
    base.add_argument("--output", "-o", required=True, metavar="FILE")


def _add_rule(rule: argparse.ArgumentParser) -> None:
    rule.add_argument("rule", metavar="ID_OR_NAME")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")


def _add_rules(rules: argparse.ArgumentParser) -> None:
    rules.add_argument("--output-format", choices=("text", "json"), default="text")


def _add_nothing(_: argparse.ArgumentParser) -> None:
    pass


def _add_graph(graph: argparse.ArgumentParser) -> None:
    graph.add_argument("paths", nargs="*", help="files or directories (default: .)")
    graph.add_argument(
        "--output-format",
        "--format",
        dest="format",
        choices=("json", "dot", "mermaid"),
        default="json",
        help="json (default), dot or mermaid",
    )
    graph.add_argument(
        "--var-file",
        action="append",
        default=[],
        metavar="FILE",
        help="extra Terraform tfvars file (repeatable)",
    )
    graph.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


#: every command: its one-line help and what adds its arguments
COMMANDS = {
    "check": ("lint files and directories", _add_check),
    "baseline": ("write the current findings to a baseline file", _add_baseline),
    "rule": ("print a rule's documentation", _add_rule),
    "rules": ("list the rules", _add_rules),
    "config-schema": (
        "print the configuration's JSON schema (for editors: taplo, Even Better TOML)",
        _add_nothing,
    ),
    "lsp": (
        "run the language server on stdin/stdout (needs the 'lsp' extra: pygls)",
        _add_nothing,
    ),
    "graph": ("print the resource graph", _add_graph),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with ``only``, the other commands are listed (for the
    top-level help and errors) without their arguments, which that run never reads (a
    pre-commit run builds what it parses: argparse makes a help formatter per argument)."""
    _Parser = _parser_class()
    parser = _Parser(
        prog="iacguard",
        description="Lint Terraform and CloudFormation for broken AWS Backup encryption.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name, (help_text, add_arguments) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        if only is None or name == only:
            add_arguments(command)
        # an unknown flag is found by the top parser: its message names the command's --help
        command.set_defaults(usage_owner=command)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs (its first word: the top level has no option with a value),
    None when that is not a command (argparse then reports it with every command built)."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    if given == ["--version"]:  # the cheap path: no argparse, nothing of the package
        print(_version())
        return EXIT_OK
    parser = build_parser(_command_in(given))
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            owner = getattr(args, "usage_owner", parser)
            owner.error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:  # --help, or bad usage (already reported on one line)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.version:
        print(_version())
        return EXIT_OK
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    commands = {
        "check": _cmd_check,
        "baseline": _cmd_baseline,
        "rule": _cmd_rule,
        "rules": _cmd_rules,
        "graph": _cmd_graph,
        "config-schema": _cmd_config_schema,
        "lsp": _cmd_lsp,
    }
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `iacguard rules | head`: the reader left (check keeps its verdict)
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - one line, no traceback, unless --debug
        if getattr(args, "debug", False):
            raise
        print(f"iacguard: {_describe(exc)}", file=sys.stderr)
        return EXIT_USAGE


def _describe(exc: Exception) -> str:
    """One line for stderr: usage and config problems as they are, anything else a bug."""
    from iacguard.api import CheckError

    known: tuple[type[Exception], ...] = (UsageError, CheckError)
    try:
        from iacguard.config.model import ConfigError

        known += (ConfigError,)
    except ImportError:
        pass
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, known):
        return f"error: {text}"
    return f"internal error: {type(exc).__name__}: {text} (run with --debug for a traceback)"


# ----------------------------------------------------------------------------- check


def _split(values: Sequence[str]) -> list[str]:
    return [v.strip() for raw in values for v in raw.split(",") if v.strip()]


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.select:
        out["select"] = _split(args.select)
    if args.ignore:
        out["ignore"] = _split(args.ignore)
    if args.min_certainty:
        out["min-certainty"] = args.min_certainty
    if getattr(args, "fail_on", None):
        out["fail-on"] = args.fail_on
    if args.exclude:
        out["exclude"] = _split(args.exclude)
    if args.extend_exclude:
        out["extend-exclude"] = _split(args.extend_exclude)
    return out


def _load_config(args: argparse.Namespace) -> Config:
    from iacguard.config.load import load_config

    paths = [str(p) for p in args.paths] or ["."]
    return load_config(paths, explicit=args.config, overrides=_overrides(args))


def _reports(values: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for value in values:
        fmt, sep, path = value.partition("=")
        if not sep or not path:
            raise UsageError(f"--report expects FORMAT=PATH, got {value!r}")
        if fmt not in OUTPUT_FORMATS:
            raise UsageError(
                f"--report: unknown format {fmt!r} (expected {', '.join(OUTPUT_FORMATS)})"
            )
        out.append((fmt, path))
    return out


def _use_color(args: argparse.Namespace, stream: Any) -> bool:
    """``--color`` decides; with ``auto``, a non-empty ``FORCE_COLOR`` turns colour on (and wins
    over ``NO_COLOR``, as Node and most CLIs do), a non-empty ``NO_COLOR`` off, else a terminal
    gets colour (no-color.org, force-color.org)."""
    if args.color == "always":
        return True
    if args.color == "never":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _run_check(
    args: argparse.Namespace,
    config: Config,
    *,
    machine: bool,
    use_baseline: bool,
    stdin: dict[str, Any] | None = None,
    topology: bool = False,
):
    from iacguard import api
    from iacguard.run.progress import Progress, wanted

    kwargs: dict[str, Any] = {
        **(stdin or {}),
        "var_files": args.var_file,
        "ignore_suppressions": args.ignore_suppressions,
        "max_file_size": args.max_file_size,
        "jobs": args.jobs,
        "cache_dir": args.cache_dir,
        "use_cache": False if args.no_cache else (True if args.cache else None),
    }
    if args.force_exclude:
        kwargs["force_exclude"] = True
    if topology:
        kwargs["topology"] = True
    if use_baseline:
        kwargs["baseline"] = args.baseline
        kwargs["diff_base"] = args.diff_base
        if args.repo_root is not None:
            if not os.path.isdir(args.repo_root):
                raise UsageError(f"--repo-root {args.repo_root}: not a directory")
            kwargs["repo_root"] = args.repo_root
    if wanted(sys.stderr, machine_format=machine, quiet=args.quiet):
        with Progress(sys.stderr) as progress:
            return api.check(args.paths, config, progress=progress, **kwargs)
    return api.check(args.paths, config, **kwargs)


def _cmd_check(args: argparse.Namespace) -> int:
    stdin = _stdin_input(args)
    if stdin is None:
        return _check_and_report(args)
    from iacguard.core.files import overlay

    with overlay(stdin["overlay"]):  # the report quotes the text read, not the file on disk
        return _check_and_report(args, stdin)


def _stdin_input(args: argparse.Namespace) -> dict[str, Any] | None:
    """``check - --stdin-filename PATH`` (or ``--stdin-filename PATH`` alone): the text of PATH
    read from standard input, as ``api.check`` keywords (the overlay, and the working directory
    to find the callers of its module in when PATH is below it); ``args.paths`` becomes
    ``[PATH]``. None when standard input is not read."""
    paths = [str(p) for p in args.paths]
    if "-" not in paths and args.stdin_filename is None:
        return None
    if args.stdin_filename is None:
        raise UsageError(
            "reading standard input ('-') needs --stdin-filename PATH: its name decides the "
            "language and the module the text belongs to"
        )
    if getattr(args, "fix", False) or getattr(args, "diff", False):
        raise UsageError("--fix and --diff change files: not with standard input")
    if paths not in ([], ["-"]):
        raise UsageError(
            "--stdin-filename checks one file read from standard input: give '-' alone"
        )
    name = args.stdin_filename
    from iacguard.discover import DATA_SUFFIXES, TF_SUFFIXES

    if not name.endswith((*TF_SUFFIXES, ".tfvars", ".tfvars.json", *DATA_SUFFIXES)):
        raise UsageError(
            f"--stdin-filename {name}: not a Terraform (.tf, .tf.json, .tfvars) or "
            "CloudFormation/plan (.yaml, .yml, .json, .template, .cfn) file name"
        )
    if os.path.isdir(name):
        raise UsageError(f"--stdin-filename {name}: a directory, not a file")
    data = sys.stdin.buffer.read()
    args.paths = [name]
    here = os.path.abspath(os.getcwd())
    below = os.path.abspath(name).startswith(here.rstrip(os.sep) + os.sep)
    return {"overlay": {name: data}, "callers_from": here if below else None}


def _check_and_report(args: argparse.Namespace, stdin: dict[str, Any] | None = None) -> int:
    from iacguard.report import MACHINE_FORMATS, render, write

    extra = _reports(args.report)
    config = _load_config(args)
    if args.show_config:
        from iacguard.config.show import show_config

        sys.stdout.write(show_config(config).rstrip("\n") + "\n")
        return EXIT_OK
    to_file = args.output_file is not None
    _safe_stdout()
    fmt = args.output_format or ("full" if not to_file and sys.stdout.isatty() else "concise")
    if args.statistics and fmt not in STATISTICS_FORMATS:
        raise UsageError(
            f"--statistics prints text or JSON, not {fmt}: use --output-format concise or json "
            "(--report FORMAT=PATH still writes other formats)"
        )
    pictures = fmt in PICTURE_FORMATS or any(f in PICTURE_FORMATS for f, _ in extra)
    report = _run_check(
        args,
        config,
        machine=fmt in MACHINE_FORMATS,
        use_baseline=True,
        stdin=stdin,
        topology=pictures,
    )
    fixed = None
    if args.fix or args.diff or args.unsafe_fixes:
        fixed = _fix(
            args, config, report, machine=fmt in MACHINE_FORMATS, stdin=stdin, topology=pictures
        )
        if isinstance(fixed, int):  # --diff: the diff is the output
            return fixed
        report = fixed[0]
    code = report.exit_code(exit_zero=args.exit_zero)
    if fixed is not None and fixed[2] and not args.exit_zero:
        code = max(code, EXIT_FINDINGS)  # a fix that could not be written
    if not args.quiet:
        _warn_if_nothing_checked(report, args.paths)
    try:
        _write_main(report, fmt, args, to_file)
    except BrokenPipeError:  # `iacguard check | head`: the reader left; the verdict stands
        _silence_stdout()
    if fixed is not None:
        stream = sys.stdout if fmt not in MACHINE_FORMATS and not to_file else sys.stderr
        print(fixed[1], file=stream)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    # `--report markdown=$GITHUB_STEP_SUMMARY` writes the summary itself (with the diagrams)
    if (
        fmt == "github"
        and not args.statistics
        and summary_file
        and (("markdown", summary_file) not in extra)
    ):
        _append_step_summary(report, summary_file)
    for extra_fmt, path in extra:
        if extra_fmt in STREAMED_FORMATS:
            _write_with(path, lambda fh, f=extra_fmt: write(report, f, fh))
        else:
            _write(path, render(report, extra_fmt, color=False, quiet=args.quiet))
    return code


def _fix(
    args: argparse.Namespace,
    config: Config,
    report: Any,
    *,
    machine: bool,
    stdin: dict[str, Any] | None = None,
    topology: bool = False,
) -> Any:
    """``--fix`` / ``--diff`` (ruff's): with ``--diff`` the diff of the fixes on stdout, exit 1
    when there is one, nothing written; with ``--fix`` the fixes written, pass after pass, and
    the files checked again: (the new report, the "N fixes applied" line, whether a file could
    not be read or written)."""
    from iacguard.run.fixes import fix_in_place, plan_fixes, render_diff, summary_line

    if not (args.fix or args.diff):
        raise UsageError("--unsafe-fixes applies with --fix or --diff")
    if args.diff:
        plan = plan_fixes(report.findings, unsafe=args.unsafe_fixes)
        _fix_problems(plan.skipped, plan.errors)
        sys.stdout.write(render_diff(plan))
        sys.stdout.flush()
        noun = "fix" if plan.applied == 1 else "fixes"
        line = f"would apply {plan.applied} {noun}"
        if plan.unsafe_available:
            line += f" ({plan.unsafe_available} unsafe available with --unsafe-fixes)"
        if not args.quiet:
            print(f"iacguard: {line}", file=sys.stderr)
        return EXIT_FINDINGS if plan.changes else EXIT_OK
    done = fix_in_place(
        report,
        lambda: _run_check(
            args, config, machine=machine, use_baseline=True, stdin=stdin, topology=topology
        ),
        unsafe=args.unsafe_fixes,
    )
    _fix_problems(done.skipped, done.errors)
    line = summary_line(done.applied, done.unsafe_available)
    return done.report, line, bool(done.errors)


def _fix_problems(skipped: Any, errors: Any) -> None:
    for finding, _unused, reason in skipped:
        print(
            f"iacguard: {finding.location}: {finding.rule_id} fix not applied: {reason}",
            file=sys.stderr,
        )
    for error in errors:
        print(f"iacguard: {error}", file=sys.stderr)


def _append_step_summary(report: Any, path: str) -> None:
    """GitHub Actions' job summary: the ``github`` format appends every finding as Markdown
    (annotations show only 10 of each kind per step)."""
    from iacguard.report.step_summary import render

    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(render(report))
    except OSError as exc:
        print(f"iacguard: warning: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)


def _warn_if_nothing_checked(report: Any, paths: Sequence[str]) -> None:
    """A run that checked nothing exits 0, as ruff's does, but says so on stderr: an empty
    directory, a path with no Terraform/CloudFormation in it, or a selection of no rules."""
    if report.summary.files == 0 and not report.errors:
        where = ", ".join(paths) if paths else "."
        print(
            f"iacguard: warning: no Terraform, CloudFormation or plan files found in {where}",
            file=sys.stderr,
        )
    elif not report.rules:
        print("iacguard: warning: no rules selected (check --select / --ignore)", file=sys.stderr)


def _write_main(report: Any, fmt: str, args: argparse.Namespace, to_file: bool) -> None:
    """The report in ``fmt`` to ``--output-file`` or stdout."""
    from iacguard.report import render, write

    if args.statistics:
        main_text = _statistics(report, fmt)
        if to_file:
            _write(args.output_file, main_text)
        else:
            sys.stdout.write(main_text)
    elif fmt in STREAMED_FORMATS:  # large reports: written as they are encoded
        if to_file:
            _write_with(args.output_file, lambda fh: write(report, fmt, fh))
        else:
            write(report, fmt, sys.stdout)
    else:
        color = not to_file and _use_color(args, sys.stdout)
        main_text = render(report, fmt, color=color, quiet=args.quiet)
        if to_file:
            _write(args.output_file, main_text)
        else:
            sys.stdout.write(main_text)
    if not to_file:
        sys.stdout.flush()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


#: the formats --statistics can print (the text formats print one table)
STATISTICS_FORMATS = frozenset({"full", "concise", "json"})

#: formats written piece by piece (report.write): their text is never held whole in memory
STREAMED_FORMATS = frozenset({"json", "sarif"})


def _statistics(report: Any, fmt: str) -> str:
    """Counts per rule, most frequent first (``ruff --statistics``)."""
    counts: dict[str, list[Any]] = {}
    for f in report.live:
        entry = counts.setdefault(f.rule_id, [0, f.rule_name, f.severity.label])
        entry[0] += 1
    rows = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
    if fmt == "json":
        import json

        data = [{"code": k, "name": v[1], "severity": v[2], "count": v[0]} for k, v in rows]
        if report.errors:  # the row the text form ends with
            row = {"code": "error", "name": "file errors", "severity": None}
            data.append({**row, "count": len(report.errors)})
        return json.dumps(data, indent=2) + "\n"
    width = max((len(str(v[0])) for _, v in rows), default=1)
    lines = [f"{v[0]:>{width}}\t{k}\t{v[1]}" for k, v in rows]
    if report.errors:
        lines.append(f"{len(report.errors):>{width}}\terror\tfile errors")
    return "\n".join(lines) + "\n" if lines else ""


def _write(path: str, text: str) -> None:
    _write_with(path, lambda fh: fh.write(text))


def _write_with(path: str, produce: Any) -> None:
    """Let ``produce(file)`` write the report into ``path``, atomically: into a temporary file
    beside it, flushed and synced, then renamed over ``path``; a failure leaves ``path`` as it
    was (never truncated) and no temporary file behind. Text scanned files put in a report
    that is not valid Unicode (a lone surrogate from a ``\\u`` escape, the undecodable bytes
    of a file name) is written as a visible ``\\udcXX`` escape: the file is always UTF-8."""
    import io

    from iacguard.core.atomic import replace_atomically

    def produce_text(raw: Any) -> None:
        fh = io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace", newline="")
        produce(fh)
        fh.flush()
        fh.detach()  # the binary file stays open for replace_atomically to sync and close

    target = os.path.abspath(path)
    try:
        mode = os.stat(target).st_mode & 0o777
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        replace_atomically(target, produce_text, mode=mode)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _safe_stdout() -> None:
    """Reports on stdout are UTF-8 whatever scanned files hold: text that is not valid Unicode
    is written as a visible ``\\udcXX`` escape instead of failing the whole report."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # pragma: no cover - a closed or exotic stream
            pass


# ----------------------------------------------------------------------------- others


def _cmd_baseline(args: argparse.Namespace) -> int:
    from iacguard.run.baseline import write_baseline

    config = _load_config(args)
    report = _run_check(args, config, machine=False, use_baseline=False)
    live = list(report.live)
    try:
        write_baseline(live, args.output)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    if not args.quiet:
        noun = "finding" if len(live) == 1 else "findings"
        print(f"iacguard: wrote {len(live)} {noun} to {args.output}", file=sys.stderr)
    for e in report.errors:
        print(f"{e}", file=sys.stderr)
    return EXIT_FINDINGS if report.errors else EXIT_OK


def _cmd_rule(args: argparse.Namespace) -> int:
    from iacguard.core import catalog

    entries = catalog.load_catalog()
    wanted = args.rule.strip()
    match = next(
        (
            e
            for rid, e in entries.items()
            if rid == wanted.upper()
            or e.get("name") == wanted
            or wanted.upper() in (str(a).upper() for a in e.get("aliases") or ())
        ),
        None,
    )
    if match is None:
        raise UsageError(f"unknown rule {wanted!r} (see `iacguard rules`)")
    if args.output_format == "json":
        import json

        sys.stdout.write(json.dumps(match, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(catalog.render_rule(match["id"]).rstrip("\n") + "\n")
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    from iacguard.core import catalog

    if args.output_format == "json":
        import json

        entries = catalog.load_catalog()
        data = [
            {
                "id": rid,
                "name": e.get("name"),
                "severity": e.get("severity"),
                "summary": e.get("summary"),
            }
            for rid, e in sorted(entries.items())
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        sys.stdout.write(catalog.list_rules().rstrip("\n") + "\n")
    return EXIT_OK


def _cmd_config_schema(args: argparse.Namespace) -> int:
    from iacguard.config.editor_schema import render_editor_schema

    sys.stdout.write(render_editor_schema())
    return EXIT_OK


def _cmd_lsp(args: argparse.Namespace) -> int:
    """The language server (``iacguard.lsp``), when its extra is installed."""
    try:
        from iacguard.lsp.server import main
    except ImportError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        raise UsageError(
            f"'iacguard lsp' needs {missing}, which is not installed: install the lsp extra "
            "(pip install 'iacguard-backup[lsp]')"
        ) from exc
    return main()


def _cmd_graph(args: argparse.Namespace) -> int:
    from iacguard.api import build_graph
    from iacguard.report.graph_formats import render_graph

    graph = build_graph(args.paths, var_files=args.var_file)
    sys.stdout.write(render_graph(graph, args.format))
    return EXIT_FINDINGS if graph.errors else EXIT_OK
