"""KMS key policies: parse a policy payload and decide whether it grants AWS Backup.

``parse_policy`` turns any payload an evaluator gives (a JSON string — heredoc JSON with
trailing commas is invalid and stays unknown —, a ``JsonEncoded`` structure, a CloudFormation
dict, a ``PartialStr`` whose unknown parts are replaced by placeholders before parsing) into a
``Policy`` of ``Statement``s, or an ``Unparsed`` reason.

``backup_grant(payload, mode)`` answers "does this key policy let AWS Backup use the key", as
AWS evaluates the policy: ``kms:Decrypt`` and ``kms:GenerateDataKey`` must both be allowed to
AWS Backup — by a statement whose principal is the service ``backup.amazonaws.com`` or ``*``,
or whose condition ``kms:ViaService`` admits ``backup.<region>.amazonaws.com`` (``StringEquals``
on a regional name, ``StringLike`` on ``backup.*.amazonaws.com`` with IAM's ``*``/``?``
wildcards, ``ForAnyValue:`` forms; ``backup.amazonaws.com`` is not a ViaService value and
matches nothing) — and not cancelled by an unconditional Deny covering the action for that
principal. A ViaService statement for AWS Backup that allows ``kms:CreateGrant`` is a grant by
itself (AWS Backup creates a grant for its jobs; AWS's own Backup guide gives this policy).
A principal of ``AWS`` ARNs alone (known or not) is never the backup service, except the AWS
Backup service-linked role and an IAM role the caller's ``roles`` check recognises as one AWS
Backup works as. ``*`` restricted by a positive condition on ``aws:PrincipalOrgID``,
``aws:PrincipalOrgPaths``, ``aws:PrincipalAccount`` or ``aws:PrincipalArn`` does not reach the
service principal (it carries none of those keys) unless an ``aws:PrincipalArn`` value admits
the service-linked role. Wildcard actions (``kms:*``, ``kms:GenerateDataKey*``, ``*``),
``NotAction`` and ``NotPrincipal`` are honoured. In ``iam-delegation`` mode the account root
(``arn:aws:iam::ACCOUNT:root`` or a bare account id) also counts, as does having no policy at
all (AWS's default key policy gives the account root ``kms:*``).

The answer is three-valued: True (grants), False (does not), None (cannot tell: unknown parts
decide it). Deny statements with conditions are treated as not cancelling (they normally
narrow to other principals or networks); this is documented in KMS003's catalog entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from iacguard.core.lazyre import lazy_compile
from iacguard.core.records import record
from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown

REQUIRED_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
GRANT_ACTION = "kms:CreateGrant"
BACKUP_SERVICE = "backup.amazonaws.com"
_VIA_BACKUP = lazy_compile(r"backup\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")
_SAMPLE_VIA = "backup.us-east-1.amazonaws.com"
#: the AWS Backup service-linked role (any account, any partition)
_BACKUP_SLR = lazy_compile(
    r"arn:aws[a-z-]*:iam::(\d{12}|\*):role/aws-service-role/backup\.amazonaws\.com/"
    r"AWSServiceRoleForBackup"
)
_SAMPLE_SLR = (
    "arn:aws:iam::111122223333:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
)
#: condition keys a service principal does not carry: a positive condition on one excludes it
_PRINCIPAL_KEYS = frozenset(
    {"aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn"}
)
_ROOT_ARN = lazy_compile(r"arn:aws[a-z-]*:iam::(\d{12}|[^:]*):root")
_PLACEHOLDER = "__iacguard_unknown_{}__"
_PLACEHOLDER_RE = lazy_compile(r"__iacguard_unknown_(\d+)__")


@record
class Statement:
    index: int
    sid: str | None
    effect: Any
    principal: Any
    not_principal: Any
    action: Any
    not_action: Any
    condition: Any

    def __init__(
        self,
        index: int,
        sid: str | None,
        effect: Any,
        principal: Any,
        not_principal: Any,
        action: Any,
        not_action: Any,
        condition: Any,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "index", index)
        set_field(self, "sid", sid)
        set_field(self, "effect", effect)
        set_field(self, "principal", principal)
        set_field(self, "not_principal", not_principal)
        set_field(self, "action", action)
        set_field(self, "not_action", not_action)
        set_field(self, "condition", condition)

    def label(self) -> str:
        return f"statement {self.sid!r}" if self.sid else f"statement #{self.index + 1}"


@record
class Policy:
    statements: tuple[Statement, ...]
    #: the statement list itself (or a statement) is unknown
    unknown: str | None = None


@record
class Unparsed:
    reason: str


@record
class GrantAnswer:
    grants: bool | None
    reason: str


# ----------------------------------------------------------------------------- parsing


def parse_policy(payload: Any) -> Policy | Unparsed | None:
    """A Policy, an Unparsed reason, or None when no policy is set."""
    if payload is None:
        return None
    data = _to_data(payload)
    if isinstance(data, Unparsed):
        return data
    if not isinstance(data, Mapping):
        return Unparsed("the policy is not a JSON object")
    statements = data.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if isinstance(statements, (Unknown, Ref, PartialStr)):
        return Policy((), unknown="its Statement list cannot be rendered")
    if statements is None:
        return Policy(())
    if not isinstance(statements, (list, tuple)):
        return Unparsed("Statement is not a list")
    out = []
    unknown = None
    for i, st in enumerate(statements):
        if not isinstance(st, Mapping):
            unknown = f"statement #{i + 1} cannot be rendered"
            continue
        sid = st.get("Sid")
        out.append(
            Statement(
                i,
                sid if isinstance(sid, str) else None,
                st.get("Effect", "Allow"),
                st.get("Principal"),
                st.get("NotPrincipal"),
                st.get("Action"),
                st.get("NotAction"),
                st.get("Condition"),
            )
        )
    return Policy(tuple(out), unknown)


def _to_data(payload: Any) -> Any:
    if isinstance(payload, JsonEncoded):
        return payload.data
    if isinstance(payload, Mapping):
        return payload
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError as exc:
            return Unparsed(f"the policy is not valid JSON ({exc.msg}, line {exc.lineno})")
    if isinstance(payload, PartialStr):
        return _parse_partial(payload)
    if isinstance(payload, Unknown):
        return Unparsed(payload.reason)
    if isinstance(payload, Ref):
        return Unparsed(f"the policy comes from {payload.address}, computed when applied")
    return Unparsed("the policy cannot be rendered")


def _parse_partial(payload: PartialStr) -> Any:
    holes: list[Any] = []
    text = []
    for part in payload.parts:
        if isinstance(part, str):
            text.append(part)
        else:
            text.append(_PLACEHOLDER.format(len(holes)))
            holes.append(part)
    try:
        data = json.loads("".join(text))
    except ValueError as exc:
        return Unparsed(f"the policy is not valid JSON ({exc.msg}, line {exc.lineno})")

    def back(node: Any) -> Any:
        if isinstance(node, str):
            pieces = _PLACEHOLDER_RE.split(node)
            if len(pieces) == 1:
                return node
            parts: list[Any] = []
            for k, piece in enumerate(pieces):
                if k % 2:
                    parts.append(holes[int(piece)])
                elif piece:
                    parts.append(piece)
            if len(parts) == 1 and not isinstance(parts[0], str):
                return parts[0]
            return PartialStr(tuple(parts))
        if isinstance(node, dict):
            return {k: back(v) for k, v in node.items()}
        if isinstance(node, list):
            return [back(v) for v in node]
        return node

    return back(data)


# ----------------------------------------------------------------------------- matching


def _strings(value: Any) -> tuple[list[Any], bool]:
    """The elements of a string-or-list field, and whether any is not a plain string."""
    items = value if isinstance(value, (list, tuple)) else [value]
    plain = [v for v in items if isinstance(v, str)]
    return items, len(plain) != len(items)


def iam_glob(pattern: str, text: str, *, ignore_case: bool = True) -> bool:
    """Does an IAM pattern match ``text``? ``*`` is any run of characters, ``?`` one
    character, everything else (``[``, ``]``, ...) itself."""
    if "*" not in pattern and "?" not in pattern:
        if not ignore_case:
            return pattern == text
        if pattern.isascii() and text.isascii():  # re's case folding is lower() here
            return pattern.lower() == text.lower()
    # re.escape writes ``*`` and ``?`` as ``\*`` and ``\?`` (and a backslash as two): the
    # wildcards are the only escaped stars and question marks
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, text, flags) is not None


def _match_text(pattern: Any, text: str) -> bool | None:
    """Does an IAM pattern (``*`` and ``?`` wildcards, case-insensitive) match ``text``?"""
    if isinstance(pattern, str):
        return iam_glob(pattern, text)
    if isinstance(pattern, PartialStr):
        # a wildcard inside a partly unknown pattern: can it match?
        if not pattern.could_be(text) and not _partial_glob(pattern, text):
            return False
        return None
    return None


def _partial_glob(pattern: PartialStr, text: str) -> bool:
    regex = "".join(
        re.escape(p).replace(r"\*", ".*").replace(r"\?", ".") if isinstance(p, str) else ".*"
        for p in pattern.parts
    )
    return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL) is not None


def _any3(results: Iterable[bool | None]) -> bool | None:
    seen_none = False
    for r in results:
        if r is True:
            return True
        if r is None:
            seen_none = True
    return None if seen_none else False


def _all3(results: Iterable[bool | None]) -> bool | None:
    seen_none = False
    for r in results:
        if r is False:
            return False
        if r is None:
            seen_none = True
    return None if seen_none else True


def _not3(r: bool | None) -> bool | None:
    return None if r is None else not r


def covers_action(st: Statement, action: str) -> bool | None:
    """Does the statement apply to ``action`` (Action / NotAction)?"""
    if st.action is not None:
        items, _ = _strings(st.action)
        return _any3(_match_text(a, action) for a in items)
    if st.not_action is not None:
        items, _ = _strings(st.not_action)
        return _not3(_any3(_match_text(a, action) for a in items))
    return False


def _principal_values(principal: Any) -> list[tuple[str, Any]] | None:
    """(kind, identifier) pairs; kind ``*`` for the bare wildcard. None when unknown."""
    if isinstance(principal, str):
        return [("*", principal)] if principal == "*" else [("AWS", principal)]
    if isinstance(principal, (Unknown, Ref, PartialStr)):
        return None
    if isinstance(principal, Mapping):
        out: list[tuple[str, Any]] = []
        for kind, ids in principal.items():
            if isinstance(ids, (Unknown, Ref)):
                out.append((str(kind), ids))
                continue
            items = ids if isinstance(ids, (list, tuple)) else [ids]
            out.extend((str(kind), i) for i in items)
        return out
    return None


def _is_root(identifier: Any) -> bool | None:
    if isinstance(identifier, str):
        return bool(_ROOT_ARN.fullmatch(identifier) or re.fullmatch(r"\d{12}", identifier))
    if isinstance(identifier, PartialStr):
        last = identifier.parts[-1] if identifier.parts else None
        if isinstance(last, str) and last.endswith(":root"):
            return True
        return None
    return None


#: tells whether an AWS principal (an ARN, a Ref to a role) is a role AWS Backup works as
RoleCheck = Callable[[Any], "bool | None"]


def _is_backup_slr(ident: Any) -> bool:
    return isinstance(ident, str) and _BACKUP_SLR.fullmatch(ident) is not None


def _principal_is_backup(
    kind: str, ident: Any, root_counts: bool, roles: RoleCheck | None = None
) -> bool | None:
    if kind == "*" or (kind == "AWS" and ident == "*"):
        return True
    if kind == "AWS" and (_is_backup_slr(ident) or (roles is not None and roles(ident))):
        return True
    if kind == "Service":
        if isinstance(ident, str):
            return ident.lower() == BACKUP_SERVICE
        if isinstance(ident, PartialStr):
            return True if ident.could_be(BACKUP_SERVICE) else False
        return None
    if kind == "AWS":
        # an AWS principal is an account or an IAM identity, never the service principal:
        # an unknown ARN cannot make it one (except the account root with iam-delegation)
        return _is_root(ident) if root_counts else False
    if isinstance(ident, (str, PartialStr)):
        return False
    return None


def _names_backup_role(st: Statement, roles: RoleCheck | None) -> bool:
    """Does the statement's Principal name, as an ``AWS`` ARN, a role AWS Backup works as
    (its service-linked role, or one the caller's ``roles`` check recognises)?"""
    if st.principal is None:
        return False
    pairs = _principal_values(st.principal) or []
    return any(
        kind == "AWS" and (_is_backup_slr(ident) or (roles is not None and roles(ident) is True))
        for kind, ident in pairs
    )


def covers_backup(st: Statement, root_counts: bool, roles: RoleCheck | None = None) -> bool | None:
    """Is AWS Backup among the statement's principals (Principal / NotPrincipal)?"""
    if st.principal is not None:
        pairs = _principal_values(st.principal)
        if pairs is None:
            return None
        return _any3(_principal_is_backup(k, i, root_counts, roles) for k, i in pairs)
    if st.not_principal is not None:
        pairs = _principal_values(st.not_principal)
        if pairs is None:
            return None
        return _not3(_any3(_principal_is_backup(k, i, False) for k, i in pairs))
    return False


def _operator(op: Any) -> tuple[str, bool, bool]:
    """An IAM condition operator -> (base operator lower-cased, negated, IfExists); the set
    qualifiers ``ForAnyValue:`` / ``ForAllValues:`` are dropped (the keys read here are
    single-valued, where both forms test the one value)."""
    text = str(op).lower()
    _, _, text = text.rpartition(":")
    if_exists = text.endswith("ifexists")
    if if_exists:
        text = text[: -len("ifexists")]
    negated = "not" in text
    return text.replace("not", ""), negated, if_exists


def _condition_values(condition: Any, keys: frozenset[str]) -> Iterator[tuple[str, str, Any]]:
    """(operator, key lower-cased, values) of every condition on one of ``keys``."""
    if not isinstance(condition, Mapping):
        return
    for op, block in condition.items():
        if not isinstance(block, Mapping):
            continue
        for key, values in block.items():
            if isinstance(key, str) and key.lower() in keys:
                yield str(op), key.lower(), values


def _admits(op: str, values: Any, matches: Callable[[Any, str], bool | None]) -> bool | None:
    """Does the condition ``op: {key: values}`` admit a request whose key matches the way
    ``matches(value, base_operator)`` says? Negated operators admit what matches none."""
    base, negated, _ = _operator(op)
    items = values if isinstance(values, (list, tuple)) else [values]
    hit = _any3(matches(v, base) for v in items)
    return _not3(hit) if negated else hit


def _via_service(condition: Any) -> tuple[bool, bool | None]:
    """(has a kms:ViaService condition, does it admit backup.<region>.amazonaws.com)."""
    found = False
    results: list[bool | None] = []
    for op, _, values in _condition_values(condition, frozenset({"kms:viaservice"})):
        found = True
        results.append(_admits(op, values, _via_value))
    if not found:
        return False, None
    return True, _all3(results)


#: Regions a ViaService pattern is tried on (a pattern admits AWS Backup when it admits the
#: endpoint of one of them)
_SAMPLE_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1")


def _via_value(value: Any, base: str) -> bool | None:
    like = "like" in base
    ignore_case = "ignorecase" in base
    if isinstance(value, str):
        if like:
            return any(
                iam_glob(value, f"backup.{r}.amazonaws.com{'.cn' if r.startswith('cn-') else ''}")
                for r in _SAMPLE_REGIONS
            )
        text = value.lower() if ignore_case else value
        return _VIA_BACKUP.fullmatch(text) is not None
    if isinstance(value, PartialStr):
        if not any(isinstance(p, str) and p for p in value.parts):
            return None
        return value.could_be(_SAMPLE_VIA) or (like and _partial_glob(value, _SAMPLE_VIA))
    return None


def _slr_value(value: Any, base: str) -> bool | None:
    """Does an ``aws:PrincipalArn`` value admit the AWS Backup service-linked role?"""
    if isinstance(value, str):
        if "like" in base:
            return iam_glob(value, _SAMPLE_SLR)
        return _BACKUP_SLR.fullmatch(value) is not None
    if isinstance(value, PartialStr):
        return True if value.could_be(_SAMPLE_SLR) or _partial_glob(value, _SAMPLE_SLR) else False
    return None


def principal_restriction(condition: Any) -> bool | None:
    """Is the statement restricted by a condition on a principal key that the backup service
    principal does not carry (``aws:PrincipalOrgID``, ``...OrgPaths``, ``...Account``,
    ``...Arn``)? Such a condition fails for the service principal unless an
    ``aws:PrincipalArn`` value admits the AWS Backup service-linked role. True: restricted so
    that AWS Backup is excluded; False: not restricted, or AWS Backup admitted; None: cannot
    tell. Negated and ``...IfExists`` operators pass when the key is absent: no restriction."""
    restricted = False
    admitted: list[bool | None] = []
    for op, key, values in _condition_values(condition, _PRINCIPAL_KEYS):
        _, negated, if_exists = _operator(op)
        if negated or if_exists:
            continue
        restricted = True
        if key == "aws:principalarn":
            admitted.append(_admits(op, values, _slr_value))
    if not restricted:
        return False
    return _not3(_any3(admitted))


def _effect(st: Statement) -> str | None:
    return st.effect if isinstance(st.effect, str) else None


def allows_backup(
    st: Statement, action: str, root_counts: bool, roles: RoleCheck | None = None
) -> bool | None:
    """Does this (Allow) statement let AWS Backup perform ``action``?"""
    if _effect(st) != "Allow":
        return None if _effect(st) is None else False
    act = covers_action(st, action)
    if act is False:
        return False
    has_via, via = _via_service(st.condition)
    if has_via:
        who = via
    else:
        who = covers_backup(st, root_counts, roles)
        if who is not False and not root_counts and not _names_backup_role(st, roles):
            # a principal key condition AWS Backup's service principal cannot satisfy (a role
            # AWS Backup works as is an IAM principal of the account: it carries them)
            who = _all3([who, _not3(principal_restriction(st.condition))])
    return _all3([act, who])


def allows_backup_grants(st: Statement) -> bool | None:
    """Does this (Allow) statement let AWS Backup create grants on the key through
    ``kms:ViaService`` (AWS Backup's own guide: ``kms:CreateGrant`` with
    ``kms:GrantIsForAWSResource`` and ``kms:ViaService`` ``backup.*.amazonaws.com``)? A grant
    AWS Backup creates for its jobs gives it what the jobs need, whoever the principal is."""
    if _effect(st) != "Allow":
        return None if _effect(st) is None else False
    has_via, via = _via_service(st.condition)
    if not has_via:
        return False
    return _all3([covers_action(st, GRANT_ACTION), via])


def denies_backup(st: Statement, action: str) -> bool | None:
    """Does this statement unconditionally deny ``action`` to AWS Backup?"""
    if _effect(st) != "Deny":
        return None if _effect(st) is None else False
    if st.condition:
        return False
    return _all3([covers_action(st, action), covers_backup(st, False)])


def backup_grant(
    payload: Any, mode: str = "explicit", roles: RoleCheck | None = None
) -> GrantAnswer:
    """Does the key policy ``payload`` grant AWS Backup what it needs? ``roles`` recognises
    the IAM roles AWS Backup works as (a statement for such a role is a grant too)."""
    delegation = mode == "iam-delegation"
    policy = parse_policy(payload)
    if policy is None:
        if delegation:
            return GrantAnswer(True, "the default key policy delegates to IAM")
        return GrantAnswer(
            False, "no key policy is set: the default policy grants only the account root"
        )
    if isinstance(policy, Unparsed):
        return GrantAnswer(None, f"the key policy cannot be read: {policy.reason}")
    per_action: list[bool | None] = []
    missing: list[str] = []
    denied_by: list[str] = []
    via_grants = _all3(
        [
            _any3(allows_backup_grants(st) for st in policy.statements),
            _not3(_any3(denies_backup(st, GRANT_ACTION) for st in policy.statements)),
        ]
    )
    for action in REQUIRED_ACTIONS:
        allowed = _any3(
            [
                _any3(allows_backup(st, action, delegation, roles) for st in policy.statements),
                via_grants,
            ]
        )
        if policy.unknown and allowed is not True:
            allowed = None
        denies = [(st, denies_backup(st, action)) for st in policy.statements]
        denied = _any3(d for _, d in denies)
        denied_by.extend(st.label() for st, d in denies if d)
        granted = _all3([allowed, _not3(denied)])
        if granted is False and allowed is False:
            missing.append(action)
        per_action.append(granted)
    result = _all3(per_action)
    if result is True:
        return GrantAnswer(True, "the key policy allows AWS Backup")
    if result is None:
        return GrantAnswer(None, "the key policy has parts that cannot be rendered")
    if denied_by:
        return GrantAnswer(
            False, f"the key policy's Deny {', '.join(sorted(set(denied_by)))} cancels it"
        )
    return GrantAnswer(False, _why_missing(policy, missing))


def _why_missing(policy: Policy, missing: list[str]) -> str:
    for st in policy.statements:
        has_via, via = _via_service(st.condition)
        if (
            has_via
            and via is False
            and _effect(st) == "Allow"
            and any(covers_action(st, a) for a in REQUIRED_ACTIONS)
            and "backup" in json.dumps(st.condition, default=str).lower()
        ):
            return (
                f"the key policy's {st.label()} limits kms:ViaService to no AWS Backup "
                "endpoint (backup.<region>.amazonaws.com; backup.amazonaws.com matches nothing)"
            )
        if (
            not has_via
            and _effect(st) == "Allow"
            and any(covers_action(st, a) for a in REQUIRED_ACTIONS)
            and covers_backup(st, False) is True
            and principal_restriction(st.condition) is True
        ):
            return (
                f"the key policy's {st.label()} is conditioned on the calling principal's "
                "organization, account or ARN, which the backup service principal does not carry"
            )
    which = " and ".join(missing) if missing else "kms:Decrypt and kms:GenerateDataKey"
    return f"no statement allows AWS Backup {which}"


def trusts_backup(payload: Any) -> bool | None:
    """Does a role's trust policy let backup.amazonaws.com assume it?"""
    policy = parse_policy(payload)
    if not isinstance(policy, Policy):
        return None if isinstance(policy, Unparsed) else False
    found = []
    for st in policy.statements:
        if _effect(st) != "Allow" or st.principal is None:
            continue
        pairs = _principal_values(st.principal)
        if pairs is None:
            found.append(None)
            continue
        service = _any3(
            (i.lower() == BACKUP_SERVICE if isinstance(i, str) else None)
            for k, i in pairs
            if k == "Service"
        )
        found.append(_all3([service, covers_action(st, "sts:AssumeRole")]))
    return _any3(found)
