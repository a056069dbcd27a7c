"""What every rule gets besides the graph: its options, severity and fix hints, a shared
per-run analysis (so BKP001, BKP002 and KMS003 resolve vault keys once), and helpers that
turn a verdict into a Finding with its certainty wording, evidence and inputs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from iacguard.core.certainty import Certainty, Predicate, Verdict, completed, judge_value
from iacguard.core.findings import Finding, Severity
from iacguard.core.fixes import Fix
from iacguard.core.located import Located
from iacguard.core.records import MISSING, field, record
from iacguard.core.spans import Span
from iacguard.core.value_ops import as_bool, payloads
from iacguard.core.values import Known, Unknown, Value
from iacguard.graph.facts import Fact, PlanRule, fact, kind_of, plan_rules
from iacguard.graph.model import Graph, Resource
from iacguard.rules.keys import KeyInfo, classify_key, managed_key_ids

# ----------------------------------------------------------------------------- analysis


class Analysis:
    """Facts about one graph that several rules need, computed on first use, once per run."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._by_kind: dict[str, list[Resource]] | None = None
        self._vault_keys: dict[tuple[str, str], list[KeyInfo]] = {}
        self._protects: dict[tuple[str, str], list[Resource]] | None = None
        self._vaults_by_name: dict[tuple[str, str], list[Resource]] | None = None
        self._plan_rules: dict[tuple[str, str], list[PlanRule]] = {}
        self.memo: dict[Any, Any] = {}
        self._facts: dict[tuple[int, str], Fact] = {}
        self._managed: dict[str, frozenset[str]] | None = None

    def managed_keys(self, root: str) -> frozenset[str]:
        """Literal ARNs / ids of AWS-managed keys seen in the data sources of ``root``: only
        the vault's own root counts, so a finding never depends on what else was scanned (and
        ``--jobs``, which lints each root apart, cannot change the output)."""
        if self._managed is None:
            data: dict[str, list[Resource]] = {}
            for r in self.graph.resources:
                if r.mode == "data":
                    data.setdefault(r.root, []).append(r)
            self._managed = {
                name: managed_key_ids(self.graph, members) for name, members in data.items()
            }
        return self._managed.get(root, frozenset())

    def of_kind(self, kind: str) -> list[Resource]:
        if self._by_kind is None:
            by: dict[str, list[Resource]] = {}
            for r in self.graph.resources:
                k = kind_of(r)
                if k is not None:
                    by.setdefault(k, []).append(r)
            self._by_kind = by
        return self._by_kind.get(kind, [])

    def fact(self, resource: Resource, name: str) -> Fact:
        """``facts.fact``, memoised for the run (several rules read the same facts)."""
        key = (id(resource), name)
        found = self._facts.get(key)
        if found is None:
            found = self._facts[key] = fact(resource, name)
        return found

    def key_infos(self, vault: Resource) -> list[KeyInfo]:
        """What the vault's key is in every world we see (default first)."""
        ident = (vault.root, vault.address)
        found = self._vault_keys.get(ident)
        if found is None:
            value = self.fact(vault, "vault.key").as_value()
            found = [self.classify(vault, p) for p in payloads(value)]
            self._vault_keys[ident] = found
        return found

    def classify(self, vault: Resource, payload: Any) -> KeyInfo:
        return classify_key(payload, vault.root, self.graph, managed=self.managed_keys(vault.root))

    def protected_vaults(self, key: Resource) -> list[Resource]:
        """The vaults whose key resolves to ``key`` in some world."""
        if self._protects is None:
            out: dict[tuple[str, str], list[Resource]] = {}
            for vault in self.of_kind("vault"):
                seen: set[tuple[str, str]] = set()
                for info in self.key_infos(vault):
                    if info.key is not None:
                        ident = (info.key.root, info.key.address)
                        if ident not in seen:
                            seen.add(ident)
                            out.setdefault(ident, []).append(vault)
            self._protects = out
        return self._protects.get((key.root, key.address), [])

    def vaults_named(self, root: str, name: str) -> list[Resource]:
        if self._vaults_by_name is None:
            index: dict[tuple[str, str], list[Resource]] = {}
            for vault in self.of_kind("vault"):
                payload = self.fact(vault, "vault.name").payload()
                if isinstance(payload, str):
                    index.setdefault((vault.root, payload), []).append(vault)
            self._vaults_by_name = index
        return self._vaults_by_name.get((root, name), [])

    def plan_rules(self, plan: Resource) -> list[PlanRule]:
        ident = (plan.root, plan.address)
        if ident not in self._plan_rules:
            self._plan_rules[ident] = plan_rules(plan)
        return self._plan_rules[ident]


