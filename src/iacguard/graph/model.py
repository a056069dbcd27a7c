"""The resource graph: one model for Terraform, CloudFormation and plan JSON.

Rules see only this module's types and ``values``; never a parser's.

Addresses: Terraform exactly as Terraform prints them (``aws_kms_key.k["logs"]``,
``aws_backup_vault.replicas[1]``, ``module.backup.aws_backup_vault.this``,
``data.aws_iam_policy_document.x``); CloudFormation the logical id; plan JSON the plan's
``address``. An address is unique within its ``root`` (the root module directory or the
template file it was evaluated from).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

from iacguard.core.located import FileError, Located
from iacguard.core.records import MISSING, field, record
from iacguard.core.spans import Span
from iacguard.core.values import Known, Ref, Value, default_of, value_to_json

Language = Literal["terraform", "cloudformation", "plan"]
Mode = Literal["managed", "data"]

ALWAYS = Known(True)
#: the attribute key a CloudFormation resource's ``Metadata`` is kept under (for suppressions)
METADATA_ATTRIBUTE = "__metadata__"


@record
class Resource:
    """One resource (or data source) instance.

    ``attributes`` maps top-level attribute and block names to Values. Nested blocks are
    lists of dicts inside the payload (``rule`` -> ``[{"rule_name": ..., "copy_action":
    [{...}]}]``). ``spans`` gives the source span of every attribute path evaluated, with
    paths written ``rule[0].copy_action[0].destination_vault_arn``; the resource's own
    ``span`` is its block header (Terraform) or logical-id key (CloudFormation).
    ``extent`` is the whole block / mapping. ``exists`` is a boolean Value: Known(True)
    normally; input-dependent with ``count`` / ``for_each`` / CFN ``Condition`` that depend on
    inputs. The attribute Values are those of the worlds where the resource exists (Terraform:
    from the instance's first world of existence; CloudFormation: where its Condition holds),
    so rules judge them given existence and report ``exists`` apart.
    """

    address: str
    type: str
    root: str
    span: Span
    attributes: Mapping[str, Value]
    language: Language
    mode: Mode = "managed"
    module: str = ""
    exists: Value = ALWAYS
    spans: Mapping[str, Span] = field(default_factory=dict)
    #: the whole block (Terraform) or the whole logical-id mapping (CloudFormation): inline
    #: suppressions inside it apply to this resource
    extent: Span | None = None

    def __init__(
        self,
        address: str,
        type: str,
        root: str,
        span: Span,
        attributes: Mapping[str, Value],
        language: Language,
        mode: Mode = "managed",
        module: str = "",
        exists: Value = ALWAYS,
        spans: Mapping[str, Span] = MISSING,
        extent: Span | None = None,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "address", address)
        set_field(self, "type", type)
        set_field(self, "root", root)
        set_field(self, "span", span)
        set_field(self, "attributes", attributes)
        set_field(self, "language", language)
        set_field(self, "mode", mode)
        set_field(self, "module", module)
        set_field(self, "exists", exists)
        set_field(self, "spans", {} if spans is MISSING else spans)
        set_field(self, "extent", extent)

    def get(self, name: str) -> Value | None:
        return self.attributes.get(name)

    def value(self, name: str, default: Any = None) -> Any:
        """The payload of an attribute under the default inputs (``default`` if absent)."""
        found = self.attributes.get(name)
        return default if found is None else default_of(found)

    def span_of(self, path: str) -> Span:
        """The span of an attribute path, else of its closest parent, else the header."""
        while path:
            if path in self.spans:
                return self.spans[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.span

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "address": self.address,
            "type": self.type,
            "mode": self.mode,
            "root": self.root,
            "language": self.language,
            "location": self.span.to_json(),
            "attributes": {k: value_to_json(v) for k, v in self.attributes.items()},
        }
        if self.module:
            out["module"] = self.module
        if self.exists is not ALWAYS and self.exists != ALWAYS:
            out["exists"] = value_to_json(self.exists)
        return out


@record
class Edge:
    """A reference from one resource's attribute to another resource (or its attribute)."""

    source: str
    source_attribute: str
    target: str
    target_attribute: str | None
    root: str
    span: Span | None

    def __init__(
        self,
        source: str,
        source_attribute: str,
        target: str,
        target_attribute: str | None,
        root: str,
        span: Span | None,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "source", source)
        set_field(self, "source_attribute", source_attribute)
        set_field(self, "target", target)
        set_field(self, "target_attribute", target_attribute)
        set_field(self, "root", root)
        set_field(self, "span", span)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "source_attribute": self.source_attribute,
            "target": self.target,
            "target_attribute": self.target_attribute,
            "root": self.root,
            "location": self.span.to_json() if self.span else None,
        }


