"""A run builds the arguments of the command it runs only (argparse makes a help formatter
per argument): the help, the parse and the errors are those of the full parser."""

from __future__ import annotations

import pytest

from iacguard import cli


def _subparsers(parser):
    return next(a for a in parser._actions if a.dest == "command").choices


def test_only_the_command_run_gets_its_arguments():
    only = _subparsers(cli.build_parser("check"))
    assert set(only) == set(cli.COMMANDS)  # every command is still listed
    assert "--output-format" in only["check"].format_help()
    assert "--output" not in only["baseline"].format_help()  # never parsed in a check run


@pytest.mark.parametrize(
    "argv",
    [
        ["check", ".", "--output-format", "json", "--no-cache", "--select", "KMS001"],
        ["baseline", "infra", "-o", "b.json"],
        ["rule", "KMS001", "--output-format", "json"],
        ["graph", ".", "--format", "dot"],
        ["rules"],
        ["--version"],
    ],
)
def test_a_command_parses_as_with_every_command_built(argv):
    def parsed(parser):
        args = vars(parser.parse_args(argv))
        owner = args.pop("usage_owner", None)
        return args, owner.prog if owner is not None else None

    assert parsed(cli.build_parser(cli._command_in(argv))) == parsed(cli.build_parser())


def test_help_is_that_of_the_full_parser():
    assert cli.build_parser("check").format_help() == cli.build_parser().format_help()
    assert cli._command_in(["--version"]) is None
    assert cli._command_in(["chek", "."]) is None  # argparse reports it, every command built
