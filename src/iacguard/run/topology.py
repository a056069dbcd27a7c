"""The backup chains (``core.topology.Chain``) of a linted graph: plan -> plan rule -> vault ->
(alias ->) key -> key policy verdict, and selection -> plan, selection -> assigned resources;
a vault no plan of the graph targets is a chain of its own (vault -> key -> key policy).

Built with the same joins the rules use (``rules.joins.resolve_target`` for plan targets,
``Analysis.key_infos`` for vault keys, KMS003's effective policy and ``graph.policy.
backup_grant`` for the verdict, ``rules.selections`` for membership), right after the rules ran
on the graph (``run.pool.lint_units``), so a worker sends them back with its findings. Only the
chains some finding of the run touches are kept, and each selection shows only the assigned
resources that carry a finding (at most ``MAX_SOURCES``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from iacguard.core.findings import Finding
from iacguard.core.spans import Span
from iacguard.core.topology import Chain, ChainEdge, ChainNode, Mark
from iacguard.core.value_ops import payloads
from iacguard.graph.model import Graph, Resource

#: assigned resources shown per selection; the others are one "+ N more" node
MAX_SOURCES = 12
#: a node's text at most (a long ARN, an unknown's reason)
MAX_TEXT = 140

GrantMode = Callable[[Resource], str]


def build_chains(
    graph: Graph, findings: Sequence[Finding], grant_mode: GrantMode | None = None
) -> tuple[Chain, ...]:
    """The chain of every backup plan of ``graph`` that one of ``findings`` touches, in
    graph order. ``grant_mode`` gives KMS003's ``backup-grant`` option for a key (its file's
    settings); ``explicit`` without it."""
    from iacguard.rules.context import Analysis

    shared = Analysis(graph)
    flagged = {(f.root, f.address) for f in findings}
    out = []
    reached: set[tuple[str, str]] = set()
    for plan in shared.of_kind("plan"):
        builder = _Builder(shared, plan, flagged, grant_mode)
        chain = _guarded(builder.build)
        reached.update((plan.root, address) for address in builder.vaults)
        if chain is not None and chain.failing(findings):
            out.append(chain)
    for vault in shared.of_kind("vault"):
        if (vault.root, vault.address) in reached:
            continue
        chain = _guarded(_Builder(shared, vault, flagged, grant_mode).build_vault)
        if chain is not None and chain.failing(findings):
            out.append(chain)
    return tuple(out)


def _guarded(build: Callable[[], Chain]) -> Chain | None:
    """A chain, or None when building it fails: a picture is never worth the findings (the
    caller's unit would lose them to the exception)."""
    try:
        return build()
    except Exception:  # noqa: BLE001 - a bug drawing one plan loses only its picture
        return None


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _leaf(path: str) -> str:
    """``rule[0].copy_action[1].destination_vault_arn`` -> ``destination_vault_arn``."""
    last = path.rsplit(".", 1)[-1]
    return last.split("[", 1)[0]


class _Builder:
    """One plan's chain, node ids in the order nodes are first reached."""

    def __init__(
        self,
        shared: Any,
        plan: Resource,
        flagged: set[tuple[str, str]],
        grant_mode: GrantMode | None,
    ) -> None:
        self.shared = shared
        self.plan = plan
        self.flagged = flagged
        self.grant_mode = grant_mode
        self.nodes: dict[Any, ChainNode] = {}
        self.edges: dict[tuple[str, str, str], ChainEdge] = {}
        #: the addresses of the vaults the chain reaches
        self.vaults: set[str] = set()

    def node(
        self,
        key: Any,
        kind: str,
        label: str,
        detail: str,
        span: Span | None,
        marks: tuple[Mark, ...] = (),
    ) -> str:
        found = self.nodes.get(key)
        if found is None:
            found = ChainNode(
                f"n{len(self.nodes)}", kind, _short(label), _short(detail), span, marks
            )
            self.nodes[key] = found
        return found.id

    def resource_node(self, resource: Resource, kind: str, marks: tuple[Mark, ...] = ()) -> str:
        """The node of a resource of the graph: its address and type, at its place."""
        return self.node(
            ("resource", resource.address),
            kind,
            resource.address,
            resource.type,
            resource.span,
            marks,
        )

    def edge(self, source: str, target: str, label: str = "") -> None:
        self.edges.setdefault((source, target, label), ChainEdge(source, target, label))

    def build(self) -> Chain:
        plan = self.plan
        root = plan.root
        top = self.node(
            ("resource", plan.address),
            "plan",
            plan.address,
            "backup plan",
            plan.span,
            (Mark(root, plan.address, except_rules=("BKP002",)),),
        )
        for rule in self.shared.plan_rules(plan):
            rule_id = self.node(
                ("rule", rule.index),
                "plan_rule",
                f"rule {rule.name}",
                "plan rule",
                rule.span,
                (Mark(root, plan.address, rules=("BKP002",), property=("rule_name", rule.name)),),
            )
            self.edge(top, rule_id)
            for target, is_arn in rule.targets():
                if target.value is None:
                    continue
                for vault_id in self._targets(target, is_arn):
                    self.edge(rule_id, vault_id, _leaf(target.path))
        self._selections(top)
        return self._chain()

    def build_vault(self) -> Chain:
        """The chain of a vault that no plan targets (``plan`` is that vault)."""
        self._vault(self.plan)
        return self._chain()

    def _chain(self) -> Chain:
        nodes, edges = tuple(self.nodes.values()), tuple(self.edges.values())
        return Chain(self.plan.root, self.plan.address, nodes, edges)

    # ------------------------------------------------------------------------- vaults and keys

    def _targets(self, target: Any, is_arn: bool) -> list[str]:
        from iacguard.rules.joins import DEFAULT_VAULT, resolve_target
        from iacguard.rules.keys import show

        plan, root = self.plan, self.plan.root
        out = []
        for payload in payloads(target.value):
            if payload is None:
                continue
            found = resolve_target(self.shared, plan, payload, is_arn, target.path)
            if found == DEFAULT_VAULT:
                marks = (
                    Mark(root, plan.address, rules=("BKP002",), property=("vault_name", "Default")),
                )
                ident = self.node(
                    ("default-vault",), "vault", "Default", "built-in vault", None, marks
                )
                key_id = self.node(
                    ("default-key",), "key", "aws/backup", "AWS-managed key", None, marks
                )
                self.edge(ident, key_id)
                out.append(ident)
            elif isinstance(found, Resource):
                out.append(self._vault(found))
            else:
                text = show(payload) if not hasattr(payload, "reason") else payload.reason
                out.append(
                    self.node(("outside", text), "vault", _short(text), "not in the graph", None)
                )
        return out

    def _vault(self, vault: Resource) -> str:
        from iacguard.rules.joins import default_key
        from iacguard.rules.keys import ABSENT, AWS_MANAGED

        plan = self.plan
        self.vaults.add(vault.address)
        marks = (
            Mark(vault.root, vault.address),
            Mark(plan.root, plan.address, rules=("BKP002",), property=("vault", vault.address)),
        )
        ident = self.resource_node(vault, "vault", marks)
        key_fact = self.shared.fact(vault, "vault.key")
        attribute = key_fact.path or "kms_key_arn"
        vault_findings = (Mark(vault.root, vault.address, rules=("BKP001",)),)
        for info in self.shared.key_infos(vault):
            if info.key is not None:
                key_id = self._key(info.key)
            elif info.kind == ABSENT:
                key_id = self.node(
                    ("no-key", vault.address),
                    "key",
                    default_key(vault),
                    f"no {attribute}: AWS-managed key",
                    key_fact.span,
                    vault_findings,
                )
            elif info.kind == AWS_MANAGED:
                key_id = self.node(
                    ("text-key", info.text),
                    "key",
                    info.text,
                    "AWS-managed key",
                    key_fact.span,
                    vault_findings,
                )
            else:
                known = info.kind == "cmk"
                key_id = self.node(
                    ("text-key", info.text or info.kind),
                    "key",
                    info.text if known else "key cannot be seen",
                    "customer-managed key, not in the graph" if known else info.text or "unknown",
                    key_fact.span,
                    () if known else vault_findings,
                )
            if info.via is not None:
                via = info.via
                alias_id = self.resource_node(via, "alias", (Mark(via.root, via.address),))
                self.edge(ident, alias_id, attribute)
                self.edge(alias_id, key_id)
            else:
                self.edge(ident, key_id, attribute)
        return ident

    def _key(self, key: Resource) -> str:
        ident = self.resource_node(
            key, "key", (Mark(key.root, key.address, except_rules=("KMS003",)),)
        )
        if ("policy", key.address) not in self.nodes:
            verdict, span = self._policy_verdict(key)
            policy_id = self.node(
                ("policy", key.address),
                "key_policy",
                "key policy",
                verdict,
                span,
                (Mark(key.root, key.address, rules=("KMS003",)),),
            )
            self.edge(ident, policy_id)
        return ident

    def _policy_verdict(self, key: Resource) -> tuple[str, Span]:
        """What the key's effective policy says to AWS Backup (KMS003's reading)."""
        from iacguard.graph.policy import backup_grant
        from iacguard.rules.kms003_missing_backup_grant import effective_policy, role_check

        policy, _holder = effective_policy(self.shared, key)
        mode = self.grant_mode(key) if self.grant_mode is not None else "explicit"
        roles = role_check(self.shared)
        answers = [backup_grant(p, mode, roles) for p in payloads(policy.as_value())]
        if not answers:
            return "cannot be read", policy.span
        bad = next((a for a in answers if a.grants is False), None)
        if bad is not None:
            some = any(a.grants is not False for a in answers)
            return ("with some inputs: " if some else "") + bad.reason, policy.span
        unsure = next((a for a in answers if a.grants is None), None)
        return (unsure or answers[0]).reason, policy.span

    # ------------------------------------------------------------------------- selections

    def _selections(self, top: str) -> None:
        from iacguard.rules.selections import assignments, plan_of

        plan = self.plan
        for sel in self.shared.of_kind("selection"):
            if sel.root != plan.root or plan_of(self.shared, sel) is not plan:
                continue
            sel_id = self.resource_node(sel, "selection", (Mark(sel.root, sel.address),))
            plan_path = self.shared.fact(sel, "selection.plan").path
            self.edge(sel_id, top, _leaf(plan_path) if plan_path else "")

            def keep(source: Resource) -> bool:
                return (source.root, source.address) in self.flagged

            shown = 0
            more = 0
            seen: set[str] = set()
            for source, _assignment in assignments(self.shared, sel, keep):
                if source.address in seen:
                    continue
                seen.add(source.address)
                if shown >= MAX_SOURCES:
                    more += 1
                    continue
                shown += 1
                source_id = self.resource_node(
                    source, "source", (Mark(source.root, source.address),)
                )
                self.edge(sel_id, source_id, "assigns")
            if more:
                more_id = self.node(
                    ("more", sel.address),
                    "source",
                    f"+ {more} more",
                    "assigned resources with findings",
                    None,
                )
                self.edge(sel_id, more_id, "assigns")


def grant_mode_of(settings: Any) -> GrantMode:
    """KMS003's ``backup-grant`` option in force for a key: its file's settings."""

    def mode(key: Resource) -> str:
        options = settings.effective(key.span.path).rule_options
        for name in ("KMS003", "kms-key-missing-backup-grant"):
            value = options.get(name, {}).get("backup-grant")
            if isinstance(value, str):
                return value
        return "explicit"

    return mode
