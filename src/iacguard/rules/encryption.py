"""A backup source's own encryption, read through its row in ``graph.facts.SOURCES``.

For the resource types AWS Backup does not fully manage (EBS, EC2, RDS, Aurora, DocumentDB,
Neptune, Redshift) a recovery point takes the source's encryption. ``judge_source`` says how
surely a source is unencrypted:

* every setting of the row must be true (an instance: its root and EBS volumes, and the volumes
  of its launch template when the template is in the graph); an absent one means AWS's
  default (``SourceShape.default``); an instance that lists no volume has the AMI's root
  volume, unencrypted;
* a source restored from a snapshot or replicating another (``inherits``) takes that one's
  encryption: cannot be seen, not a finding;
* ``always_encrypted_when`` (Aurora Serverless v1) is encrypted whatever the setting;
* EBS encryption by default (an ``aws_ebs_encryption_by_default`` of the same root, whose
  ``enabled`` defaults to true, or the rule's option) encrypts EBS volumes and instance volumes;
* an Aurora instance is decided by its cluster (``cluster``), when the cluster is in the graph.
"""

from __future__ import annotations

from typing import Any

from iacguard.core.certainty import Verdict, judge_joint
from iacguard.core.located import Located
from iacguard.core.records import record
from iacguard.core.spans import Span
from iacguard.core.value_ops import as_bool, dig, payloads, split_path
from iacguard.core.values import Known, Ref, Unknown, Value, walk
from iacguard.graph.facts import LAUNCH_TEMPLATE_VOLUMES, SOURCES, SourceShape, kind_of
from iacguard.graph.model import Resource
from iacguard.rules.context import Analysis, alive, evidence_of
from iacguard.rules.selections import and3, or3


@record
class SourceJudgement:
    source: Resource
    verdict: Verdict
    #: why, under the default inputs: ``encrypted is not set (AWS's default: unencrypted)``
    state: str
    #: where the finding points (the setting, else its closest block, else the header)
    span: Span
    evidence: tuple[Located, ...]
    #: the Aurora cluster that decides, for an Aurora instance
    cluster: Resource | None = None


_UNSEEN_TEMPLATE = Unknown("the launch template is not in the graph")


def judge_source(shared: Analysis, source: Resource, assume_ebs: bool) -> SourceJudgement | None:
    """How surely ``source`` is unencrypted (None: it is not, or it cannot be told)."""
    memo_key = ("encryption", source.root, source.address, assume_ebs)
    if memo_key not in shared.memo:
        shared.memo[memo_key] = _judge(shared, source, assume_ebs, 0)
    return shared.memo[memo_key]


def _judge(shared: Analysis, source: Resource, assume: bool, depth: int) -> SourceJudgement | None:
    shape = SOURCES.get(source.type)
    if shape is None or depth > 2:
        return None
    if shape.cluster is not None and source.attributes.get(shape.cluster) is not None:
        return _by_cluster(shared, source, shape, assume, depth)
    if not shape.encrypted:
        return None
    template, template_set = _template_of(shared, source, shape)
    tops = _top_names(shape)
    values: list[Value] = [source.attributes.get(n) or Known(None) for n in tops]
    template_path = LAUNCH_TEMPLATE_VOLUMES.get(template.type, "") if template else ""
    template_top = template_path.split(".", 1)[0].split("[", 1)[0]
    values.append((template.attributes.get(template_top) if template else None) or Known(None))
    defaults = _ebs_defaults(shared, source) if shape.ebs else []
    for r in defaults:
        values += [r.exists, shared.fact(r, "ebs_default.enabled").as_value()]

    def unencrypted(*p: Any) -> bool | None:
        tops_now = dict(zip(tops, p[: len(tops)], strict=True))
        pairs = list(zip(p[len(tops) + 1 :: 2], p[len(tops) + 2 :: 2], strict=True))
        return _unencrypted(
            shape, tops_now, p[len(tops)], template_path, template_set, pairs, assume
        )

    verdict = judge_joint(values, unencrypted)
    if verdict is None:
        return None
    defaults_now = {n: payloads(v)[0] for n, v in zip(tops, values, strict=False)}
    path, payload = _culprit(
        shape, defaults_now, payloads(values[len(tops)])[0], template_path, template_set
    )
    state, span, evidence = _describe(source, shape, template, path, payload)
    for value in values[: len(tops)]:
        evidence = [*evidence_of(value), *evidence]
    return SourceJudgement(source, verdict, state, span, tuple(evidence))


