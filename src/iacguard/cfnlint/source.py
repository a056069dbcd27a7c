"""Which text of a cfn-lint template iacguard evaluates, and the cache that evaluates each
template once per cfn-lint run (not once per rule).

cfn-lint hands every rule the same decoded ``Template`` (``cfn``). When it was read from a
file (``cfn.filename``), iacguard evaluates that file's text, exactly as ``iacguard check``
does (its comments, its lines). When it came as text (``cfnlint.api.lint``, cfn-lsp, a pipe:
``cfn.filename`` is None), only the decoded ``cfn.template`` exists: it is written out as YAML
(``as_yaml``: a tag CloudFormation does not know, which cfn-lint decodes as ``{"Fn::Tag": v}``,
is written back as the tag ``!Tag v``, so iacguard reads it as it reads the file: an unknown
value, not a property named ``Fn::Tag``) and evaluated; a finding's path is then taken from
that YAML and resolved by cfn-lint in its own decoded nodes, so the lines reported are the
template's own. Comments are gone from a decoded template: iacguard's comment suppressions
cannot apply there (Metadata ones do).
"""

from __future__ import annotations

import hashlib
import os
import threading
import weakref
from collections import OrderedDict
from typing import Any

from iacguard.api import TemplateCheck, check_template
from iacguard.core.records import record

#: a template given as text is evaluated under this name (it is not a file)
TEXT_NAME = "<cfn-lint template>.yaml"
#: the deepest nesting written out (iacguard's own bound: deeper is its located error)
MAX_DEPTH = 200
#: the largest file read (iacguard's own --max-file-size default)
MAX_FILE_BYTES = 20 * 1024 * 1024


@record(frozen=False)
class Source:
    """What is evaluated: a name, its text (None: let iacguard read ``path``), and the
    cache key (the file's absolute path and the hash of its bytes, or the text's hash)."""

    path: str
    text: str | None
    key: tuple[str, ...]
    from_file: bool
    #: why the decoded template cannot be written out for iacguard (None: it can)
    problem: str | None = None

    def __init__(
        self,
        path: str,
        text: str | None,
        key: tuple[str, ...],
        from_file: bool,
        problem: str | None = None,
    ) -> None:
        self.path = path
        self.text = text
        self.key = key
        self.from_file = from_file
        self.problem = problem


def source_of(cfn: Any) -> Source:
    """The text iacguard evaluates for cfn-lint's template ``cfn`` (see the module doc)."""
    filename = getattr(cfn, "filename", None)
    if isinstance(filename, str) and filename and os.path.isfile(filename):
        try:
            size = os.path.getsize(filename)
            if size > MAX_FILE_BYTES:
                raise OSError("too large")
            with open(filename, "rb") as handle:
                data = handle.read()
            text: str | None = data.decode("utf-8")
            digest = hashlib.sha256(data).hexdigest()
        except (OSError, UnicodeDecodeError):
            text, digest = None, "unreadable"  # iacguard reads it and reports why
        return Source(filename, text, ("file", os.path.abspath(filename), digest), True)
    try:
        text = as_yaml(cfn.template)
    except _TooDeep:
        return Source(TEXT_NAME, None, ("text", "too deep", str(id(cfn))), False, _DEEP)
    except (RecursionError, ValueError, TypeError) as exc:
        problem = f"the decoded template cannot be written out: {type(exc).__name__}: {exc}"
        return Source(TEXT_NAME, None, ("text", "failed", str(id(cfn))), False, problem)
    return Source(TEXT_NAME, text, ("text", hashlib.sha256(text.encode()).hexdigest()), False)


_DEEP = f"nesting deeper than {MAX_DEPTH} levels"


class _TooDeep(Exception):
    pass


@record
class _Tagged:
    """A local YAML tag as cfn-lint decoded it (``!Rain::Embed x`` -> ``{"Fn::Rain::Embed":
    "x"}``), to be written back as the tag."""

    tag: str
    value: Any