# ----------------------------------------------------------------------------- context


@record
class RuleContext:
    rule_id: str
    rule_name: str
    severity: Severity
    options: Mapping[str, Any]
    #: one-line fix hint per language (``terraform``, ``cloudformation``)
    fixes: Mapping[str, str] = field(default_factory=dict)
    analysis: Analysis | None = None

    def __init__(
        self,
        rule_id: str,
        rule_name: str,
        severity: Severity,
        options: Mapping[str, Any],
        fixes: Mapping[str, str] = MISSING,
        analysis: Analysis | None = None,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "rule_id", rule_id)
        set_field(self, "rule_name", rule_name)
        set_field(self, "severity", severity)
        set_field(self, "options", options)
        set_field(self, "fixes", {} if fixes is MISSING else fixes)
        set_field(self, "analysis", analysis)

    @property
    def shared(self) -> Analysis:
        assert self.analysis is not None
        return self.analysis

    def phrase(self, verdict: Verdict, resource: Resource) -> str:
        """``certainty_phrase`` for ``resource``, naming where its inputs' values come from."""
        return certainty_phrase(verdict, resource.language, resource, self.shared.graph)

    def finding(
        self,
        resource: Resource,
        verdict: Verdict,
        message: str,
        location: Span,
        evidence: Iterable[Located] = (),
        properties: Mapping[str, Any] | None = None,
        fixes: tuple[Fix, ...] = (),
    ) -> Finding:
        lang = "cloudformation" if resource.language == "cloudformation" else "terraform"
        gate = existence(resource, self.analysis.graph if self.analysis else None)
        gating = gate.inputs if gate is not None else frozenset()
        deciding = frozenset() if verdict.certainty is Certainty.DEFINITE else verdict.inputs
        return Finding(
            rule_id=self.rule_id,
            rule_name=self.rule_name,
            severity=self.severity,
            certainty=verdict.certainty,
            message=message,
            address=resource.address,
            resource_type=resource.type,
            root=resource.root,
            location=location,
            evidence=dedupe(evidence),
            # a definite finding holds whatever the inputs: none of them decides it, but those
            # that gate the resource's existence are listed
            inputs=tuple(sorted(deciding | gating)),
            exists_when=gate.text if gate is not None else None,
            fix=self.fixes.get(lang) or self.fixes.get("terraform"),
            properties=dict(properties or {}),
            fixes=fixes,
        )


# ----------------------------------------------------------------------------- judging


def judge_fact(f: Fact, predicate: Predicate) -> Verdict | None:
    """``judge`` on a fact, where "not set" is the payload None."""
    return judge_value(f.as_value(), predicate)


def exists_verdict(resource: Resource) -> Verdict | None:
    """How surely the resource exists (``count`` / ``for_each`` / CFN ``Condition``): None
    when it exists in no world we see."""
    if isinstance(resource.exists, Unknown):
        return Verdict(Certainty.POSSIBLE, resource.exists.inputs)
    return judge_value(resource.exists, alive)


def may_exist(resource: Resource) -> bool:
    """Whether the resource exists in some world (a resource that exists in none is never a
    finding)."""
    return exists_verdict(resource) is not None


def alive(payload: Any) -> bool | None:
    if payload is None:
        return False
    flag = as_bool(payload)
    if flag is not None:
        return flag
    if isinstance(payload, int):
        return payload > 0
    return None


@record
class Existence:
    """When a resource exists, for a finding about it: ``var.create_vault = true``, and the
    inputs that gate it (count / for_each / Condition)."""

    text: str
    inputs: frozenset[str]
    #: ``text`` for a message, capped at ``SHOWN_INPUTS`` assignments ("and 2 more")
    shown: str = ""

    @property
    def brief(self) -> str:
        return self.shown or self.text


