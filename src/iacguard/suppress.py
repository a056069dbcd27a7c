"""Inline and Metadata suppressions, and the SUP meta-findings about them.

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

The reason is required: a suppression without one suppresses nothing and is reported as
SUP001. A suppression past its ``until`` date suppresses nothing and is reported as SUP003. A
suppression that matches no finding of a rule that ran, names an unknown rule or is malformed
is reported as SUP002 (checkov skips never are: checkov may still need them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding, Severity
from iacguard.core.spans import Span
from iacguard.core.values import default_of
from iacguard.graph.model import Graph, Resource

META = {
    "SUP001": "suppression-without-reason",
    "SUP002": "unused-suppression",
    "SUP003": "expired-suppression",
}
#: used when the catalog has no ``aliases``
CHECKOV_FALLBACK = {"CKV_AWS_166": "BKP001", "CKV_AWS_7": "KMS001"}
METADATA_ATTRIBUTE = "__metadata__"

_DIRECTIVE = re.compile(r"iacguard\s*:\s*ignore\b(?P<rest>.*)$", re.I)
_IDS = re.compile(r"\s*\[(?P<ids>[^\]]*)\](?P<rest>.*)$")
_UNTIL = re.compile(r"\s*until\s*=\s*(?P<until>\S+)(?P<rest>.*)$", re.I)
_REASON = re.compile(r"\s*--(?P<reason>.*)$")
_CHECKOV = re.compile(r"checkov\s*:\s*skip\s*=\s*(?P<id>[A-Za-z0-9_]+)(?:\s*:(?P<reason>.*))?$")
_MARKERS = re.compile(r"iacguard|checkov", re.I)


@dataclass(slots=True)
class Suppression:
    """One suppression directive and what became of it."""

    span: Span
    #: "comment", "metadata", "checkov-comment", "checkov-metadata"
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

    @property
    def is_checkov(self) -> bool:
        return self.kind.startswith("checkov")


@dataclass(frozen=True, slots=True)
class _Comment:
    line: int
    column: int
    text: str
    #: nothing but whitespace before it on its line
    alone: bool


# ----------------------------------------------------------------------------- entry point


def apply_suppressions(
    findings: list[Finding],
    graph: Graph,
    *,
    today: date,
    ignore_suppressions: bool = False,
    active_rules: Collection[str] | None = None,
    severity: Mapping[str, Severity] | None = None,
) -> list[Finding]:
    """``findings`` with ``suppressed`` / ``suppression_reason`` set, plus SUP meta-findings.

    Pass every finding the rules produced (before certainty filtering), so a suppression of a
    ``possible`` finding counts as used. ``active_rules`` are the ids of the rules that ran: a
    suppression of a rule that did not run is not reported unused (None: every rule ran).
    With ``ignore_suppressions`` every finding is live and no meta-finding is produced.
    """
    if ignore_suppressions:
        return [
            f.with_(suppressed=False, suppression_reason=None) if f.suppressed else f
            for f in findings
        ]
    suppressions = collect_suppressions(graph)
    if not suppressions:
        return list(findings)
    by_target: dict[tuple[str, str], list[Suppression]] = {}
    for s in suppressions:
        for r in s.targets:
            bucket = by_target.setdefault((r.root, r.address), [])
            if not any(x is s for x in bucket):
                bucket.append(s)
    out: list[Finding] = []
    for finding in findings:
        candidates = by_target.get((finding.root, finding.address))
        if not candidates or finding.rule_id in META:
            out.append(finding)
            continue
        applied: Suppression | None = None
        for s in candidates:
            if finding.rule_id not in s.ids or s.invalid:
                continue
            s.used.add(finding.rule_id)
            if applied is None and s.reason and not (s.until and s.until < today):
                applied = s
        if applied is not None:
            finding = finding.with_(suppressed=True, suppression_reason=applied.reason)
        out.append(finding)
    meta = _meta_findings(suppressions, today, active_rules, severity or {})
    return out + sorted(meta, key=Finding.sort_key)


# ----------------------------------------------------------------------------- collecting


def collect_suppressions(
    graph: Graph,
    names: Mapping[str, str] | None = None,
    checkov: Mapping[str, str] | None = None,
) -> list[Suppression]:
    """Every suppression in the files and Metadata of the graph's resources."""
    # the rule tables cost a catalog load: only read when a directive is found
    names = _LazyMap(_rule_names) if names is None else names
    checkov = _LazyMap(_checkov_ids) if checkov is None else checkov
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
        data = Path(path).read_bytes()
    except OSError:
        return []  # the evaluator reported the unreadable file already
    lowered = data.lower()
    if b"iacguard" not in lowered and b"checkov" not in lowered:
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
        rid = checkov.get(match.group("id"))
        if rid is None:
            return None
        reason = (match.group("reason") or "").strip()
        if reason.endswith("*/"):
            reason = reason[:-2].rstrip()
        length = len(text.rstrip()) - match.start()
        suppression = Suppression(placeholder, "checkov-comment", (rid,), reason or None)
        return match.start(), length, suppression
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


