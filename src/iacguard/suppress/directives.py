"""Suppression directives: found in comments and CloudFormation Metadata, parsed, and tied to
the resources they apply to.

Forms understood (``ids`` are rule ids or rule names, comma-separated):

* a comment ``iacguard: ignore[KMS001,kms-key-short-deletion-window] until=2027-01-31 --
  reason`` in Terraform (``#``, ``//``, ``/* */``) or CloudFormation YAML (``#``), on the
  comment lines directly above a resource's header, on the header line, or anywhere inside the
  resource's block / mapping: it applies to that resource;
* CloudFormation ``Metadata: {iacguard: {ignore: [{id: KMS001, reason: ..., until: ...}]}}``;
* checkov's ``checkov:skip=CKV_AWS_7:reason`` comment and CloudFormation
  ``Metadata: {checkov: {skip: [{id: CKV_AWS_7, comment: ...}]}}`` for the checkov ids that map
  to a rule (the catalog's ``aliases``; CKV_AWS_166 -> BKP001, CKV_AWS_7 -> KMS001). Other
  checkov ids are checkov's business and ignored.

What becomes of each directive (SUP001-003) is ``iacguard.suppress.apply``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from iacguard.core.files import read_regular
from iacguard.core.lazyre import lazy_compile
from iacguard.core.records import MISSING, field, record
from iacguard.core.spans import Span
from iacguard.core.values import default_of
from iacguard.graph.model import METADATA_ATTRIBUTE, Graph, Resource
from iacguard.parse.comments import hcl_comments, yaml_comments
from iacguard.rules.registry import builtin_aliases, rule_names

_DIRECTIVE = lazy_compile(r"iacguard\s*:\s*ignore\b(?P<rest>.*)$", re.I)
_IDS = lazy_compile(r"\s*\[(?P<ids>[^\]]*)\](?P<rest>.*)$")
_UNTIL = lazy_compile(r"\s*until\s*=\s*(?P<until>\S+)(?P<rest>.*)$", re.I)
_REASON = lazy_compile(r"\s*--(?P<reason>.*)$")
_CHECKOV = lazy_compile(r"checkov\s*:\s*skip\s*=\s*(?P<id>[A-Za-z0-9_]+)(?:\s*:(?P<reason>.*))?$")
#: ``trivy:ignore:AVD-AWS-0065`` / ``tfsec:ignore:aws-kms-auto-rotate-keys``, each with an
#: optional ``:exp:YYYY-MM-DD`` (the last day it applies), as trivy and tfsec read them
_TRIVY = lazy_compile(
    r"(?P<tool>trivy|tfsec)\s*:\s*ignore\s*:\s*(?P<id>[A-Za-z0-9_.-]+?)"
    r"(?::exp:(?P<exp>\d{4}-\d{2}-\d{2}))?(?=$|[\s:])",
    re.I,
)
_MARKERS = lazy_compile(r"iacguard|checkov|trivy|tfsec", re.I)
_MARKER_BYTES = (b"iacguard", b"checkov", b"trivy", b"tfsec")


@record(frozen=False)
class Suppression:
    """One suppression directive and what became of it."""

    span: Span
    #: "comment", "metadata" (iacguard's own), "checkov-comment", "checkov-metadata",
    #: "trivy-comment", "tfsec-comment" (a peer's skip, honoured as that tool does)
    kind: str
    #: the rule ids (names resolved); unknown entries are in ``unknown``
    ids: tuple[str, ...]
    reason: str | None
    until: date | None = None
    unknown: tuple[str, ...] = ()
    #: why the directive cannot be used at all (bad date, no ids)
    invalid: str | None = None
    targets: list[Resource] = field(default_factory=list, repr=False)
    used: set[str] = field(default_factory=set)

    def __init__(
        self,
        span: Span,
        kind: str,
        ids: tuple[str, ...],
        reason: str | None,
        until: date | None = None,
        unknown: tuple[str, ...] = (),
        invalid: str | None = None,
        targets: list[Resource] = MISSING,
        used: set[str] = MISSING,
    ) -> None:
        self.span = span
        self.kind = kind
        self.ids = ids
        self.reason = reason
        self.until = until
        self.unknown = unknown
        self.invalid = invalid
        self.targets = [] if targets is MISSING else targets
        self.used = set() if used is MISSING else used

    @property
    def is_checkov(self) -> bool:
        return self.kind.startswith("checkov")

    @property
    def is_peer(self) -> bool:
        """A checkov, trivy or tfsec skip: it applies without a reason, as in that tool."""
        return self.kind.startswith(("checkov", "trivy", "tfsec"))


def collect_suppressions(
    graph: Graph,
    names: Mapping[str, str] | None = None,
    checkov: Mapping[str, str] | None = None,
) -> list[Suppression]:
    """Every suppression in the files and Metadata of the graph's resources."""
    # the rule tables cost a catalog load: only read when a directive is found
    names = LazyMap(rule_names) if names is None else names
    checkov = LazyMap(checkov_ids) if checkov is None else checkov
    by_file: dict[str, list[Resource]] = {}
    out: list[Suppression] = []
    for resource in graph.resources:
        if resource.language == "plan":
            continue
        by_file.setdefault(resource.span.path, []).append(resource)
        if resource.language == "cloudformation" and METADATA_ATTRIBUTE in resource.attributes:
            out.extend(_from_metadata(resource, names, checkov))
    for path, resources in by_file.items():
        out.extend(_from_file(path, resources, names, checkov))
    return _dedupe(out)