def existence(resource: Resource, graph: Graph | None = None) -> Existence | None:
    """What gates the resource's existence (None: it exists whatever the inputs). With the
    ``graph``, an input a tfvars file sets is named with that file."""
    gate = resource.exists
    if isinstance(gate, Known):
        return None
    if isinstance(gate, Unknown):
        reason = gate.reason.split(": ", 1)[-1]
        required = _REQUIRED.match(reason)
        if required:
            reason = f"{required.group(1)} depends on {required.group(2)}, which has no default"
        elif _UNDECIDED.match(reason):
            reason = "its Condition cannot be decided"
        else:
            reason = _NOT_KNOWN.sub(r"\1 is not known: \2", reason)
        return Existence(reason, gate.inputs)
    inputs = frozenset(gate.inputs)
    if alive(gate.default) is True:
        ending = tuple(a.describe() for a in gate.alternatives if alive(a.value) is False)
        flipped = _flipped(ending)
        if flipped:
            return Existence(", ".join(flipped), inputs, _assignments(flipped))
        # every world creates it (an open input's "any value" world included): not gated
        if all(alive(a.value) is True for a in gate.alternatives) and completed(gate).complete:
            return None
        return Existence(f"with {_sources(sorted(inputs), resource, graph)}", inputs)
    creating = [a.describe() for a in gate.alternatives if alive(a.value) is True]
    if creating:
        full = " or ".join(_nice(a, None) for a in creating[:3])
        return Existence(full, inputs, " or ".join(_nice(a) for a in creating[:3]))
    # exists only where it cannot be told (an open input's "any value" world): name those
    maybe = sorted(
        {k for a in gate.alternatives if alive(a.value) is None for k, _ in a.assignment}
    )
    return Existence(f"for some values of {_names(maybe or sorted(inputs))}", inputs)


_REQUIRED = re.compile(
    r"^(count|for_each) is not known \((var\.[\w-]+) has no default: the caller must set it\)$"
)
_NOT_KNOWN = re.compile(r"^(count|for_each|count / for_each) is not known \((.*)\)$")
_UNDECIDED = re.compile(r"^Fn::\w+ of a condition that cannot be decided$")

#: how many inputs a message names before "and N more" (JSON ``inputs`` has them all)
SHOWN_INPUTS = 3


def _names(names: list[str], limit: int = SHOWN_INPUTS) -> str:
    """``var.a, var.b and var.c``; past ``limit``: ``var.a, var.b, var.c and 4 more``."""
    if len(names) <= limit:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def vault_names(vaults: Iterable[Resource]) -> str:
    """The vaults' addresses for a message, capped like the inputs (the finding's
    ``properties.vaults`` lists them all)."""
    names = [v.address for v in vaults]
    if len(names) <= SHOWN_INPUTS:
        return ", ".join(names)
    return ", ".join(names[:SHOWN_INPUTS]) + f" and {len(names) - SHOWN_INPUTS} more"


def _assignments(parts: list[str], limit: int = SHOWN_INPUTS) -> str:
    """``var.a = true, var.b = false``, capped like ``_names``."""
    if len(parts) <= limit:
        return ", ".join(parts)
    return ", ".join(parts[:limit]) + f" and {len(parts) - limit} more"


def _origin(name: str, resource: Resource | None, graph: Graph | None) -> str | None:
    """Where an input's default-world value comes from: a file name (a tfvars file), or None
    for the declaration's default (a variable's ``default``, a Parameter's ``Default``)."""
    if graph is None or resource is None or resource.language == "cloudformation":
        return None
    return graph.assigned_in(resource.root, name)


def _sources(names: list[str], resource: Resource | None, graph: Graph | None) -> str:
    """The inputs named with where their value comes from: ``the default of var.a``,
    ``var.b from terraform.tfvars``, ``the Default of Parameter P``."""
    cfn = resource is not None and resource.language == "cloudformation"
    shown, more = names[:SHOWN_INPUTS], len(names) - SHOWN_INPUTS
    groups: dict[str | None, list[str]] = {}
    for name in shown:
        groups.setdefault(_origin(name, resource, graph), []).append(name)
    parts = []
    for where, members in groups.items():
        listed = _names(members)
        if where is not None:
            parts.append(f"{listed} from {where}")
        elif cfn:
            plural = "s" if len(members) > 1 else ""
            parts.append(f"the Default{plural} of Parameter{plural} {listed}")
        else:
            parts.append(f"the default{'s' if len(members) > 1 else ''} of {listed}")
    text = " and ".join(parts)
    return text + (f" and {more} more" if more > 0 else "")


def _flipped_sources(flipped: list[str], resource: Resource | None, graph: Graph | None) -> str:
    """``var.x = false (its default)``, ``var.y = true (from terraform.tfvars)``."""
    cfn = resource is not None and resource.language == "cloudformation"
    out = []
    for text in flipped:
        name = text.partition(" = ")[0]
        where = _origin(name, resource, graph)
        out.append(
            f"{text} (from {where})" if where else f"{text} (its {'Default' if cfn else 'default'})"
        )
    return _assignments(out)


