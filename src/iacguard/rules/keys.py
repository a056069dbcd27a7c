"""What a vault's key payload stands for: no key, an AWS-managed key, a customer key, unknown.

``classify_key(payload, root, graph)`` reads one payload of a vault's ``kms_key_arn`` /
``EncryptionKeyArn`` (a string, a ``PartialStr``, a ``Ref`` to a key / alias / data source, an
``Unknown``) and says what it is, whether it is written as an alias, and which key resource of
the graph it reaches (through aliases too). Language-free: types are read through
``graph.facts``.
"""

from __future__ import annotations

import re
from typing import Any

from iacguard.core.records import record
from iacguard.core.values import Known, PartialStr, Ref, Unknown
from iacguard.graph.facts import MANAGED_KEY_ATTRS, fact, kind_of, type_key
from iacguard.graph.model import Graph, Resource

ABSENT = "absent"
AWS_MANAGED = "aws_managed"
CMK = "cmk"
UNKNOWN = "unknown"
#: a required input with no default: the caller must set it, not a finding
REQUIRED = "required"

_ALIAS_ARN = re.compile(r"arn:aws[a-z-]*:kms:[^:]*:[^:]*:(alias/.+)")
_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[^:]*:[^:]*:key/.+")
_KEY_ID = re.compile(
    r"(mrk-)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|mrk-[0-9a-f]{32}"
)
_KEY_ATTRS = {None, "arn", "key_id", "id", "Arn", "KeyId"}
_ALIAS_SELF_ATTRS = {None, "arn", "name", "id", "Arn"}
_ALIAS_TARGET_ATTRS = {"target_key_arn", "target_key_id"}


@record
class KeyInfo:
    kind: str
    #: written as an alias or alias ARN (BKP003)
    alias_form: bool = False
    #: the key resource of the graph it reaches
    key: Resource | None = None
    #: the alias / data source resource it passes through
    via: Resource | None = None
    #: how it is written, for messages (``alias/aws/backup``, ``aws_kms_key.k.arn``)
    text: str = ""

    def __init__(
        self,
        kind: str,
        alias_form: bool = False,
        key: Resource | None = None,
        via: Resource | None = None,
        text: str = "",
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "kind", kind)
        set_field(self, "alias_form", alias_form)
        set_field(self, "key", key)
        set_field(self, "via", via)
        set_field(self, "text", text)


def _ref_text(ref: Ref) -> str:
    if ref.attribute is None:
        return f"!Ref {ref.address}"
    return f"{ref.address}.{ref.attribute}"


def classify_key(
    payload: Any,
    root: str,
    graph: Graph,
    depth: int = 0,
    managed: frozenset[str] = frozenset(),
) -> KeyInfo:
    """What a vault key payload stands for (see the module docstring). ``managed`` holds the
    literal ARNs / ids known to be AWS-managed keys (a plan's resolved data sources)."""
    if depth > 8:
        return KeyInfo(UNKNOWN, text="(too many indirections)")
    if payload is None:
        return KeyInfo(ABSENT)
    if isinstance(payload, str):
        return _with_named_alias(_classify_text(payload, managed), payload, root, graph, depth)
    if isinstance(payload, PartialStr):
        return _classify_partial(payload, root, graph, depth, managed)
    if isinstance(payload, Ref):
        return _classify_ref(payload, graph, depth, managed)
    if isinstance(payload, Unknown):
        return KeyInfo(REQUIRED if payload.required_input else UNKNOWN, text=payload.reason)
    return KeyInfo(UNKNOWN, text=repr(payload))


def _classify_text(text: str, managed: frozenset[str] = frozenset()) -> KeyInfo:
    s = text.strip()
    if not s:
        return KeyInfo(ABSENT, text=text)
    if s in managed:
        return KeyInfo(AWS_MANAGED, text=f"{s} (the key behind alias/aws/backup)")
    alias = s if s.startswith("alias/") else None
    m = _ALIAS_ARN.fullmatch(s)
    if m:
        alias = m.group(1)
    if alias is not None:
        kind = AWS_MANAGED if alias.startswith("alias/aws/") else CMK
        return KeyInfo(kind, alias_form=True, text=s)
    if _KEY_ARN.fullmatch(s) or _KEY_ID.fullmatch(s.lower()):
        return KeyInfo(CMK, text=s)
    return KeyInfo(UNKNOWN, text=s)