# ----------------------------------------------------------------------------- meta-findings


def _meta_findings(
    suppressions: Iterable[Suppression],
    today: date,
    active_rules: Collection[str] | None,
    severity: Mapping[str, Severity],
) -> list[Finding]:
    out: list[Finding] = []
    for s in suppressions:
        what = ", ".join(s.ids + s.unknown) or "nothing"
        if s.invalid:
            out.append(
                _meta(
                    "SUP002",
                    s,
                    f"Invalid suppression ({s.invalid}): it suppresses nothing.",
                    severity,
                )
            )
            continue
        if s.ids and not s.reason:
            hint = (
                "add the reason after the id: checkov:skip=ID:reason"
                if s.kind == "checkov-comment"
                else "add a comment: entry"
                if s.kind == "checkov-metadata"
                else "add a reason: entry"
                if s.kind == "metadata"
                else "add `-- reason` at its end"
            )
            out.append(
                _meta(
                    "SUP001",
                    s,
                    f"Suppression of {what} has no reason, so it suppresses nothing: {hint}.",
                    severity,
                )
            )
            continue
        if s.until and s.until < today and s.ids:
            out.append(
                _meta(
                    "SUP003",
                    s,
                    f"Suppression of {what} expired on {s.until.isoformat()} and no longer "
                    "applies: fix the finding or extend `until` (with a reason).",
                    severity,
                )
            )
            continue
        if s.is_checkov:
            continue
        problems: list[str] = []
        if s.unknown:
            problems.append("unknown rule " + ", ".join(s.unknown))
        unused = [
            rid
            for rid in s.ids
            if rid not in s.used and (active_rules is None or rid in active_rules)
        ]
        if unused:
            target = _target_text(s)
            problems.append(f"no {', '.join(unused)} finding on {target} to suppress")
        if problems:
            out.append(
                _meta("SUP002", s, "Unused suppression: " + "; ".join(problems) + ".", severity)
            )
    return out


def _target_text(s: Suppression) -> str:
    addresses = sorted({r.address for r in s.targets})
    if not addresses:
        return "no resource (put it above, on or inside a resource)"
    return (
        addresses[0] if len(addresses) == 1 else f"{addresses[0]} (and {len(addresses) - 1} more)"
    )


def _meta(rule_id: str, s: Suppression, message: str, severity: Mapping[str, Severity]) -> Finding:
    target = s.targets[0] if s.targets else None
    return Finding(
        rule_id=rule_id,
        rule_name=META[rule_id],
        severity=severity.get(rule_id, Severity.LOW),
        certainty=Certainty.DEFINITE,
        message=message,
        address=target.address if target else "",
        resource_type=target.type if target else "",
        root=target.root if target else s.span.path,
        location=s.span,
        properties={
            "suppression": s.kind,
            "rules": list(s.ids),
            **({"until": s.until.isoformat()} if s.until else {}),
        },
    )


# ----------------------------------------------------------------------------- rule tables


class _LazyMap(Mapping[str, str]):
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


def _rule_names() -> dict[str, str]:
    from iacguard.config.known import known_rules

    return known_rules()


def _checkov_ids() -> dict[str, str]:
    """checkov id -> rule id, from the catalog's ``aliases`` (else the built-in table)."""
    out = dict(CHECKOV_FALLBACK)
    try:
        from iacguard.core.catalog import load_catalog

        catalog = load_catalog()
    except Exception:  # noqa: BLE001 - no catalog yet: the built-in table
        return out
    for rid, entry in catalog.items():
        aliases = entry.get("aliases") if isinstance(entry, Mapping) else None
        if isinstance(aliases, Mapping):
            aliases = [a for v in aliases.values() for a in (v if isinstance(v, list) else [v])]
        for alias in aliases or ():
            if isinstance(alias, str) and alias.upper().startswith("CKV"):
                out[alias] = rid
    return out


# ----------------------------------------------------------------------------- comment lexers


_STRING_CHARS = '\\$%"\n'
_CODE_CHARS = '#/"<{}\n'
_STRING_SPECIAL = re.compile(r'[\\$%"\n]')
_CODE_SPECIAL = re.compile(r'[#/"<{}\n]')
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")


