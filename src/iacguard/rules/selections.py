"""Backup selections joined to the resources they assign (a join any rule may use).

AWS's "Assigning resources to a backup plan": a selection assigns the resources its
``Resources`` name (references, literal ARNs, wildcards such as ``*`` or
``arn:aws:ec2:*:*:volume/*``) OR that carry one of its ``ListOfTags`` tags (STRINGEQUALS), then
keeps those that pass every ``Conditions`` test (``StringEquals`` / ``StringLike`` /
``StringNotEquals`` / ``StringNotLike`` on ``aws:ResourceTag/KEY``), minus its ``NotResources``.

Membership is judged world by world like any other value (``judge_joint``): an input that
changes a tag, a selection value or an ARN gives a ``default`` or ``possible`` verdict, and a
world in which the selection or the resource does not exist is not held against it (existence
gating does not lower certainty). Wildcards and tags select only among resources of the
selection's own root (one account's view); resources elsewhere are unknown, never members.
The region and account parts of an ARN pattern are not compared: within one root they are the
account's own.

The join is indexed: a selection's candidates come from the references it holds, an index of
the root's resources by ARN service and one by tag key, never from all resources × all
selections.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from iacguard.core.certainty import Verdict, judge_joint
from iacguard.core.records import record
from iacguard.core.value_ops import payloads
from iacguard.core.values import Known, PartialStr, Ref, Unknown, Value, walk
from iacguard.graph.facts import (
    SELECTION_SHAPES,
    SOURCES,
    TAGS_ALL,
    SelectionShape,
    SourceShape,
    fact,
    kind_of,
)
from iacguard.graph.model import Resource
from iacguard.rules.context import Analysis, alive

#: stands for a piece of text that cannot be seen, inside a pattern
HIDDEN = "\x00"
_PROBES = ("\x01", "\x01/\x02:\x03-\x04")
_TAG_KEY = re.compile(r"aws:resourcetag/(.+)", re.IGNORECASE)
_MEMO = "selections.index"


@record
class Assignment:
    """A selection that assigns a resource, how surely, and by what (for evidence)."""

    selection: Resource
    source: Resource
    verdict: Verdict
    #: ``resources[1] = aws_ebs_volume.data.arn``, ``selection_tag Backup = "true"``
    why: str
    path: str


# ----------------------------------------------------------------------------- three values


def and3(*values: bool | None) -> bool | None:
    if False in values:
        return False
    return None if None in values else True


def or3(values: Iterator[bool | None] | list[bool | None]) -> bool | None:
    seen_none = False
    for v in values:
        if v is True:
            return True
        if v is None:
            seen_none = True
    return None if seen_none else False


def not3(value: bool | None) -> bool | None:
    return None if value is None else not value


# ----------------------------------------------------------------------------- tags and names


def source_tags(resource: Resource) -> Value:
    """The resource's tags as a Value: ``tags_all`` (the provider's default tags merged in, as
    a plan gives it and the Terraform evaluator computes it) when there is one, else ``tags`` /
    ``Tags``."""
    shape = SOURCES.get(resource.type)
    name = shape.tags if shape is not None else "tags"
    if TAGS_ALL in resource.attributes:
        name = TAGS_ALL
    found = resource.attributes.get(name)
    return found if found is not None else Known(None)


def tag_map(payload: Any) -> dict[str, Any] | None:
    """Tags as ``{key: value}`` (a CloudFormation Key/Value list too); None: cannot be read."""
    if payload is None:
        return {}
    if isinstance(payload, Mapping):
        return {str(k): v for k, v in payload.items()}
    if isinstance(payload, (list, tuple)):
        out: dict[str, Any] = {}
        for item in payload:
            if not isinstance(item, Mapping) or not isinstance(item.get("Key"), str):
                return None
            out[item["Key"]] = item.get("Value")
        return out
    return None


def source_name(resource: Resource) -> Value:
    """The name in the resource's ARN (``db:NAME``), as a Value (Known None: not set)."""
    shape = SOURCES.get(resource.type)
    if shape is None or shape.name is None:
        return Known(None)
    found = resource.attributes.get(shape.name)
    return found if found is not None else Known(None)