def judged(resource: Resource, value: Value, predicate: Predicate) -> Verdict | None:
    """The predicate on ``value`` given that the resource exists: what gates its existence
    (count / for_each / Condition) is reported with the finding (``existence``), not folded
    into the certainty; a resource that exists in no world gives no verdict. The evaluators
    give a resource's attribute values in the worlds where it exists (Terraform: the
    instance's home world; CloudFormation: ``given_existence``), so an input that both creates
    the resource and changes the value is read in the worlds where it creates it."""
    if not may_exist(resource):
        return None
    return judge_value(value, predicate)


def certainty_phrase(
    verdict: Verdict,
    language: str = "terraform",
    resource: Resource | None = None,
    graph: Graph | None = None,
) -> str:
    """How sure and when, for a message: `` with the default of var.x``, `` when var.y =
    false``, `` for some values of var.z``; empty when definite. With ``resource``, led by
    when it exists (`` when created (var.create = true)``), whose inputs are not named again;
    with ``graph``, an input a tfvars file sets is named with that file."""
    gate = existence(resource, graph) if resource is not None else None
    phrase = _phrase(verdict, resource, graph, gate.inputs if gate is not None else frozenset())
    if gate is None:
        return phrase
    lead = f" when created ({gate.brief})"
    if not phrase:
        return lead
    return lead + (" and" + phrase[len(" when") :] if phrase.startswith(" when ") else "," + phrase)


def _phrase(
    verdict: Verdict,
    resource: Resource | None,
    graph: Graph | None,
    gating: frozenset[str],
) -> str:
    if verdict.certainty is Certainty.DEFINITE:
        return ""
    # an input that only says whether the resource exists is in "when created (...)"
    names = sorted(verdict.inputs - gating)
    if verdict.certainty is Certainty.DEFAULT:
        defaults = [d for d in _flipped(verdict.avoided_by) if d.partition(" = ")[0] not in gating]
        covered = {d.partition(" = ")[0] for d in defaults}
        if defaults and covered >= set(names):
            return f" with {_flipped_sources(defaults, resource, graph)}"
        if names:
            return f" with {_sources(names, resource, graph)}"
        return "" if gating else " with the default inputs"
    triggers = [t for t in (_nice(a) for a in verdict.triggered_by) if t]
    if triggers:
        return f" when {' or '.join(triggers[:3])}"
    others = sorted(
        {
            name
            for a in verdict.triggered_by
            for name, _ in (p.partition(" = ")[::2] for p in _split_assignment(a))
        }
    )
    if others:
        return f" for other values of {_names(others)}"
    if names:
        return f" for some values of {_names(names)}"
    return ""


def _nice(described: str, limit: int | None = SHOWN_INPUTS) -> str:
    """An alternative's assignment for a message: ``var.x = true``, ``var.y = "a"``; empty
    when it assigns only "any other value" (said as "for other values of" instead)."""
    parts = []
    for part in _split_assignment(described):
        name, sep, val = part.partition(" = ")
        if val.startswith("Unknown("):
            continue
        if val in ("True", "False"):
            val = val.lower()
        elif name.startswith("var.") and len(val) > 1 and val[0] == val[-1] == "'":
            val = '"' + val[1:-1] + '"'  # Terraform writes strings in double quotes
        parts.append(f"{name}{sep}{val}")
    return _assignments(parts) if limit is not None else ", ".join(parts)


def _split_assignment(described: str) -> list[str]:
    """Split ``a = 1, b = Unknown(reason='x, y', ...)`` on the commas between assignments."""
    out: list[str] = []
    depth = 0
    current = ""
    quote = ""
    for ch in described:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(current.strip())
            current = ""
            continue
        current += ch
    if current.strip():
        out.append(current.strip())
    return out


def _flipped(avoided: tuple[str, ...]) -> list[str]:
    """The defaults implied by boolean alternatives: ``var.x = True`` avoids it, so the
    default is ``var.x = false``. Empty unless every assignment is a boolean."""
    out: list[str] = []
    for described in avoided:
        for part in _split_assignment(described):
            name, sep, val = part.rpartition(" = ")
            if not sep or val not in ("True", "False", "'true'", "'false'"):
                return []
            flipped = {"True": "false", "False": "true", "'true'": "'false'", "'false'": "'true'"}
            text = f"{name} = {flipped[val]}"
            if text not in out:
                out.append(text)
    return out


def evidence_of(value: Value | None) -> list[Located]:
    """The reference chain recorded on a value, as evidence hops."""
    if value is None:
        return []
    return [Located(h.span, h.message) for h in getattr(value, "trace", ())]


def dedupe(items: Iterable[Located]) -> tuple[Located, ...]:
    seen: set[tuple[Any, str]] = set()
    out = []
    for e in items:
        key = (e.span, e.message)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return tuple(out)
