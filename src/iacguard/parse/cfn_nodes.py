"""Located syntax for CloudFormation templates and JSON documents.

Both loaders (YAML in ``cfn.py``, JSON in ``json_lines.py``) produce these nodes, so the
evaluator sees one shape whatever the file format. Short-form YAML tags are already rewritten
to their long form: ``!GetAtt A.B`` is a one-key ``MapNode`` ``{"Fn::GetAtt": ["A", "B"]}``
whose key and value carry the tag's span.

Scalars keep the value as written (``true`` is ``True``, ``"true"`` is ``"true"``).
"""

from __future__ import annotations

from typing import Any, Union

from iacguard.core.located import FileError, Located
from iacguard.core.records import MISSING, field, record
from iacguard.core.spans import Span


@record
class ScalarNode:
    value: Any
    span: Span

    def __init__(self, value: Any, span: Span) -> None:
        set_field = object.__setattr__
        set_field(self, "value", value)
        set_field(self, "span", span)


@record
class SeqNode:
    items: tuple[Node, ...]
    span: Span

    def __init__(self, items: tuple[Node, ...], span: Span) -> None:
        set_field = object.__setattr__
        set_field(self, "items", items)
        set_field(self, "span", span)


@record
class MapNode:
    """A mapping; ``keys[i]`` (a scalar node) maps to ``values[i]``. Keys are unique."""

    keys: tuple[ScalarNode, ...]
    values: tuple[Node, ...]
    span: Span
    _index: dict[Any, int] = field(default_factory=dict, compare=False, repr=False)

    def __init__(
        self,
        keys: tuple[ScalarNode, ...],
        values: tuple[Node, ...],
        span: Span,
        _index: dict[Any, int] = MISSING,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "keys", keys)
        set_field(self, "values", values)
        set_field(self, "span", span)
        set_field(self, "_index", {} if _index is MISSING else _index)

    def _position(self, key: Any) -> int | None:
        index = self._index
        if not index and self.keys:  # built on first lookup: most mappings are only walked
            for i, k in enumerate(self.keys):
                index.setdefault(k.value, i)
        return index.get(key)

    def get(self, key: Any) -> Node | None:
        i = self._position(key)
        return None if i is None else self.values[i]

    def key_node(self, key: Any) -> ScalarNode | None:
        i = self._position(key)
        return None if i is None else self.keys[i]

    def items(self) -> zip[tuple[ScalarNode, Node]]:
        return zip(self.keys, self.values, strict=True)

    def __len__(self) -> int:
        return len(self.keys)


@record
class BadNode:
    """Something the loader rejected (a Python tag, a bad scalar: ``error``, reported as a
    file error) or could not read (a YAML tag CloudFormation does not know: not an error, a
    note); evaluates to Unknown either way."""

    message: str
    span: Span
    error: bool = True


Node = Union[ScalarNode, SeqNode, MapNode, BadNode]  # noqa: UP007 - runtime alias on 3.10


def to_plain(node: Node) -> Any:
    """The node as plain data (no spans); rejected nodes become None. For tests and oracles."""
    if isinstance(node, ScalarNode):
        return node.value
    if isinstance(node, SeqNode):
        return [to_plain(n) for n in node.items]
    if isinstance(node, MapNode):
        return {k.value: to_plain(v) for k, v in node.items()}
    return None


@record
class ParsedDocument:
    """A loaded file: its root node (None when empty or unreadable), located errors, and
    located notes (what the loader read as unknown: a YAML tag CloudFormation does not know).

    ``fatal`` is True when an error stopped the load (syntax, truncation, bounds): ``root`` is
    then None.
    """

    root: Node | None
    errors: tuple[FileError, ...] = ()
    fatal: bool = False
    notes: tuple[Located, ...] = ()


def path_at(root: Node, line: int, column: int) -> list[str | int]:
    """The path (mapping keys and sequence indexes from ``root``) of the deepest element that
    starts at ``line``:``column`` or holds it: a mapping key starting there names its entry
    (``["Resources", "Vault", "Properties", "EncryptionKeyArn"]``). Empty when only the root
    holds it. Integrations that point at elements by path (cfn-lint's rule matches) use it to
    turn a finding's span into a path."""
    where = (line, column)
    path: list[str | int] = []
    node: Node = root
    while True:
        if isinstance(node, MapNode):
            for key, value in node.items():
                if (key.span.start_line, key.span.start_column) == where:
                    return [*path, key.value]
                if _holds(value.span, where):
                    path.append(key.value)
                    node = value
                    break
            else:
                return path
        elif isinstance(node, SeqNode):
            for i, item in enumerate(node.items):
                if _holds(item.span, where):
                    path.append(i)
                    node = item
                    break
            else:
                return path
        else:
            return path


def _holds(span: Span, where: tuple[int, int]) -> bool:
    return (span.start_line, span.start_column) <= where < (span.end_line, span.end_column)