def _dedupe(found: list[Suppression]) -> list[Suppression]:
    """One Suppression per directive: the same Metadata seen in several roots is merged."""
    seen: dict[tuple[Any, ...], Suppression] = {}
    out: list[Suppression] = []
    for s in found:
        key = (s.span, s.kind, s.ids, s.unknown, s.reason, s.until)
        if key in seen:
            seen[key].targets.extend(r for r in s.targets if r not in seen[key].targets)
            continue
        seen[key] = s
        out.append(s)
    return out


def _from_file(
    path: str,
    resources: list[Resource],
    names: Mapping[str, str],
    checkov: Mapping[str, str],
) -> list[Suppression]:
    try:
        data = read_regular(path)
    except OSError:
        return []  # the evaluator reported the unreadable file already
    lowered = data.lower()
    if not any(marker in lowered for marker in _MARKER_BYTES):
        return []
    text = data.decode("utf-8", errors="replace")
    language = resources[0].language
    if language == "cloudformation":
        if path.lower().endswith(".json"):
            return []  # JSON has no comments: Metadata is the way there
        comments = yaml_comments(text)
    else:
        if path.lower().endswith(".json"):
            return []
        comments = hcl_comments(text)
    directives = [c for c in comments if _MARKERS.search(c.text)]
    if not directives:
        return []
    headers: dict[int, list[Resource]] = {}
    for r in resources:
        headers.setdefault(r.span.start_line, []).append(r)
    alone = {c.line for c in comments if c.alone}
    # the comment-only lines directly above a header belong to that header
    leading: dict[int, int] = {}
    for line in headers:
        above = line - 1
        while above in alone and above not in headers:
            leading.setdefault(above, line)
            above -= 1
    out: list[Suppression] = []
    for comment in directives:
        parsed = parse_directive(comment.text, names, checkov)
        if parsed is None:
            continue
        offset, length, suppression = parsed
        column = comment.column + offset
        suppression.span = Span(path, comment.line, column, comment.line, column + length)
        if comment.line in headers:
            suppression.targets = list(headers[comment.line])
        elif comment.line in leading:
            suppression.targets = list(headers[leading[comment.line]])
        else:
            suppression.targets = _innermost(resources, comment.line)
        out.append(suppression)
    return out


def _innermost(resources: Iterable[Resource], line: int) -> list[Resource]:
    best: list[Resource] = []
    best_size: int | None = None
    for r in resources:
        extent = r.extent or r.span
        if not extent.start_line <= line <= extent.end_line:
            continue
        size = extent.end_line - extent.start_line
        if best_size is None or size < best_size:
            best, best_size = [r], size
        elif size == best_size and (r.extent or r.span) == (best[0].extent or best[0].span):
            best.append(r)
    return best


def parse_directive(
    text: str, names: Mapping[str, str], checkov: Mapping[str, str]
) -> tuple[int, int, Suppression] | None:
    """(offset in ``text``, length, Suppression without span/targets) for a directive, or None.

    Returns None for text that is no directive at all, and for checkov skips of ids that map
    to no rule.
    """
    placeholder = Span("", 0, 0, 0, 0)
    match = _DIRECTIVE.search(text)
    if match:
        rest = match.group("rest").rstrip()
        if rest.endswith("*/"):
            rest = rest[:-2].rstrip()
        length = match.start("rest") - match.start() + len(rest)
        ids_match = _IDS.match(rest)
        if ids_match is None:
            bad = Suppression(placeholder, "comment", (), None, invalid="no rule ids in [...]")
            return match.start(), length, bad
        raw = [p.strip() for p in ids_match.group("ids").split(",") if p.strip()]
        ids, unknown = resolve_ids(raw, names)
        rest = ids_match.group("rest")
        until: date | None = None
        invalid: str | None = None
        until_match = _UNTIL.match(rest)
        if until_match:
            until, invalid = _parse_date(until_match.group("until"))
            rest = until_match.group("rest")
        reason_match = _REASON.match(rest)
        reason = reason_match.group("reason").strip() if reason_match else None
        if not raw:
            invalid = "no rule ids in [...]"
        suppression = Suppression(
            placeholder, "comment", ids, reason or None, until, unknown, invalid
        )
        return match.start(), length, suppression
    match = _CHECKOV.search(text)
    if match:
        rid = checkov.get(match.group("id")) or checkov.get(match.group("id").upper())
        if rid is None:
            return None
        reason = (match.group("reason") or "").strip()
        if reason.endswith("*/"):
            reason = reason[:-2].rstrip()
        length = len(text.rstrip()) - match.start()
        suppression = Suppression(placeholder, "checkov-comment", (rid,), reason or None)
        return match.start(), length, suppression
    match = _TRIVY.search(text)
    if match:
        rid = checkov.get(match.group("id")) or checkov.get(match.group("id").upper())
        if rid is None:
            return None  # an id of theirs with no iacguard rule: their business
        until, invalid = (None, None)
        if match.group("exp"):
            until, invalid = _parse_date(match.group("exp"))
        kind = f"{match.group('tool').lower()}-comment"
        suppression = Suppression(placeholder, kind, (rid,), None, until, (), invalid)
        return match.start(), match.end() - match.start(), suppression
    return None


