"""BKP003 backup-vault-key-is-alias.

A backup vault whose key is given as an alias or alias ARN (``alias/...``,
``arn:aws:kms:...:alias/...``, ``!Ref`` of an ``AWS::KMS::Alias``, ``aws_kms_alias.x.arn``,
``data.aws_kms_alias.x.arn``). AWS Backup requires the key's ARN in ``EncryptionKeyArn`` /
``kms_key_arn``. The message says what to write instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iacguard.core.findings import Finding
from iacguard.core.fixes import Fix
from iacguard.core.located import Located
from iacguard.graph.facts import Fact
from iacguard.graph.model import Graph, Resource
from iacguard.rules.context import RuleContext, evidence_of, judged
from iacguard.rules.fix_values import replace_value
from iacguard.rules.keys import AWS_MANAGED, UNKNOWN, KeyInfo

_OPEN = ("any value of", "other values of")


def _alias_predicate(info: KeyInfo) -> bool | None:
    if info.alias_form:
        return True
    return None if info.kind == UNKNOWN else False  # REQUIRED: the caller must set it


def suggestion(vault: Resource, info: KeyInfo) -> str:
    cfn = vault.language == "cloudformation"
    attr = "EncryptionKeyArn" if cfn else "kms_key_arn"
    if info.key is not None:
        if cfn:
            return f"write !GetAtt {info.key.address}.Arn"
        if info.via is not None and info.via.type == "aws_kms_alias":
            return f"write {info.via.address}.target_key_arn (or {info.key.address}.arn)"
        return f"write {info.key.address}.arn"
    if info.via is not None and info.via.mode == "data":
        return f"write {info.via.address}.target_key_arn"
    if info.kind == AWS_MANAGED:
        # not "omit it": BKP001 would then flag the vault for the AWS-managed key
        key = "!GetAtt Key.Arn" if cfn else "aws_kms_key.<name>.arn"
        return f"set {attr} to a customer-managed key's ARN ({key})"
    if cfn:
        return "write the key's ARN (!GetAtt Key.Arn or arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)"
    return "write the key's ARN (aws_kms_alias.<name>.target_key_arn or aws_kms_key.<name>.arn)"


def check(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    shared = ctx.shared
    for vault in shared.of_kind("vault"):
        key_fact = shared.fact(vault, "vault.key")
        if key_fact.value is None:
            continue

        def predicate(payload: Any, v: Resource = vault) -> bool | None:
            return _alias_predicate(shared.classify(v, payload))

        verdict = judged(vault, key_fact.value, predicate)
        if verdict is None:
            continue
        infos = shared.key_infos(vault)
        info = next((i for i in infos if i.alias_form), None)
        attr = key_fact.path
        phrase = ctx.phrase(verdict, vault)
        if info is None:
            info = next((i for i in infos if i.kind == UNKNOWN), None)
            if info is None:
                info = KeyInfo(UNKNOWN, text=f"other values of {', '.join(sorted(verdict.inputs))}")
            # "any value of var.x" is what the certainty phrase already says
            unseen = info.text or "unknown"
            why = "" if unseen.startswith(_OPEN) else f" ({attr} cannot be seen: {unseen})"
            message = (
                f"Backup vault {vault.address} may give its key as an alias{phrase}{why}: AWS "
                f"Backup rejects an alias in {attr}."
            )
        else:
            message = (
                f"Backup vault {vault.address} gives its key as an alias ({info.text}){phrase}, "
                f"which AWS Backup rejects in {attr}: {suggestion(vault, info)}."
            )
        evidence = list(evidence_of(key_fact.value))
        evidence.append(Located(key_fact.span, f"{attr} = {info.text or 'unknown'}"))
        if info.via is not None:
            evidence.append(Located(info.via.span, f"{info.via.address} is an alias"))
        props: dict[str, Any] = {"alias": info.text}
        name = shared.fact(vault, "vault.name").payload()
        if isinstance(name, str):
            props["vault_name"] = name
        fixes = _key_arn_fix(shared.memo, vault, key_fact, info)
        yield ctx.finding(vault, verdict, message, key_fact.span, evidence, props, fixes)


def _local(resource: Resource) -> str:
    """The address as written inside its own module (``aws_kms_key.k``)."""
    prefix = f"{resource.module}." if resource.module else ""
    return resource.address[len(prefix) :] if resource.address.startswith(prefix) else ""


def _key_arn_fix(memo: dict, vault: Resource, key_fact: Fact, info: KeyInfo) -> tuple[Fix, ...]:
    """The key's ARN written for the alias, when the alias reaches a key of the graph in the
    vault's own module (unsafe: a vault's key cannot change in place, the vault is replaced)."""
    key = info.key
    if key is None or not info.alias_form or key.root != vault.root or key.module != vault.module:
        return ()
    key_local = _local(key)
    if not key_local or "[" in key_local:
        return ()
    via = info.via
    tf = f"{key_local}.arn"
    if via is not None and via.type == "aws_kms_alias" and via.module == vault.module:
        via_local = _local(via)
        if via_local and "[" not in via_local:
            tf = f"{via_local}.target_key_arn"
    expressions = {
        "terraform": tf,
        "yaml": f"!GetAtt {key_local}.Arn",
        "json": f'{{"Fn::GetAtt": ["{key_local}", "Arn"]}}',
    }
    return replace_value(memo, vault, key_fact, expressions, "unsafe")
