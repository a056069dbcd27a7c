"""A quiet template's outline when the located parser would report nothing: ``quick_outline``.

A quiet CloudFormation template (``iacguard.run.relevance``) is read only for its file errors
and whether it is a template with how many resources; ``cfn_yaml.load_template_text`` builds a
located node for every value to say so. ``quick_outline`` reads libyaml's events (or
``json.loads`` for a document ``load_template_text`` reads as JSON) and keeps only the outline:
whether the root mapping has ``AWSTemplateFormatVersion``, how many entries its ``Resources``
mapping has and each entry's ``Type``. It returns None, so that the located parser runs and
gives its exact message, on anything that parser could report an error for: a syntax error,
a duplicate key, a key that is not a plain value, a tag other than CloudFormation's short
forms and local tags, an alias (undefined, recursive or expanding), nesting ``max_depth``
deep, a plain scalar long enough to be a number too long to read, a second document, and in
JSON NaN or Infinity, and a number too long or nesting too deep for ``json``.
"""

from __future__ import annotations

from typing import Any

from iacguard.core.records import record

_STD = "tag:yaml.org,2002:"
#: explicit collection tags that change nothing (``!!map {...}``)
_PLAIN_COLLECTION_TAGS = frozenset({f"{_STD}map", f"{_STD}seq"})
#: a plain scalar at least this long could be an integer Python cannot convert (4300 digits)
_LONG_SCALAR = 4000


@record
class Outline:
    """What ``is_template`` and the resource count read from a document's root."""

    #: the root is a mapping
    mapping: bool
    #: the root mapping has an ``AWSTemplateFormatVersion`` key
    version: bool
    #: the number of entries of the root's ``Resources`` mapping (None: no such mapping)
    resources: int | None
    #: the string ``Type`` of each resource whose body is a mapping with one
    types: tuple[str, ...]


def quick_outline(text: str, path: str, *, max_depth: int = 200) -> Outline | None:
    """``text``'s outline, or None when ``cfn_yaml.load_template_text`` must read it (see
    the module docstring); ``text`` as ``load_template_text`` is given it."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        if text.lstrip()[:1] == "{":
            return _json_outline(text, max_depth) if path.endswith(".json") else None
        return _yaml_outline(text, max_depth)
    except Exception:  # noqa: BLE001 - anything unexpected: the located parser decides
        return None


class _Unsure(Exception):
    pass


def _json_outline(text: str, max_depth: int) -> Outline | None:
    import json

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        found = dict(items)
        if len(found) != len(items):
            raise _Unsure  # a duplicate key
        return found

    def constant(name: str) -> Any:
        raise _Unsure  # NaN, Infinity: not JSON

    try:
        root = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, _Unsure, RecursionError):
        return None
    # the located decoder counts every object and array it enters (the root's is 1)
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > max_depth:
                    return None
                if child:
                    stack.append((child, depth + 1))
    if not isinstance(root, dict):
        return Outline(False, False, None, ())
    resources = root.get("Resources")
    if not isinstance(resources, dict):
        return Outline(True, "AWSTemplateFormatVersion" in root, None, ())
    types = tuple(
        body["Type"]
        for body in resources.values()
        if isinstance(body, dict) and isinstance(body.get("Type"), str)
    )
    return Outline(True, "AWSTemplateFormatVersion" in root, len(resources), types)


#: what a collection is to the outline: the root, the root's Resources, a resource body
_OTHER, _ROOT, _RESOURCES, _BODY = range(4)


class _Frame:
    __slots__ = ("mapping", "seen", "at_key", "key", "role")

    def __init__(self, mapping: bool, role: int) -> None:
        self.mapping = mapping
        self.seen: set[str] = set()
        self.at_key = mapping
        self.key: str | None = None
        self.role = role


def _allowed(tag: str | None) -> bool:
    """A tag the located parser reads without an error (a short form, a local tag, ``!``)."""
    return tag is None or (tag[:1] == "!" and tag[:2] != "!!")


def _yaml_outline(text: str, max_depth: int) -> Outline | None:
    import yaml

    from iacguard.parse.cfn_yaml import resolve_plain

    loader_cls = getattr(yaml, "CSafeLoader", None)
    if loader_cls is None:
        return None  # without libyaml the events cost what the located parser does
    scalar_event = yaml.ScalarEvent
    start_events = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    end_events = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    stack: list[_Frame] = []
    documents = 0
    root_mapping = version = False
    resources: int | None = None
    types: list[str] = []
    loader = loader_cls(text)
    try:
        while True:
            ev = loader.get_event()
            if ev is None:
                break
            cls = ev.__class__
            if cls is scalar_event:
                tag = ev.tag
                if ev.anchor or not _allowed(tag):
                    return None
                top = stack[-1] if stack else None
                if top is not None and top.at_key:
                    if tag is not None and tag != "!":
                        return None  # a tagged key is not a plain value
                    if ev.value in top.seen:
                        return None
                    top.seen.add(ev.value)
                    top.key = ev.value
                    top.at_key = False
                    continue
                plain = ev.implicit[0]
                if plain and tag is None and len(ev.value) >= _LONG_SCALAR:
                    return None
                if top is None or not top.mapping:
                    continue
                top.at_key = True
                if top.role == _ROOT and top.key == "AWSTemplateFormatVersion":
                    version = True
                elif top.role == _ROOT and top.key == "Resources" and tag not in (None, "!"):
                    return None  # Resources: !Ref X reads as a mapping of one entry
                elif top.role == _BODY and top.key == "Type" and tag in (None, "!"):
                    value = resolve_plain(ev.value) if plain and tag is None else ev.value
                    if isinstance(value, str):
                        types.append(value)
            elif cls in start_events:
                if len(stack) >= max_depth or ev.anchor:
                    return None
                mapping = cls is yaml.MappingStartEvent
                tag = None if ev.implicit else ev.tag
                if not (_allowed(tag) or tag in _PLAIN_COLLECTION_TAGS):
                    return None
                top = stack[-1] if stack else None
                role = _OTHER
                if top is None:
                    role = _ROOT
                elif top.at_key:
                    return None  # a collection as a key
                elif top.mapping:
                    top.at_key = True
                    if top.role == _ROOT and top.key == "AWSTemplateFormatVersion":
                        version = True
                    elif top.role == _ROOT and top.key == "Resources":
                        role = _RESOURCES
                    elif top.role == _RESOURCES:
                        role = _BODY
                if role != _OTHER and tag is not None:
                    return None  # a tagged root, Resources or resource body: left to the parser
                if role == _ROOT:
                    root_mapping = mapping
                stack.append(_Frame(mapping, role if mapping else _OTHER))
            elif cls in end_events:
                frame = stack.pop()
                if frame.role == _RESOURCES:
                    resources = len(frame.seen)
            elif cls is yaml.AliasEvent:
                return None
            elif cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    return None
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return Outline(root_mapping, version and root_mapping, resources, tuple(types))
