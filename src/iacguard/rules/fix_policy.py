"""KMS003's fix: AWS Backup's statement appended to a key policy written inline, the list of
``Statement = [...]`` inside ``policy = jsonencode({...})`` (Terraform) or the ``Statement``
list of a CloudFormation ``KeyPolicy`` (YAML block or flow list, JSON array), in the layout
the list already has. A policy given any other way (a policy document data source, a file, a
conditional, a ``Fn::If``) gets no fix. The rule attaches it only when the policy with the
statement added grants AWS Backup in every world (a ``Deny`` may cancel it).
"""

from __future__ import annotations

import json
import re
from typing import Any

from iacguard.core.fixes import Edit, Fix
from iacguard.core.values import JsonEncoded
from iacguard.graph.facts import Fact
from iacguard.graph.model import Resource
from iacguard.rules.fix_text import (
    Text,
    line_indent,
    read_text,
    yaml_child_lines,
    yaml_find_key,
)
from iacguard.rules.fix_values import language_of

SID = "AllowAWSBackup"
ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey")
#: the statement, as AWS reads it (to judge the policy with it added)
STATEMENT: dict[str, Any] = {
    "Sid": SID,
    "Effect": "Allow",
    "Principal": {"Service": "backup.amazonaws.com"},
    "Action": list(ACTIONS),
    "Resource": "*",
}
TITLE = f"Add the statement {SID} (backup.amazonaws.com: {', '.join(ACTIONS)}) to the key policy"


def with_statement(payload: Any) -> Any:
    """The policy payload with the statement appended (None: not a policy we can extend)."""
    data = payload.data if isinstance(payload, JsonEncoded) else payload
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    if not isinstance(data, dict) or not isinstance(data.get("Statement"), list):
        return None
    return {**data, "Statement": [*data["Statement"], STATEMENT]}


def statement_fix(memo: dict, holder: Resource, policy: Fact) -> tuple[Fix, ...]:
    """The fix adding the statement to ``policy`` of ``holder`` (empty when it cannot be)."""
    if policy.value is None:
        return ()
    src = read_text(policy.span.path, memo)
    if src is None:
        return ()
    lang = language_of(holder, src)
    edits: tuple[Edit, ...] | None = None
    if lang == "terraform":
        edits = _terraform(src, policy)
    elif lang in ("yaml", "json"):
        edit = _yaml(src, policy) if lang == "yaml" else _json(src, policy)
        edits = None if edit is None else (edit,)
    return () if edits is None else (Fix(TITLE, "unsafe", edits),)


# ----------------------------------------------------------------------------- terraform

_HCL_OBJECT = (
    "{{\n"
    '{i}  Sid       = "{sid}"\n'
    '{i}  Effect    = "Allow"\n'
    '{i}  Principal = {{ Service = "backup.amazonaws.com" }}\n'
    "{i}  Action    = [{actions}]\n"
    '{i}  Resource  = "*"\n'
    "{i}}}"
)


def _terraform(src: Text, policy: Fact) -> tuple[Edit, ...] | None:
    bounds = src.slice(policy.span)
    if bounds is None:
        return None
    a, b = bounds
    text = src.text
    m = re.compile(r"[\w-]+\s*=\s*jsonencode\(\s*\{").match(text, a, b)
    if m is None or "<<" in text[a:b]:
        return None
    close = _statement_list(text, m.end() - 1, b)
    if close is None:
        return None
    hugged = _append_hugged(src, close)
    if hugged is not None:
        return hugged
    edit = _append_element(src, close, _hcl_element)
    return None if edit is None else (edit,)


def _append_hugged(src: Text, close: int) -> tuple[Edit, ...] | None:
    """``Statement = [{ ... }]``, the last ``}`` hugging the ``]``: the new element follows as
    ``}, { ... }]``, laid out as ``terraform fmt`` lays it out (the ``}, {`` line indented one
    step more than the list's closing line, which needs a second edit: two spaces before the
    old ``}``)."""
    close_line = src.position(close)[0]
    line = src.line(close_line)
    if not line.strip().startswith("}]") or src.text[close - 1] != "}":
        return None
    indent = line_indent(line)
    start = src.starts[close_line - 1]
    return (
        Edit(src.at(start), "  "),
        Edit(src.at(close), f", {_hcl_element(indent)}"),
    )


def _hcl_element(indent: str) -> str:
    actions = ", ".join(f'"{x}"' for x in ACTIONS)
    return _HCL_OBJECT.format(i=indent, sid=SID, actions=actions)


def _statement_list(text: str, open_brace: int, limit: int) -> int | None:
    """The index of the ``]`` closing ``Statement = [`` directly in the object opening at
    ``open_brace`` (HCL or JSON syntax), by a scan that knows strings."""
    depth = 0
    i = open_brace
    key = re.compile(r'"?Statement"?\s*[=:]\s*\[')
    while i < limit:
        ch = text[i]
        if ch == '"' and depth == 1:
            m = key.match(text, i)
            if m is not None:
                return _matching(text, m.end() - 1, limit)
        if ch == '"':
            i = _string_end(text, i, limit)
            if i < 0:
                return None
        elif ch == "#" or text.startswith("//", i):
            nl = text.find("\n", i)
            i = limit if nl < 0 else nl
            continue
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
            if depth == 0:
                return None
        elif depth == 1 and text.startswith("Statement", i) and not text[i - 1].isalnum():
            m = key.match(text, i)
            if m is not None:
                return _matching(text, m.end() - 1, limit)
        i += 1
    return None