# ----------------------------------------------------------------------------- patterns


def _glob(pattern: str, text: str) -> bool | None:
    """``pattern`` (``*``, ``?``; HIDDEN: text that cannot be seen) against known ``text``."""
    pattern = pattern.replace("[", "[[]")
    if HIDDEN not in pattern:
        return fnmatchcase(text, pattern)
    return None if fnmatchcase(text, pattern.replace(HIDDEN, "*")) else False


def _glob_unnamed(pattern: str, prefix: str) -> bool | None:
    """``pattern`` against ``prefix`` followed by a name that cannot be seen."""
    head = re.split(r"[*?\[\x00]", pattern, maxsplit=1)[0]
    if not (prefix.startswith(head) or head.startswith(prefix)):
        return False
    plain = pattern.replace("[", "[[]")
    if HIDDEN not in pattern and all(fnmatchcase(prefix + p, plain) for p in _PROBES):
        return True
    return None


def arn_matches(pattern: str, shape: SourceShape, name: Any) -> bool | None:
    """Does a ``Resources`` entry (a literal ARN, a wildcard, HIDDEN for unseen pieces) name a
    resource of ``shape`` whose ARN name is ``name`` (None: not set, AWS generates it; an
    Unknown: cannot be seen)?"""
    text = pattern.strip()
    if text == "*":
        return True
    parts = text.split(":", 5)
    if len(parts) < 6:
        return None if HIDDEN in text else False
    service = _glob(parts[2], shape.arn_service)
    if service is False:
        return False
    resource = parts[5]
    if isinstance(name, str):
        named = _glob(resource, shape.arn_resource + name)
    elif name is None and not re.search(r"[*?\[\x00]", resource):
        named = False  # a literal name or id never names one whose name AWS will generate
    else:
        named = _glob_unnamed(resource, shape.arn_resource)
    return and3(service, named)


def _pattern_text(element: PartialStr, graph_resolve: Any) -> tuple[str, list[Resource]]:
    """The text of an interpolated entry (HIDDEN for unseen parts) and the backup sources its
    references name (``volume/${Volume}``)."""
    named: list[Resource] = []
    out = []
    for part in element.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        if isinstance(part, Ref):
            target = graph_resolve(part)
            if target is not None and kind_of(target) == "source":
                named.append(target)
        out.append(HIDDEN)
    return "".join(out), named


# ----------------------------------------------------------------------------- the index


class SelectionIndex:
    """Per run: the backup sources of every root by ARN service and by tag key."""

    def __init__(self, shared: Analysis) -> None:
        self.shared = shared
        self.by_root: dict[str, list[Resource]] = {}
        self.by_service: dict[tuple[str, str], list[Resource]] = {}
        self.by_tag: dict[tuple[str, str], list[Resource]] = {}
        #: sources whose tags cannot be read in some world: every tag test may hold
        self.open_tags: dict[str, list[Resource]] = {}
        for source in shared.of_kind("source"):
            shape = SOURCES.get(source.type)
            if shape is None:
                continue
            root = source.root
            self.by_root.setdefault(root, []).append(source)
            self.by_service.setdefault((root, shape.arn_service), []).append(source)
            keys: set[str] = set()
            open_ = False
            for payload in payloads(source_tags(source)):
                tags = tag_map(payload)
                if tags is None:
                    open_ = True
                else:
                    keys.update(tags)
            for key in keys:
                self.by_tag.setdefault((root, key), []).append(source)
            if open_:
                self.open_tags.setdefault(root, []).append(source)

    def candidates(self, selection: Resource) -> list[Resource]:
        """The sources a selection may assign (a superset; membership is judged after)."""
        root = selection.root
        out: dict[int, Resource] = {}

        def add(items: list[Resource]) -> None:
            for r in items:
                out.setdefault(id(r), r)

        everything = self.by_root.get(root, [])
        resolve = self.shared.graph.resolve
        resources = fact(selection, "selection.resources").as_value()
        for payload in payloads(resources):
            for element in _elements(payload):
                if isinstance(element, Ref):
                    target = resolve(element)
                    if target is not None and kind_of(target) == "source":
                        add([target])
                elif isinstance(element, (str, PartialStr)):
                    if isinstance(element, PartialStr):
                        text, named = _pattern_text(element, resolve)
                        if named:
                            add(named)
                            continue
                    else:
                        text = element
                    parts = text.strip().split(":", 5)
                    if len(parts) == 6 and HIDDEN not in parts[2] and "*" not in parts[2]:
                        add(self.by_service.get((root, parts[2]), []))
                    elif text.strip() == "*" or HIDDEN in text or len(parts) == 6:
                        add(everything)
                elif element is not None:
                    add(everything)
        tags = fact(selection, "selection.tags").as_value()
        shape = SELECTION_SHAPES.get(selection.type)
        for payload in payloads(tags):
            for entry in _elements(payload):
                key = entry.get(shape.tag_key) if shape and isinstance(entry, Mapping) else None
                if isinstance(key, str):
                    add(self.by_tag.get((root, key), []))
                    add(self.open_tags.get(root, []))
                elif entry is not None:
                    add(everything)
        return list(out.values())