def resolve_ids(
    raw: Iterable[str], names: Mapping[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Rule ids for entries written as ids (any case) or names; the unknown ones apart."""
    by_name = {name: rid for rid, name in names.items()}
    ids: list[str] = []
    unknown: list[str] = []
    for item in raw:
        rid = item.upper() if item.upper() in names else by_name.get(item.lower())
        if rid is None:
            unknown.append(item)
        elif rid not in ids:
            ids.append(rid)
    return tuple(ids), tuple(unknown)


def _parse_date(text: Any) -> tuple[date | None, str | None]:
    if isinstance(text, datetime):
        return text.date(), None
    if isinstance(text, date):
        return text, None
    try:
        return date.fromisoformat(str(text).strip()), None
    except ValueError:
        return None, f"until={text} is not a date (YYYY-MM-DD)"


def _from_metadata(
    resource: Resource, names: Mapping[str, str], checkov: Mapping[str, str]
) -> list[Suppression]:
    value = resource.attributes[METADATA_ATTRIBUTE]
    payload = default_of(value)
    block = getattr(value, "span", None) or resource.span

    def span_of(path: str) -> Span:
        found = resource.spans.get(path)
        return found if found is not None else block

    if not isinstance(payload, Mapping):
        return []
    out: list[Suppression] = []
    ours = payload.get("iacguard")
    entries = ours.get("ignore") if isinstance(ours, Mapping) else None
    base = f"{METADATA_ATTRIBUTE}.iacguard.ignore"
    if isinstance(ours, Mapping) and entries is not None and not isinstance(entries, list):
        bad = Suppression(
            span_of(base),
            "metadata",
            (),
            None,
            invalid="Metadata iacguard.ignore must be a list",
        )
        bad.targets = [resource]
        out.append(bad)
        entries = None
    for i, entry in enumerate(entries or ()):
        span = span_of(f"{base}[{i}]")
        if not isinstance(entry, Mapping):
            bad = Suppression(span, "metadata", (), None, invalid="expected {id, reason, until}")
            bad.targets = [resource]
            out.append(bad)
            continue
        raw_ids = entry.get("id", entry.get("ids"))
        raw = [raw_ids] if isinstance(raw_ids, str) else list(raw_ids or ())
        ids, unknown = resolve_ids([str(x) for x in raw], names)
        invalid = None if raw else "no rule id (id: KMS001)"
        until = None
        if entry.get("until") is not None:
            until, bad_date = _parse_date(entry["until"])
            invalid = invalid or bad_date
        reason = entry.get("reason")
        reason = reason.strip() if isinstance(reason, str) and reason.strip() else None
        s = Suppression(span, "metadata", ids, reason, until, unknown, invalid)
        s.targets = [resource]
        out.append(s)
    theirs = payload.get("checkov")
    skips = theirs.get("skip") if isinstance(theirs, Mapping) else None
    for i, entry in enumerate(skips if isinstance(skips, list) else ()):
        if not isinstance(entry, Mapping):
            continue
        rid = checkov.get(str(entry.get("id", "")))
        if rid is None:
            continue
        comment = entry.get("comment")
        reason = comment.strip() if isinstance(comment, str) and comment.strip() else None
        span = span_of(f"{METADATA_ATTRIBUTE}.checkov.skip[{i}]")
        s = Suppression(span, "checkov-metadata", (rid,), reason)
        s.targets = [resource]
        out.append(s)
    return out


# ----------------------------------------------------------------------------- rule tables


class LazyMap(Mapping[str, str]):
    """A mapping computed on first use (per call: nothing is cached across runs)."""

    __slots__ = ("_load", "_data")

    def __init__(self, load: Callable[[], dict[str, str]]) -> None:
        self._load = load
        self._data: dict[str, str] | None = None

    def _get(self) -> dict[str, str]:
        if self._data is None:
            self._data = self._load()
        return self._data

    def __getitem__(self, key: str) -> str:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def checkov_ids() -> dict[str, str]:
    """A peer's id -> rule id, from the built-in rules' catalog ``aliases``: checkov's
    (``CKV_AWS_7``), trivy's (``AVD-AWS-0065``) and tfsec's (``aws-kms-auto-rotate-keys``);
    each also under its upper-case spelling, as the tools compare ids without case."""
    out: dict[str, str] = {}
    for alias, rid in builtin_aliases().items():
        out[alias] = rid
        out.setdefault(alias.upper(), rid)
    return out
