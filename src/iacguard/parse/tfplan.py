"""Terraform plan JSON (``terraform show -json``) -> located nodes, and address helpers.

The plan is read with the position-tracking JSON decoder, so every resource object and value
points into the plan file (a minified plan is one long line: spans are then columns).
"""

from __future__ import annotations

import re

from iacguard.core.records import record
from iacguard.parse.cfn_nodes import MapNode, Node, ParsedDocument
from iacguard.parse.cfn_yaml import read_text

#: roots of a Terraform reference that never name a resource
NON_RESOURCE_ROOTS = frozenset(
    {"var", "local", "module", "each", "count", "path", "terraform", "self"}
)

_MODULE_STEP = re.compile(r'module\.([A-Za-z0-9_-]+)(\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?\.')
_RESOURCE = re.compile(
    r'((?:data\.)?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)(\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?'
)


@record
class Address:
    """``module.a[0].aws_kms_key.k["x"]`` -> module ``module.a[0]``, config path ``("a",)``,
    resource ``aws_kms_key.k``, key ``["x"]``."""

    module: str
    module_names: tuple[str, ...]
    resource: str
    key: str

    @property
    def instance(self) -> str:
        prefix = f"{self.module}." if self.module else ""
        return f"{prefix}{self.resource}{self.key}"


def parse_address(address: str) -> Address | None:
    """Split a plan resource address; None when it is not one."""
    pos = 0
    names: list[str] = []
    while True:
        m = _MODULE_STEP.match(address, pos)
        if m is None:
            break
        names.append(m.group(1))
        pos = m.end()
    m = _RESOURCE.fullmatch(address, pos)
    if m is None:
        return None
    module = address[: pos - 1] if pos else ""
    return Address(module, tuple(names), m.group(1), m.group(2) or "")


def parse_reference(text: str) -> tuple[str, str | None] | None:
    """``aws_kms_key.k[0].arn`` -> (``aws_kms_key.k[0]``, ``arn``); None for var./local./..."""
    root = text.split(".", 1)[0].split("[", 1)[0]
    if root in NON_RESOURCE_ROOTS:
        return None
    m = _RESOURCE.match(text)
    if m is None:
        return None
    rest = text[m.end() :]
    attribute = None
    if rest.startswith("."):
        attribute = re.split(r"[.\[]", rest[1:], maxsplit=1)[0] or None
    return m.group(0), attribute


def is_tfplan(root: Node | None) -> bool:
    return (
        isinstance(root, MapNode)
        and root.get("format_version") is not None
        and isinstance(root.get("planned_values"), MapNode)
    )


def load_tfplan(path: str, *, max_file_size: int, max_depth: int) -> ParsedDocument:
    """The plan file as located nodes, or located errors (unreadable, invalid JSON)."""
    from iacguard.parse.located_json import load_json

    text, err = read_text(path, max_file_size)
    if text is None:
        return ParsedDocument(None, (err,) if err else (), True)
    return load_json(text, path, max_depth=max_depth)