def index(shared: Analysis) -> SelectionIndex:
    found = shared.memo.get(_MEMO)
    if found is None:
        found = shared.memo[_MEMO] = SelectionIndex(shared)
    return found


def _elements(payload: Any) -> list[Any]:
    """A list-valued payload's elements, nested lists flattened; a single value as one."""
    if payload is None:
        return []
    if isinstance(payload, (list, tuple)):
        out: list[Any] = []
        for item in payload:
            out.extend(_elements(item) if isinstance(item, (list, tuple)) else [item])
        return out
    return [payload]


# ----------------------------------------------------------------------------- membership


def _entry_matches(shared: Analysis, element: Any, source: Resource, name: Any) -> bool | None:
    shape = SOURCES[source.type]
    if element is None:
        return False
    if isinstance(element, Unknown):
        return False if element.required_input else None
    if isinstance(element, Ref):
        return shared.graph.resolve(element) is source
    if isinstance(element, PartialStr):
        text, named = _pattern_text(element, shared.graph.resolve)
        if named:
            return any(r is source for r in named)
        return arn_matches(text, shape, name)
    if isinstance(element, str):
        return arn_matches(element, shape, name)
    return None


def _listed(shared: Analysis, payload: Any, source: Resource, name: Any) -> tuple[bool | None, int]:
    """Whether a ``Resources`` / ``NotResources`` payload names the source (and which entry)."""
    if isinstance(payload, Unknown):
        return (False if payload.required_input else None), -1
    seen_none = False
    for i, element in enumerate(_elements(payload)):
        verdict = _entry_matches(shared, element, source, name)
        if verdict is True:
            return True, i
        seen_none = seen_none or verdict is None
    return (None if seen_none else False), -1


def _tag_equals(tags: dict[str, Any] | None, key: Any, value: Any, like: bool) -> bool | None:
    if tags is None or not isinstance(key, str):
        return None
    if key not in tags:
        return False
    have = tags[key]
    if not isinstance(have, str) or not isinstance(value, str):
        if isinstance(have, PartialStr) and isinstance(value, str) and not like:
            return None if have.could_be(value) else False
        return None
    return fnmatchcase(have, value.replace("[", "[[]")) if like else have == value


def _by_tag(shape: SelectionShape, payload: Any, tags: dict[str, Any] | None) -> bool | None:
    if isinstance(payload, Unknown):
        return False if payload.required_input else None
    results = []
    for entry in _elements(payload):
        if not isinstance(entry, Mapping):
            results.append(None)
            continue
        kind = entry.get(shape.tag_type)
        if isinstance(kind, str) and kind.upper() != "STRINGEQUALS":
            results.append(None)
            continue
        results.append(
            _tag_equals(tags, entry.get(shape.tag_key), entry.get(shape.tag_value), False)
        )
    return or3(results)