def show(payload: Any) -> str:
    """A payload as a message shows it: ``arn:aws:kms:${AWS::Region}:...``."""
    if isinstance(payload, PartialStr):
        return "".join(_show_part(p) for p in payload.parts)
    if isinstance(payload, Ref):
        return _ref_text(payload)
    return str(payload)


def _show_part(part: Any) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Ref):
        return "${" + _ref_text(part).removeprefix("!Ref ") + "}"
    reason = getattr(part, "reason", "")
    if reason.startswith("pseudo parameter "):
        return "${" + reason.removeprefix("pseudo parameter ") + "}"
    inputs = getattr(part, "inputs", frozenset())
    if len(inputs) == 1:
        return "${" + next(iter(inputs)) + "}"
    return "${?}"


def _alias_part(part: Any, graph: Graph) -> Resource | None:
    """The alias resource a part of an interpolated key string names, if it is one."""
    if isinstance(part, Ref) and part.attribute in (None, "name", "id"):
        target = graph.resolve(part)
        if target is not None and kind_of(target) == "alias":
            return target
    return None


def _alias_name_part(part: Any, graph: Graph) -> str:
    """A part of an interpolated key string: an alias resource's name reads ``alias/``."""
    target = _alias_part(part, graph)
    if target is not None:
        name = _configured(target, "alias.name")
        return name if isinstance(name, str) else "alias/\x00"
    return "\x00"


def _show_resolved(p: PartialStr, graph: Graph) -> str:
    """``show`` with each alias reference replaced by the alias's name when it is known."""
    out = []
    for part in p.parts:
        target = _alias_part(part, graph)
        name = _configured(target, "alias.name") if target is not None else None
        out.append(name if isinstance(name, str) else _show_part(part))
    return "".join(out)


def alias_named(graph: Graph, root: str, name: str) -> Resource | None:
    """The alias resource of ``root`` whose configured name is ``name``."""
    for r in graph.in_root(root):
        if kind_of(r) == "alias" and _configured(r, "alias.name") == name:
            return r
    return None


def _through_alias(
    info: KeyInfo, alias: Resource, graph: Graph, depth: int, managed: frozenset[str]
) -> KeyInfo:
    """``info`` reaching the target key of ``alias``."""
    inner = classify_key(_configured(alias, "alias.target"), alias.root, graph, depth + 1, managed)
    kind = info.kind
    if kind == UNKNOWN and inner.kind not in (ABSENT, UNKNOWN, REQUIRED):
        kind = inner.kind
    return KeyInfo(kind, info.alias_form, inner.key, alias, info.text)


def _with_named_alias(info: KeyInfo, written: str, root: str, graph: Graph, depth: int) -> KeyInfo:
    """A literal alias name (``alias/vault-key``) reaches the alias of that name in ``root``.
    An alias ARN with a literal account or region may name another account's alias: not
    followed."""
    name = written.strip()
    if not (info.alias_form and info.kind == CMK and name.startswith("alias/")):
        return info
    alias = alias_named(graph, root, name)
    return info if alias is None else _through_alias(info, alias, graph, depth, frozenset())


def _classify_partial(
    p: PartialStr, root: str, graph: Graph, depth: int, managed: frozenset[str]
) -> KeyInfo:
    text = "".join(
        part if isinstance(part, str) else _alias_name_part(part, graph) for part in p.parts
    )
    shown = _show_resolved(p, graph)
    idx = text.find("alias/")
    if idx >= 0 and (idx == 0 or text[idx - 1] == ":"):
        rest = text[idx + len("alias/") :]
        if rest.startswith("aws/"):
            return KeyInfo(AWS_MANAGED, alias_form=True, text=shown)
        kind = UNKNOWN if rest.startswith("\x00") else CMK
        info = KeyInfo(kind, alias_form=True, text=shown)
        refs = [a for a in (_alias_part(part, graph) for part in p.parts) if a is not None]
        if len(refs) == 1:
            return _through_alias(info, refs[0], graph, depth, managed)
        if not refs and "\x00" not in rest and _is_alias_arn_of_this_stack(p):
            alias = alias_named(graph, root, "alias/" + rest)
            if alias is not None:
                return _through_alias(info, alias, graph, depth, managed)
        return info
    if ":key/" in text or text.startswith("key/"):
        return KeyInfo(CMK, text=shown)
    return KeyInfo(UNKNOWN, text=shown)