def hcl_comments(text: str) -> list[_Comment]:
    """Every comment in HCL text (``#``, ``//``, ``/* */`` one entry per line), skipping
    strings, template interpolations and heredocs."""
    out: list[_Comment] = []
    n = len(text)
    i = 0
    line = 1
    line_start = 0
    # a stack of contexts: an int is code at that brace depth, None is a quoted string
    stack: list[int | None] = [0]

    def alone(at: int) -> bool:
        return text[line_start:at].strip() == ""

    while i < n:
        c = text[i]
        top = stack[-1]
        # jump over the characters that cannot change the state
        if top is None:
            if c not in _STRING_CHARS:
                found = _STRING_SPECIAL.search(text, i)
                if found is None:
                    break
                i = found.start()
                continue
        elif c not in _CODE_CHARS:
            found = _CODE_SPECIAL.search(text, i)
            if found is None:
                break
            i = found.start()
            continue
        if c == "\n":
            if top is None:  # an unterminated string: HCL forbids newlines in it
                stack.pop()
            i += 1
            line += 1
            line_start = i
            continue
        if top is None:
            if c == "\\":
                i += 2
            elif c in "$%" and text.startswith(c * 2 + "{", i):
                i += 3
            elif c in "$%" and text.startswith("{", i + 1):
                stack.append(0)
                i += 2
            elif c == '"':
                stack.pop()
                i += 1
            else:
                i += 1
            continue
        if c == "#" or (c == "/" and text.startswith("//", i)):
            end = text.find("\n", i)
            end = n if end < 0 else end
            marker = 1 if c == "#" else 2
            out.append(
                _Comment(line, i - line_start + 1 + marker, text[i + marker : end], alone(i))
            )
            i = end
            continue
        if c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            body_start = i + 2
            first = True
            segment_start = body_start
            was_alone = alone(i)
            while True:
                nl = text.find("\n", segment_start, end)
                stop = end if nl < 0 else nl
                column = (segment_start - line_start) + 1
                out.append(
                    _Comment(line, column, text[segment_start:stop], was_alone if first else True)
                )
                if nl < 0:
                    break
                first = False
                line += 1
                line_start = nl + 1
                segment_start = nl + 1
            i = end
            continue
        if c == '"':
            stack.append(None)
            i += 1
            continue
        if c == "<" and text.startswith("<<", i):
            heredoc = _HEREDOC.match(text, i)
            if heredoc:
                tag = heredoc.group(1)
                closing = re.compile(r"^[ \t]*" + re.escape(tag) + r"[ \t]*\r?$", re.M)
                found = closing.search(text, heredoc.end())
                stop = n if found is None else found.end()
                line += text.count("\n", i, stop)
                last_nl = text.rfind("\n", i, stop)
                if last_nl >= 0:
                    line_start = last_nl + 1
                i = stop
                continue
        if c == "{":
            stack[-1] = top + 1
        elif c == "}":
            if top == 0 and len(stack) > 1:
                stack.pop()  # end of an interpolation: back in the string
            elif top > 0:
                stack[-1] = top - 1
        i += 1
    return out


_BLOCK_SCALAR = re.compile(r"(?:^|\s)[|>][-+0-9]*$")
_YAML_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def yaml_comments(text: str) -> list[_Comment]:
    """Every ``#`` comment in YAML text, skipping quoted scalars and block scalars."""
    out: list[_Comment] = []
    block_indent: int | None = None
    # YAML's line breaks (as the template loader counts them), not str.splitlines()'s
    for number, raw in enumerate(_YAML_BREAKS.split(text), start=1):
        stripped = raw.lstrip(" ")
        indent = len(raw) - len(stripped)
        if block_indent is not None:
            if not stripped.strip() or indent > block_indent:
                continue
            block_indent = None
        quote: str | None = None
        code_end = len(raw)
        j = 0
        while j < len(raw):
            c = raw[j]
            if quote:
                if c == quote:
                    if quote == "'" and raw.startswith("''", j):
                        j += 2
                        continue
                    quote = None
                elif c == "\\" and quote == '"':
                    j += 1
            elif c in "'\"" and (j == 0 or raw[j - 1] in " \t[{,"):
                quote = c
            elif c == "#" and (j == 0 or raw[j - 1] in " \t"):
                out.append(_Comment(number, j + 2, raw[j + 1 :], raw[:j].strip() == ""))
                code_end = j
                break
            j += 1
        if quote is None and _BLOCK_SCALAR.search(raw[:code_end].rstrip()):
            block_indent = indent
    return out