def _top_names(shape: SourceShape) -> list[str]:
    names: list[str] = []
    paths = [*shape.encrypted, *shape.inherits]
    if shape.always_encrypted_when:
        paths.append(shape.always_encrypted_when[0])
    for path in paths:
        top = path.split(".", 1)[0].split("[", 1)[0]
        if top not in names:
            names.append(top)
    return names


def _template_of(
    shared: Analysis, source: Resource, shape: SourceShape
) -> tuple[Resource | None, bool]:
    """The launch template the instance names (when in the graph), and whether it names one."""
    if shape.launch_template is None:
        return None, False
    value = source.attributes.get(shape.launch_template)
    if value is None:
        return None, False
    for payload in payloads(value):
        for leaf in walk(payload):
            if isinstance(leaf, Ref):
                target = shared.graph.resolve(leaf)
                if target is not None and kind_of(target) == "launch_template":
                    return target, True
    return None, True


def _ebs_defaults(shared: Analysis, source: Resource) -> list[Resource]:
    memo = shared.memo.get("encryption.ebs_defaults")
    if memo is None:
        memo = {}
        for r in shared.of_kind("ebs_default"):
            memo.setdefault(r.root, []).append(r)
        shared.memo["encryption.ebs_defaults"] = memo
    return memo.get(source.root, [])


def expand(tops: dict[str, Any], path: str) -> list[tuple[str, Any]]:
    """The settings at ``path`` (``block[]``: one per element that is a volume)."""
    if "[]." not in path:
        return [(path, dig(tops, split_path(path)))]
    head, rest = path.split("[].", 1)
    items = dig(tops, split_path(head))
    if isinstance(items, Unknown):
        return [(head, items)]
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, (list, tuple)):
        return []
    steps = split_path(rest)
    out = []
    for i, item in enumerate(items):
        if isinstance(item, Unknown):
            out.append((f"{head}[{i}]", item))
        elif len(steps) == 1 or dig(item, steps[:1]) is not None:
            out.append((f"{head}[{i}].{rest}", dig(item, steps)))
    return out


def _settings(
    shape: SourceShape,
    tops: dict[str, Any],
    template_payload: Any,
    template_path: str,
    template_set: bool,
) -> list[tuple[str, Any]]:
    """Every encryption setting of the source in one world: (path, payload); a path starting
    with ``@`` is the launch template's."""
    out: list[tuple[str, Any]] = []
    for path in shape.encrypted:
        if template_set and path in shape.from_template and dig(tops, split_path(path)) is None:
            continue  # the launch template stands in for it
        out.extend(expand(tops, path))
    if template_path:
        top = template_path.split(".", 1)[0].split("[", 1)[0]
        out.extend((f"@{p}", v) for p, v in expand({top: template_payload}, template_path))
    elif template_set:
        out.append(("@", _UNSEEN_TEMPLATE))
    if not out and shape.launch_template is not None:
        out.append(("", None))  # no volume listed: the AMI's root volume
    return out


def _bad(payload: Any, default: bool) -> bool | None:
    if payload is None:
        return not default
    if isinstance(payload, Unknown):
        return False if payload.required_input else None
    flag = as_bool(payload)
    return None if flag is None else not flag


def _inherited(payload: Any) -> bool:
    return payload not in (None, [], {}, "")