@record
class Graph:
    resources: tuple[Resource, ...] = ()
    edges: tuple[Edge, ...] = ()
    errors: tuple[FileError, ...] = ()
    notes: tuple[Located, ...] = ()
    #: every root evaluated: module directories and template files
    roots: tuple[str, ...] = ()
    #: ``(root, input, file)``: root inputs whose default-world value a file assigns (a
    #: tfvars file) rather than the declaration's default, so messages can name it
    assigned: tuple[tuple[str, str, str], ...] = ()
    _index: dict[tuple[str, str], Resource] = field(default_factory=dict, compare=False, repr=False)

    def __init__(
        self,
        resources: tuple[Resource, ...] = (),
        edges: tuple[Edge, ...] = (),
        errors: tuple[FileError, ...] = (),
        notes: tuple[Located, ...] = (),
        roots: tuple[str, ...] = (),
        assigned: tuple[tuple[str, str, str], ...] = (),
        _index: dict[tuple[str, str], Resource] = MISSING,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "resources", resources)
        set_field(self, "edges", edges)
        set_field(self, "errors", errors)
        set_field(self, "notes", notes)
        set_field(self, "roots", roots)
        set_field(self, "assigned", assigned)
        set_field(self, "_index", {} if _index is MISSING else _index)
        self.__post_init__()

    def __post_init__(self) -> None:
        index = self._index
        for r in self.resources:
            index.setdefault((r.root, r.address), r)

    @classmethod
    def merge(cls, graphs: Iterable[Graph]) -> Graph:
        resources: list[Resource] = []
        edges: list[Edge] = []
        errors: list[FileError] = []
        notes: list[Located] = []
        roots: list[str] = []
        assigned: list[tuple[str, str, str]] = []
        for g in graphs:
            resources.extend(g.resources)
            edges.extend(g.edges)
            errors.extend(g.errors)
            notes.extend(g.notes)
            roots.extend(g.roots)
            assigned.extend(g.assigned)
        return cls(
            tuple(resources),
            tuple(edges),
            tuple(errors),
            tuple(notes),
            tuple(roots),
            tuple(assigned),
        )

    def assigned_in(self, root: str, name: str) -> str | None:
        """The file (``terraform.tfvars``) that assigns root input ``name`` its default-world
        value, or None (the declaration's default)."""
        for r, n, where in self.assigned:
            if r == root and n == name:
                return where
        return None

    def get(self, root: str, address: str) -> Resource | None:
        return self._index.get((root, address))

    def resolve(self, ref: Ref) -> Resource | None:
        """The resource a Ref points at, or None when it is not in the graph."""
        return self._index.get((ref.root, ref.address))

    def of_type(self, *types: str) -> Iterator[Resource]:
        wanted = set(types)
        return (r for r in self.resources if r.type in wanted)

    def in_root(self, root: str) -> Iterator[Resource]:
        return (r for r in self.resources if r.root == root)

    def edges_from(self, root: str, address: str) -> Iterator[Edge]:
        return (e for e in self.edges if e.root == root and e.source == address)

    def edges_to(self, root: str, address: str) -> Iterator[Edge]:
        return (e for e in self.edges if e.root == root and e.target == address)

    def to_json(self) -> dict[str, Any]:
        return {
            "resources": [r.to_json() for r in self.resources],
            "edges": [e.to_json() for e in self.edges],
            "errors": [e.to_json() for e in self.errors],
            "notes": [n.to_json() for n in self.notes],
        }
