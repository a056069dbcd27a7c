"""A plugin rule (loaded through the ``iacguard.rules`` entry point of a distribution the LSP
tests put on ``PYTHONPATH``) whose findings carry fixes: a vault named "tmp" gets a safe fix
renaming it and an unsafe one; the seam the language server's code actions read."""

from iacguard.core.certainty import Certainty, Verdict
from iacguard.core.fixes import Edit, Fix
from iacguard.core.spans import Span

CATALOG = {
    "id": "TST001",
    "name": "test-vault-named-tmp",
    "severity": "low",
    "summary": "A vault is named tmp.",
    "rationale": "A test rule.",
    "fails": ["a vault named tmp"],
    "passes": ["any other name"],
    "fix": {"terraform": 'Set name = "prod".', "cloudformation": "Set BackupVaultName: prod."},
    "references": [{"title": "the tests"}],
}


def check(graph, ctx):
    for r in ctx.shared.of_kind("vault"):
        if r.value("name") != "tmp":
            continue
        where = r.span_of("name")
        value = Span(
            where.path, where.end_line, where.end_column - 5, where.end_line, where.end_column
        )
        fixes = (
            Fix('rename the vault "prod"', "safe", (Edit(value, '"prod"'),)),
            Fix("delete the name", "unsafe", (Edit(where, ""),)),
        )
        yield ctx.finding(r, Verdict(Certainty.DEFINITE), "vault named tmp", where).with_(
            fixes=fixes
        )
