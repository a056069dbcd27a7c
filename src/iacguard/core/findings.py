"""What a rule reports: a Finding with its evidence, certainty and location."""

from __future__ import annotations

import enum
from typing import Any

from iacguard.core.certainty import Certainty
from iacguard.core.fixes import Fix
from iacguard.core.located import Located
from iacguard.core.records import MISSING, field, record, replace
from iacguard.core.spans import Span


class Severity(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.strip().upper()]


@record
class Finding:
    rule_id: str
    rule_name: str
    severity: Severity
    certainty: Certainty
    message: str
    address: str
    resource_type: str
    root: str
    location: Span
    evidence: tuple[Located, ...] = ()
    #: the inputs (``var.x``, Parameter ``P``) that decide the finding
    inputs: tuple[str, ...] = ()
    fix: str | None = None
    suppressed: bool = False
    suppression_reason: str | None = None
    #: extra machine-readable facts (vault name, plan rule name...)
    properties: dict[str, Any] = field(default_factory=dict, compare=False)
    #: the attribute the finding is about, when a rule names one; with the rule, root and
    #: address it identifies a finding across edits (SARIF and GitLab fingerprints, baseline)
    attribute: str = ""
    #: when the resource exists, if count / for_each / a Condition gates it
    #: (``var.create_vault = true``); None: whatever the inputs
    exists_when: str | None = None
    #: edits that repair the finding (``iacguard check --fix``); ``fix`` is the advice in words
    fixes: tuple[Fix, ...] = ()

    def __init__(
        self,
        rule_id: str,
        rule_name: str,
        severity: Severity,
        certainty: Certainty,
        message: str,
        address: str,
        resource_type: str,
        root: str,
        location: Span,
        evidence: tuple[Located, ...] = (),
        inputs: tuple[str, ...] = (),
        fix: str | None = None,
        suppressed: bool = False,
        suppression_reason: str | None = None,
        properties: dict[str, Any] = MISSING,
        attribute: str = "",
        exists_when: str | None = None,
        fixes: tuple[Fix, ...] = (),
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "rule_id", rule_id)
        set_field(self, "rule_name", rule_name)
        set_field(self, "severity", severity)
        set_field(self, "certainty", certainty)
        set_field(self, "message", message)
        set_field(self, "address", address)
        set_field(self, "resource_type", resource_type)
        set_field(self, "root", root)
        set_field(self, "location", location)
        set_field(self, "evidence", evidence)
        set_field(self, "inputs", inputs)
        set_field(self, "fix", fix)
        set_field(self, "suppressed", suppressed)
        set_field(self, "suppression_reason", suppression_reason)
        set_field(self, "properties", {} if properties is MISSING else properties)
        set_field(self, "attribute", attribute)
        set_field(self, "exists_when", exists_when)
        set_field(self, "fixes", fixes)

    def with_(self, **changes: Any) -> Finding:
        return replace(self, **changes)

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        # the root last: two roots' findings at one place keep one order whatever --jobs is
        return (loc.path, loc.start_line, loc.start_column, self.rule_id, self.address, self.root)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "severity": self.severity.label,
            "certainty": self.certainty.label,
            "message": self.message,
            "resource": {"address": self.address, "type": self.resource_type, "root": self.root},
            "location": self.location.to_json(),
            "evidence": [e.to_json() for e in self.evidence],
            "inputs": list(self.inputs),
            "exists_when": self.exists_when,
            "fix": self.fix,
            "fixes": [x.to_json() for x in self.fixes],
            "suppressed": self.suppressed,
        }
        if self.suppressed:
            out["suppression_reason"] = self.suppression_reason
        return out
