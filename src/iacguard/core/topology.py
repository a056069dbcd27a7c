"""The backup chains of a run, as the picture formats (``markdown``, ``html``) draw them.

One ``Chain`` per AWS Backup plan: the plan, its rules, the vaults they store to or copy to,
each vault's key (through an alias when it names one) and the verdict on that key's policy,
and the selections that assign resources to the plan with the assigned resources that carry a
finding. ``iacguard.run.topology`` computes them from the graph when a format asks
(``check(..., topology=True)``); here they are plain frozen data (no graph objects), so they
cross the worker pool pickled like findings.

Which nodes fail is decided by the reporter from the report's live findings (suppressions,
the baseline and ``--diff-base`` come after the chains are built): each node carries the
``Mark``s a finding must match to make it fail.
"""

from __future__ import annotations

from collections.abc import Iterable

from iacguard.core.findings import Finding
from iacguard.core.records import record
from iacguard.core.spans import Span

#: the kinds of node a chain holds, in the order a diagram lays them out left to right
KINDS = (
    "source",
    "selection",
    "plan",
    "plan_rule",
    "vault",
    "alias",
    "key",
    "key_policy",
)


@record
class Mark:
    """The findings that make a node fail: a finding on the resource ``root`` / ``address``,
    of one of ``rules`` (any rule when empty) but none of ``except_rules``, whose properties
    hold ``property`` (a key and a value) when one is given."""

    root: str
    address: str
    rules: tuple[str, ...] = ()
    except_rules: tuple[str, ...] = ()
    property: tuple[str, str] | None = None

    def matches(self, finding: Finding) -> bool:
        if finding.root != self.root or finding.address != self.address:
            return False
        if self.rules and finding.rule_id not in self.rules:
            return False
        if finding.rule_id in self.except_rules:
            return False
        if self.property is not None:
            key, value = self.property
            return finding.properties.get(key) == value
        return True


@record
class ChainNode:
    """One box of a chain: ``label`` (an address, a rule name) over ``detail`` (a type, a
    state); ``id`` is unique within its chain (``n0``, ``n1``, ...)."""

    id: str
    kind: str
    label: str
    detail: str
    span: Span | None = None
    marks: tuple[Mark, ...] = ()

    def fails(self, findings: Iterable[Finding]) -> bool:
        return any(m.matches(f) for f in findings for m in self.marks)


@record
class ChainEdge:
    source: str
    target: str
    label: str = ""


@record
class Chain:
    """A backup plan's chain: its nodes (the plan first) and the edges between them; or, for a
    vault no plan of the graph targets, that vault's chain (the vault first)."""

    root: str
    #: the address of the first node: the plan (or the vault)
    plan: str
    nodes: tuple[ChainNode, ...]
    edges: tuple[ChainEdge, ...]

    def sort_key(self) -> tuple[str, int, str, str]:
        span = self.nodes[0].span if self.nodes else None
        return (span.path if span else "", span.start_line if span else 0, self.root, self.plan)

    @property
    def title(self) -> str:
        """``backup plan aws_backup_plan.daily`` / ``backup vault Vault``."""
        kind = self.nodes[0].kind if self.nodes else "plan"
        return f"backup {'plan' if kind == 'plan' else 'vault'} {self.plan}"

    def failing(self, findings: Iterable[Finding]) -> tuple[str, ...]:
        """The ids of the nodes the findings make fail, in node order."""
        found = tuple(findings)
        return tuple(n.id for n in self.nodes if n.fails(found))


def chains_with_findings(
    chains: Iterable[Chain], findings: Iterable[Finding]
) -> list[tuple[Chain, tuple[str, ...]]]:
    """The chains at least one of ``findings`` makes fail, each with its failing node ids."""
    found = tuple(findings)
    out = []
    for chain in chains:
        failing = chain.failing(found)
        if failing:
            out.append((chain, failing))
    return out