def _is_local_tag(key: Any) -> bool:
    """``Fn::X`` where ``!X`` is no CloudFormation short form: cfn-lint's unknown tag."""
    from iacguard.parse.cfn_yaml import SHORT_TAGS

    if not isinstance(key, str) or not key.startswith("Fn::") or key.startswith("Fn::ForEach"):
        return False
    return "!" + key[4:] not in SHORT_TAGS


def _plain(node: Any, depth: int = 0) -> Any:
    """cfn-lint's decoded nodes as plain data, unknown tags as ``_Tagged``."""
    if depth > MAX_DEPTH:
        raise _TooDeep
    if isinstance(node, dict):
        if len(node) == 1:
            ((key, value),) = node.items()
            if _is_local_tag(key):
                return _Tagged("!" + key[4:], _plain(value, depth + 1))
        return {str(k): _plain(v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v, depth + 1) for v in node]
    if isinstance(node, str):
        return str.__str__(node)
    if node is None or isinstance(node, (bool, int, float)):
        return node
    return str(node)  # a date, or anything else a decoder may give: its text


def as_yaml(template: Any) -> str:
    """cfn-lint's decoded template as YAML text iacguard reads as it reads the file."""
    import yaml

    base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class Dumper(base):  # type: ignore[misc, valid-type]
        pass

    def tagged(dumper: Any, data: _Tagged) -> Any:
        if isinstance(data.value, dict):
            return dumper.represent_mapping(data.tag, data.value)
        if isinstance(data.value, list):
            return dumper.represent_sequence(data.tag, data.value)
        text = "" if data.value is None else str(data.value)
        return dumper.represent_scalar(data.tag, text)

    Dumper.add_representer(_Tagged, tagged)
    return yaml.dump(
        _plain(template),
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1 << 30,
    )


@record(frozen=False)
class Evaluation:
    """One template evaluated: the iacguard check and where its text came from."""

    check: TemplateCheck
    from_file: bool
    served: Any = None  # a weak reference to the last ``cfn`` this evaluation served

    def __init__(self, check: TemplateCheck, from_file: bool, served: Any = None) -> None:
        self.check = check
        self.from_file = from_file
        self.served = served

    def serves(self, cfn: Any) -> bool:
        return self.served is not None and self.served() is cfn


class EvaluationCache:
    """The evaluations of the last ``size`` templates, least recently used first out.

    A rule asks for ``cfn``'s evaluation: the same ``cfn`` object (the rules of one template)
    is found by identity, without reading anything; another object with the same file bytes
    or the same decoded template by its key. Bounded, so a run over many templates holds at
    most ``size`` graphs."""

    def __init__(self, size: int = 4) -> None:
        self.size = max(size, 1)
        self._entries: OrderedDict[tuple[str, ...], Evaluation] = OrderedDict()
        self._lock = threading.Lock()
        #: how many evaluations were made (the tests read it)
        self.evaluations = 0

    def get(self, cfn: Any) -> Evaluation:
        with self._lock:
            for key, entry in self._entries.items():
                if entry.serves(cfn):
                    self._entries.move_to_end(key)
                    return entry
            source = source_of(cfn)
            entry = self._entries.get(source.key)
            if entry is None:
                if source.problem is not None:
                    checked = TemplateCheck.failed(source.path, source.problem)
                else:
                    checked = check_template(source.path, source.text)
                self.evaluations += 1
                entry = Evaluation(checked, source.from_file)
                self._entries[source.key] = entry
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            self._entries.move_to_end(source.key)
            try:
                entry.served = weakref.ref(cfn)
            except TypeError:  # an object without weak references: found by key next time
                entry.served = None
            return entry

    def __len__(self) -> int:
        return len(self._entries)


#: the cache every iacguard rule of this process shares (one per process, like an
#: ``lru_cache``: cfn-lint makes each rule on its own, so there is no run object to hang it on)
SHARED = EvaluationCache()