def _unencrypted(
    shape: SourceShape,
    tops: dict[str, Any],
    template_payload: Any,
    template_path: str,
    template_set: bool,
    ebs_defaults: list[tuple[Any, Any]],
    assume: bool,
) -> bool | None:
    if any(_inherited(tops.get(n)) for n in shape.inherits):
        return None  # restored or replicated: the source's encryption, not seen
    if shape.always_encrypted_when is not None:
        mode = tops.get(shape.always_encrypted_when[0])
        if isinstance(mode, str) and mode.strip().lower() == shape.always_encrypted_when[1]:
            return False
        if mode is not None and not isinstance(mode, str):
            return None
    by_default: bool | None = False
    if shape.ebs:
        by_default = (
            True
            if assume
            else or3([and3(alive(exists), _enabled(enabled)) for exists, enabled in ebs_defaults])
        )
        if by_default is True:
            return False
    settings = _settings(shape, tops, template_payload, template_path, template_set)
    result = or3([_bad(p, shape.default) for _, p in settings])
    return None if result is True and by_default is None else result


def _enabled(payload: Any) -> bool | None:
    if payload is None:
        return True  # the provider's default for aws_ebs_encryption_by_default
    return as_bool(payload)


def _culprit(
    shape: SourceShape,
    tops: dict[str, Any],
    template_payload: Any,
    template_path: str,
    template_set: bool,
) -> tuple[str, Any]:
    settings = _settings(shape, tops, template_payload, template_path, template_set)
    for wanted in (True, None):
        for path, payload in settings:
            if _bad(payload, shape.default) is wanted:
                return path, payload
    return settings[0] if settings else ("", None)


def _describe(
    source: Resource, shape: SourceShape, template: Resource | None, path: str, payload: Any
) -> tuple[str, Span, list[Located]]:
    default = "encrypted" if shape.default else "unencrypted"
    if path == "":
        attr = shape.encrypted[0].split("[", 1)[0]
        state = f"no {attr}: the root volume is the AMI's, unencrypted unless the AMI's is"
        return state, source.span, [Located(source.span, f"{source.address}: {state}")]
    holder, shown = source, path
    if path.startswith("@"):
        shown = path[1:]
        lt_attr = shape.launch_template or ""
        span = source.span_of(lt_attr)
        if template is None:
            state = f"its {lt_attr} is not in the graph"
            return state, span, [Located(span, f"{source.address}: {state}")]
        holder = template
    else:
        span = source.span_of(path)
    if payload is None:
        state = f"{shown} is not set (AWS's default: {default})"
    elif isinstance(payload, Unknown):
        state = f"{shown} cannot be seen ({payload.reason})"
    else:
        state = f"{shown} = {str(payload).lower()}"
    if holder is not source:
        state = f"launch template {holder.address}: {state}"
    evidence = [Located(holder.span_of(shown), f"{holder.address}: {state}")]
    return state, span, evidence


def _by_cluster(
    shared: Analysis, source: Resource, shape: SourceShape, assume: bool, depth: int
) -> SourceJudgement | None:
    assert shape.cluster is not None
    cluster = cluster_of(shared, source, shape.cluster)
    if cluster is None:
        return None  # a cluster outside the graph: cannot be seen
    inner = _judge(shared, cluster, assume, depth + 1)
    if inner is None:
        return None
    span = source.span_of(shape.cluster)
    hop = Located(span, f"{source.address}: {shape.cluster} -> {cluster.address}")
    state = f"its cluster {cluster.address} decides, and there {inner.state}"
    return SourceJudgement(source, inner.verdict, state, span, (hop, *inner.evidence), cluster)


def cluster_of(shared: Analysis, source: Resource, attribute: str) -> Resource | None:
    """The cluster an Aurora instance names (a reference, or the cluster's identifier)."""
    value = source.attributes.get(attribute)
    payload = payloads(value)[0] if value is not None else None
    for leaf in walk(payload):
        if isinstance(leaf, Ref):
            target = shared.graph.resolve(leaf)
            if target is not None and _is_cluster(target):
                return target
    if isinstance(payload, str):
        for other in shared.of_kind("source"):
            if other.root == source.root and _is_cluster(other):
                shape = SOURCES[other.type]
                name = other.value(shape.name) if shape.name else None
                if name == payload:
                    return other
    return None


def _is_cluster(resource: Resource) -> bool:
    shape = SOURCES.get(resource.type)
    return shape is not None and shape.arn_resource == "cluster:" and shape.arn_service == "rds"
