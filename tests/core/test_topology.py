"""Which findings make a chain's node fail (``core.topology.Mark``), and which chains a report
draws: those a live finding touches."""

from __future__ import annotations

import pickle

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding, Severity
from iacguard.core.spans import Span
from iacguard.core.topology import Chain, ChainEdge, ChainNode, Mark, chains_with_findings


def finding(rule: str, address: str, root: str = "r", **properties) -> Finding:
    return Finding(
        rule_id=rule,
        rule_name=rule.lower(),
        severity=Severity.HIGH,
        certainty=Certainty.DEFINITE,
        message="m",
        address=address,
        resource_type="t",
        root=root,
        location=Span("main.tf", 1, 1, 1, 2),
        properties=properties,
    )


def test_a_mark_matches_root_address_rules_and_a_property():
    mark = Mark("r", "plan", rules=("BKP002",), property=("rule_name", "daily"))
    assert mark.matches(finding("BKP002", "plan", rule_name="daily"))
    assert not mark.matches(finding("BKP002", "plan", rule_name="weekly"))
    assert not mark.matches(finding("BKP001", "plan", rule_name="daily"))
    assert not mark.matches(finding("BKP002", "plan", root="other", rule_name="daily"))
    key = Mark("r", "key", except_rules=("KMS003",))
    assert key.matches(finding("KMS001", "key")) and key.matches(finding("PLUGIN1", "key"))
    assert not key.matches(finding("KMS003", "key"))


def _chain() -> Chain:
    nodes = (
        ChainNode("n0", "plan", "plan", "backup plan", Span("a.tf", 3, 1, 3, 9)),
        ChainNode("n1", "vault", "vault", "aws_backup_vault", None, (Mark("r", "vault"),)),
    )
    return Chain("r", "plan", nodes, (ChainEdge("n0", "n1", "target_vault_name"),))


def test_only_chains_a_finding_touches_are_drawn_with_their_failing_nodes():
    chain = _chain()
    assert chains_with_findings([chain], [finding("KMS001", "key")]) == []
    assert chains_with_findings([chain], [finding("BKP001", "vault")]) == [(chain, ("n1",))]
    assert chain.title == "backup plan plan"
    assert chain.sort_key() == ("a.tf", 3, "r", "plan")


def test_a_chain_is_plain_data_that_pickles():
    chain = _chain()
    assert pickle.loads(pickle.dumps(chain)) == chain