_ARN_PREFIX = re.compile(r"arn:aws[a-z-]*:kms:$")


def _is_alias_arn_of_this_stack(p: PartialStr) -> bool:
    """``arn:aws:kms:<region>:<account>:alias/NAME`` whose region and account are each one
    unknown part (``${AWS::Region}``, ``${AWS::AccountId}``, an input), the alias name literal."""
    parts = p.parts
    return (
        len(parts) == 5
        and isinstance(parts[0], str)
        and _ARN_PREFIX.fullmatch(parts[0]) is not None
        and not isinstance(parts[1], str)
        and parts[2] == ":"
        and not isinstance(parts[3], str)
        and isinstance(parts[4], str)
        and parts[4].startswith(":alias/")
    )


def _configured(resource: Resource, name: str) -> Any:
    value = fact(resource, name).value
    if isinstance(value, Known):
        return value.value
    if value is None:
        return None
    return value.default if not isinstance(value, Unknown) else value


def _classify_ref(ref: Ref, graph: Graph, depth: int, managed: frozenset[str]) -> KeyInfo:
    text = _ref_text(ref)
    target = graph.resolve(ref)
    if target is None:
        return KeyInfo(UNKNOWN, text=text)
    kind = kind_of(target)
    if kind == "key":
        if ref.attribute in _KEY_ATTRS:
            return KeyInfo(CMK, key=target, text=text)
        return KeyInfo(UNKNOWN, text=text)
    if kind == "alias":
        if ref.attribute in _ALIAS_SELF_ATTRS or ref.attribute in _ALIAS_TARGET_ATTRS:
            inner = classify_key(
                _configured(target, "alias.target"), target.root, graph, depth + 1, managed
            )
            kind_ = inner.kind if inner.kind != ABSENT else UNKNOWN
            name = _configured(target, "alias.name")
            if isinstance(name, str) and name.startswith("alias/aws/"):
                kind_ = AWS_MANAGED
            alias_form = ref.attribute not in _ALIAS_TARGET_ATTRS
            return KeyInfo(kind_, alias_form=alias_form, key=inner.key, via=target, text=text)
        return KeyInfo(UNKNOWN, text=text)
    if kind == "data_alias":
        name = _configured(target, "alias.name")
        if not isinstance(name, str):
            kind_ = UNKNOWN
        else:
            kind_ = AWS_MANAGED if name.startswith("alias/aws/") else CMK
        alias_form = ref.attribute in {"arn", "id", "name", None}
        return KeyInfo(kind_, alias_form=alias_form, via=target, text=text)
    if kind == "data_key":
        inner = classify_key(
            _configured(target, "data_key.key_id"), target.root, graph, depth + 1, managed
        )
        kind_ = inner.kind if inner.kind != ABSENT else UNKNOWN
        return KeyInfo(kind_, key=inner.key, via=target, text=text)
    return KeyInfo(UNKNOWN, text=text)


def managed_key_ids(graph: Graph, resources: list[Resource]) -> frozenset[str]:
    """Literal key ARNs / ids that data sources show to be AWS-managed (plan JSON resolves
    ``data.aws_kms_alias`` of ``alias/aws/backup`` to its key's ARN)."""
    out: set[str] = set()
    for r in resources:
        kind = kind_of(r)
        if kind == "data_alias":
            name, attrs = _configured(r, "alias.name"), MANAGED_KEY_ATTRS[type_key(r)]
        elif kind == "data_key":
            name, attrs = _configured(r, "data_key.key_id"), MANAGED_KEY_ATTRS[type_key(r)]
        else:
            continue
        if not (isinstance(name, str) and (name.startswith("alias/aws/") or ":alias/aws/" in name)):
            continue
        for attr in attrs:
            value = r.attributes.get(attr)
            if isinstance(value, Known) and isinstance(value.value, str) and value.value:
                out.add(value.value)
    return frozenset(out)