def _string_end(text: str, i: int, limit: int) -> int:
    """The index of the quote closing the string opening at ``i`` (-1: none)."""
    i += 1
    while i < limit and text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i if i < limit else -1


def _matching(text: str, opening: int, limit: int) -> int | None:
    depth = 0
    i = opening
    while i < limit:
        ch = text[i]
        if ch == '"':
            i = _string_end(text, i, limit)
            if i < 0:
                return None
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
            if depth == 0:
                return i if ch == "]" else None
        i += 1
    return None


def _append_element(src: Text, close: int, element) -> Edit | None:
    """Insert ``element(indent)`` as the last element of the list closing at ``close``, when
    the ``]`` stands on its own line (elements one per line, ``terraform fmt``'s layout)."""
    close_line = src.position(close)[0]
    line = src.line(close_line)
    if line.strip().startswith("}]") and src.text[close - 1] == "}":
        return None  # ``[{ ... }]``: handled by ``_append_hugged`` (Terraform only)
    if not line.strip().startswith("]"):
        return None
    indent = line_indent(line) + _step(src)
    text = src.text
    j = close - 1
    while text[j] in " \t\r\n":
        j -= 1
    body = element(indent)
    if text[j] == "[":
        return Edit(src.at(j + 1), f"\n{indent}{body}")
    if text[j] == ",":
        return Edit(src.at(j + 1), f"\n{indent}{body},")
    return Edit(src.at(j + 1), f",\n{indent}{body}")


def _step(src: Text) -> str:
    for n in range(2, min(len(src.starts), 50) + 1):
        ind = line_indent(src.line(n))
        if ind:
            return ind
    return "  "


# ----------------------------------------------------------------------------- cloudformation


def _yaml(src: Text, policy: Fact) -> Edit | None:
    span = policy.span
    if span.start_line == span.end_line:
        return None  # a flow mapping or an intrinsic on one line
    key_indent = len(line_indent(src.line(span.start_line)))
    found = yaml_child_lines(src, span.start_line, span.end_line)
    if found is None:
        return None
    inner = len(found[0])
    stmt = yaml_find_key(src, span.start_line + 1, found[1], "Statement", inner)
    if stmt is None:
        flow = _yaml_flow_statement(src, span.start_line + 1, found[1], inner)
        return flow
    own = inner
    dash: str | None = None
    last = stmt
    for n in range(stmt + 1, len(src.starts) + 1):
        line = src.line(n)
        body = line.strip()
        if not body:
            continue
        width = len(line_indent(line))
        if width < own or (width == own and not body.startswith("- ")):
            if body.startswith("#") and width > key_indent:
                continue
            break
        if dash is None:
            if not body.startswith("- "):
                return None
            dash = line_indent(line)
        last = n
    if dash is None:
        return None
    item = _yaml_item(dash)
    if last < len(src.starts):
        return Edit(src.at(src.starts[last]), item)
    return Edit(src.at(len(src.text)), "\n" + item.rstrip("\n"))


def _yaml_item(dash: str) -> str:
    actions = ", ".join(f"'{x}'" for x in ACTIONS)
    return (
        f"{dash}- Sid: {SID}\n"
        f"{dash}  Effect: Allow\n"
        f"{dash}  Principal:\n"
        f"{dash}    Service: backup.amazonaws.com\n"
        f"{dash}  Action: [{actions}]\n"
        f"{dash}  Resource: '*'\n"
    )


def _yaml_flow_statement(src: Text, first: int, last: int, indent: int) -> Edit | None:
    """``Statement: [...]`` on one line: the statement appended as a flow mapping."""
    pattern = re.compile(r"^(\s*)Statement\s*:\s*\[(.*)\]\s*(#.*)?$")
    for n in range(first, last + 1):
        line = src.line(n)
        m = pattern.match(line)
        if m and len(m.group(1)) == indent and "[" not in m.group(2) and "{" not in m.group(2):
            actions = ", ".join(f"'{x}'" for x in ACTIONS)
            flow = (
                f"{{Sid: {SID}, Effect: Allow, Principal: {{Service: backup.amazonaws.com}}, "
                f"Action: [{actions}], Resource: '*'}}"
            )
            close = src.starts[n - 1] + m.end(2)
            text = flow if not m.group(2).strip() else f", {flow}"
            return Edit(src.at(close), text)
    return None


def _json(src: Text, policy: Fact) -> Edit | None:
    bounds = src.slice(policy.span)
    if bounds is None:
        return None
    a, b = bounds
    text = src.text
    opening = text.find("{", a, b)
    if opening < 0 or text[a:opening].count(":") != 1:
        return None
    close = _statement_list(text, opening, b)
    if close is None:
        return None
    step = _step(src)

    def element(indent: str) -> str:
        actions = ", ".join(f'"{x}"' for x in ACTIONS)
        i2 = indent + step
        return (
            f'{{\n{i2}"Sid": "{SID}",\n{i2}"Effect": "Allow",\n'
            f'{i2}"Principal": {{"Service": "backup.amazonaws.com"}},\n'
            f'{i2}"Action": [{actions}],\n{i2}"Resource": "*"\n{indent}}}'
        )

    close_line = src.position(close)[0]
    if not src.line(close_line).strip().startswith("]"):  # not "}]": one element per line
        return None
    edit = _append_element(src, close, element)
    if edit is not None and edit.new_text.endswith(","):  # JSON allows no trailing comma
        return None
    return edit
