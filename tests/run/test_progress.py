"""The progress line: drawn in place on a terminal, erased at the end, never otherwise."""

from __future__ import annotations

import io

from iacguard.run.progress import Progress, wanted


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_wanted_only_for_humans_on_a_terminal():
    assert wanted(Terminal(), machine_format=False, quiet=False) is True
    assert wanted(io.StringIO(), machine_format=False, quiet=False) is False
    assert wanted(Terminal(), machine_format=True, quiet=False) is False
    assert wanted(Terminal(), machine_format=False, quiet=True) is False


def test_line_counts_units():
    p = Progress(Terminal())
    assert p.line() == "iacguard: discovering files"
    p(0, 3, "12 files, 2 Terraform modules")
    assert p.line() == "iacguard: 12 files, 2 Terraform modules · evaluated 0/3 units"
    p(2, 3, "cfn/app.yaml")
    assert p.line() == (
        "iacguard: 12 files, 2 Terraform modules · evaluated 2/3 units · cfn/app.yaml"
    )


def test_draw_then_erase_on_exit():
    term = Terminal()
    with Progress(term, delay=3600) as p:
        p(0, 1, "1 files, 1 Terraform modules")
        p.draw()
    assert term.getvalue() == (
        "\r\x1b[Kiacguard: 1 files, 1 Terraform modules · evaluated 0/1 units\r\x1b[K"
    )


def test_fast_runs_draw_nothing():
    term = Terminal()
    with Progress(term, delay=3600) as p:
        p(0, 1, "x")
        p(1, 1, "y")
    assert term.getvalue() == ""


def test_unchanged_line_is_not_redrawn():
    term = Terminal()
    p = Progress(term)
    p(0, 2, "scope")
    p.draw()
    p.draw()
    p(1, 2, "a.yaml")
    p.draw()
    assert term.getvalue() == (
        "\r\x1b[Kiacguard: scope · evaluated 0/2 units"
        "\r\x1b[Kiacguard: scope · evaluated 1/2 units · a.yaml"
    )