def _conditions(shape: SelectionShape, payload: Any, tags: dict[str, Any] | None) -> bool | None:
    """Every condition test holds (no conditions: True)."""
    if isinstance(payload, Unknown):
        return False if payload.required_input else None
    results: list[bool | None] = []
    for block in _elements(payload):
        if not isinstance(block, Mapping):
            results.append(None)
            continue
        for op_name, operator in shape.operators.items():
            for test in _elements(block.get(op_name)):
                if not isinstance(test, Mapping):
                    results.append(None)
                    continue
                key = test.get(shape.cond_key)
                match = _TAG_KEY.fullmatch(key) if isinstance(key, str) else None
                if match is None:
                    results.append(None)
                    continue
                value = test.get(shape.cond_value)
                # an absent tag: the equality fails, so the Not tests hold (as IAM reads them)
                equal = _tag_equals(tags, match.group(1), value, operator.endswith("Like"))
                results.append(not3(equal) if "Not" in operator else equal)
    return and3(*results)


def assignments(
    shared: Analysis, selection: Resource, keep: Callable[[Resource], bool] | None = None
) -> Iterator[tuple[Resource, Assignment]]:
    """Each candidate source the selection assigns in some world, with the verdict (only the
    candidates ``keep`` accepts are judged: a rule asks about the sources it may flag)."""
    shape = SELECTION_SHAPES.get(selection.type)
    if shape is None:
        return
    values = [
        selection.exists,
        fact(selection, "selection.resources").as_value(),
        fact(selection, "selection.not_resources").as_value(),
        fact(selection, "selection.tags").as_value(),
        fact(selection, "selection.conditions").as_value(),
    ]
    for source in index(shared).candidates(selection):
        if keep is not None and not keep(source):
            continue
        verdict = judge_joint(
            [*values, source.exists, source_tags(source), source_name(source)],
            lambda *p, s=source: _member(shared, shape, s, *p),
        )
        if verdict is not None:
            yield source, Assignment(selection, source, verdict, *_why(shared, selection, source))


def _member(
    shared: Analysis,
    shape: SelectionShape,
    source: Resource,
    selection_alive: Any,
    resources: Any,
    not_resources: Any,
    tag_tests: Any,
    conditions: Any,
    source_alive: Any,
    tags_payload: Any,
    name: Any,
) -> bool | None:
    if alive(selection_alive) is False or alive(source_alive) is False:
        return True  # judged given that both exist: existence does not lower certainty
    tags = tag_map(tags_payload) if not isinstance(tags_payload, Unknown) else None
    listed, _ = _listed(shared, resources, source, name)
    picked = or3([listed, _by_tag(shape, tag_tests, tags)])
    if picked is False:
        return False
    excluded, _ = _listed(shared, not_resources, source, name)
    return and3(picked, _conditions(shape, conditions, tags), not3(excluded))


def _why(shared: Analysis, selection: Resource, source: Resource) -> tuple[str, str]:
    """How the selection names the source under the default inputs, and that path."""
    resources = fact(selection, "selection.resources")
    name = payloads(source_name(source))[0]
    listed, i = _listed(shared, resources.payload(), source, name)
    if listed and i >= 0:
        element = _elements(resources.payload())[i]
        path = f"{resources.path}[{i}]"
        return f"{path} = {_show(element)}", path
    tags = fact(selection, "selection.tags")
    shape = SELECTION_SHAPES[selection.type]
    for j, entry in enumerate(_elements(tags.payload())):
        if isinstance(entry, Mapping):
            key, value = entry.get(shape.tag_key), entry.get(shape.tag_value)
            return f"{tags.path} {_show(key)} = {_show(value)}", f"{tags.path}[{j}]"
    path = resources.path or tags.path
    return f"{path} (with other inputs)", path


def _show(payload: Any) -> str:
    if isinstance(payload, Ref):
        return f"{payload.address}.{payload.attribute}" if payload.attribute else payload.address
    if isinstance(payload, PartialStr):
        return str(payload)
    if isinstance(payload, str):
        return f'"{payload}"'
    if isinstance(payload, Unknown):
        return "(cannot be seen)"
    return str(payload)


def plan_of(shared: Analysis, selection: Resource) -> Resource | None:
    """The backup plan the selection assigns to, when it is in the graph."""
    for leaf in walk(fact(selection, "selection.plan").payload()):
        if isinstance(leaf, Ref):
            plan = shared.graph.resolve(leaf)
            if plan is not None and kind_of(plan) == "plan":
                return plan
    return None
