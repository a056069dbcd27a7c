"""What every world of one Terraform root shares.

``RootShared`` holds the root's configuration, inputs, options and time budget, collects its
notes and located errors (each once), loads the module instances it calls (once per call and
key: a remote, unresolvable, too deep or self-calling module is an Unknown with a note), and
knows the resource attributes that refer to their own resource (found once per module).
``EmptyScope`` evaluates the self-contained expressions (variable defaults, tfvars).
"""

from __future__ import annotations

import os
from typing import Any

from iacguard.core.located import FileError, Located
from iacguard.core.notes import remote_module_note
from iacguard.core.spans import Span
from iacguard.core.values import Unknown
from iacguard.evaluate.options import EvalOptions
from iacguard.evaluate.terraform.budget import RootBudget
from iacguard.evaluate.terraform.cycles import self_referring_attributes
from iacguard.evaluate.terraform.expressions import EvalContext, EvalTimeout, evaluate
from iacguard.evaluate.terraform.modules import (
    ModuleCall,
    ModuleConfig,
    ModuleLoader,
    is_local_source,
)
from iacguard.evaluate.terraform.types import ANY, TfType, parse_type
from iacguard.evaluate.terraform.worlds import InputInfo, ModuleInstance, instance_suffix
from iacguard.parse.hcl_ast import Expr

#: deepest module nesting followed
MAX_MODULE_DEPTH = 12


class RootShared:
    """What every world of one root shares: configuration, inputs, notes, errors."""

    def __init__(
        self,
        root_dir: str,
        config: ModuleConfig,
        loader: ModuleLoader,
        options: EvalOptions,
        inputs: dict[str, InputInfo],
        deadline: float,
    ) -> None:
        self.root_dir = root_dir
        self.config = config
        self.loader = loader
        self.options = options
        self.inputs = inputs
        self.deadline = deadline
        self.root_instance = ModuleInstance("", config)
        #: bytes of values built and instances expanded, over every world of the root
        self.budget = RootBudget(options.max_value_bytes, options.max_root_instances)
        self.notes: dict[tuple[Any, str], Located] = {}
        self.errors: dict[tuple[Any, ...], FileError] = {}
        #: what expressions met that the user must see (a refused ``file()``): every world's
        #: evaluation context appends here
        self.evaluation_errors: list[FileError] = []
        self._children: dict[tuple[int, str, Any], ModuleInstance | Unknown] = {}
        #: the root's ``.terraform/modules/modules.json``: module key -> installed directory
        self._installed: dict[str, str] | None = None
        self._types: dict[int, dict[str, TfType]] = {}
        #: id(Attribute) of a resource attribute naming its own resource, directly or
        #: through a cycle of locals and resources -> (span, message)
        self.self_refs: dict[int, tuple[Span, str]] = {}
        self._self_refs_checked: set[int] = set()

    def check_self_references(self, config: ModuleConfig) -> None:
        """Find (once per module) the resource attributes that refer to their own resource,
        directly or through locals and other resources: each is a located error, and
        evaluates to an Unknown without being evaluated."""
        if id(config) in self._self_refs_checked:
            return
        self._self_refs_checked.add(id(config))
        for found in self_referring_attributes(config.resources, config.locals):
            self.self_refs[id(found.attr)] = (found.span, found.message)
            self.error(found.span, found.message)

    def note(self, span: Span | None, message: str) -> None:
        self.notes.setdefault((span, message), Located(span, message))

    def error(self, span: Span | None, message: str, path: str | None = None) -> None:
        err = FileError(
            span.path if span else (path or self.root_dir),
            span.start_line if span else None,
            span.start_column if span else None,
            message,
        )
        self.errors.setdefault((err.path, err.line, err.column, message), err)

    def new_ctx(self, instance: ModuleInstance) -> EvalContext:
        # Terraform resolves file() paths against the root module directory (where it
        # runs); path.module is relative to it.
        return EvalContext(
            deadline=self.deadline,
            module_dir=self.root_dir,
            scan_root=self.options.scan_root,
            errors=self.evaluation_errors,
            budget=self.budget,
        )

    def path_object(self, instance: ModuleInstance) -> dict[str, str]:
        rel = os.path.relpath(instance.config.directory, self.root_dir)
        return {
            "module": rel.replace(os.sep, "/"),
            "root": ".",
            "cwd": os.path.abspath(self.root_dir).replace(os.sep, "/"),
        }

    def var_type(self, config: ModuleConfig, name: str) -> TfType:
        types = self._types.setdefault(id(config), {})
        found = types.get(name)
        if found is None:
            decl = config.variables.get(name)
            found = parse_type(decl.type_expr, self.literal) if decl else ANY
            types[name] = found
        return found

    def literal(self, expr: Expr) -> Any:
        """A self-contained expression's payload (variable defaults, tfvars, type defaults)."""
        try:
            ctx = EvalContext(
                deadline=self.deadline, errors=self.evaluation_errors, budget=self.budget
            )
            return evaluate(expr, EmptyScope(), ctx)
        except EvalTimeout:
            return Unknown("the evaluation time budget ran out", getattr(expr, "span", None))

    def child(self, parent: ModuleInstance, call: ModuleCall, key: Any) -> ModuleInstance | Unknown:
        """The module instance ``call[key]`` under ``parent`` (or why it cannot be loaded)."""
        ident = (id(parent), call.name, key)
        found = self._children.get(ident)
        if found is not None:
            return found
        span = call.block.header_span
        result: ModuleInstance | Unknown
        source = call.source
        if source is None:
            result = Unknown(f"module.{call.name}: source is not a literal string")
        elif not is_local_source(source) and self.installed_dir(parent, call) is None:
            result = Unknown(f"remote module {source} is not fetched")
            self.note(
                span,
                remote_module_note(call.name, source),
            )
        elif parent.depth >= MAX_MODULE_DEPTH:
            result = Unknown(f"module.{call.name}: modules nested deeper than {MAX_MODULE_DEPTH}")
            self.note(span, result.reason)
        else:
            if is_local_source(source):
                directory, why = self.loader.resolve_local(parent.config.directory, source)
            else:  # fetched by `terraform init`: where .terraform/modules/modules.json says
                installed = self.installed_dir(parent, call) or "."
                directory, why = self.loader.resolve_local(self.root_dir, installed)
                if directory is None:
                    why = f"remote module {source}, installed by terraform init: {why}"
            if directory is None:
                result = Unknown(f"module.{call.name}: {why}")
                self.note(span, result.reason)
            else:
                config = self.loader.load(directory)
                for err in self.loader.take_errors(config):
                    self.errors.setdefault((err.path, err.line, err.column, err.message), err)
                chain = []
                probe: ModuleInstance | None = parent
                while probe is not None:
                    chain.append(probe)
                    probe = probe.parent
                if any(_same_dir(p.config.directory, directory) for p in chain):
                    names = " -> ".join(
                        [p.prefix or parent.config.directory for p in reversed(chain)]
                        + [f"module.{call.name}"]
                    )
                    result = Unknown(f"reference cycle: module calls itself ({names})")
                    self.note(span, result.reason)
                else:
                    prefix = parent.address(f"module.{call.name}{instance_suffix(key)}")
                    result = ModuleInstance(prefix, config, parent, call, key, parent.depth + 1)
        self._children[ident] = result
        return result

    def installed_dir(self, parent: ModuleInstance, call: ModuleCall) -> str | None:
        """Where ``terraform init`` put a remote module (``Dir`` of its entry in the root's
        ``.terraform/modules/modules.json``, relative to the root), or None: nothing is ever
        fetched here, only what Terraform itself wrote is read."""
        if self._installed is None:
            self._installed = _modules_json(self.root_dir)
        names = [call.name]
        probe: ModuleInstance | None = parent
        while probe is not None and probe.call is not None:
            names.append(probe.call.name)
            probe = probe.parent
        return self._installed.get(".".join(reversed(names)))


def _modules_json(root_dir: str) -> dict[str, str]:
    """Module key (``vpc``, ``vpc.subnets``) -> installed directory, from the manifest
    ``terraform init`` writes; empty when there is none or it cannot be read."""
    import json

    from iacguard.core.files import read_regular

    try:
        data = json.loads(
            read_regular(
                os.path.join(root_dir, ".terraform", "modules", "modules.json"), 4 * 1024 * 1024
            )
        )
    except (OSError, ValueError, RecursionError):
        return {}
    out: dict[str, str] = {}
    for entry in data.get("Modules", []) if isinstance(data, dict) else []:
        if not isinstance(entry, dict):
            continue
        key, directory = entry.get("Key"), entry.get("Dir")
        if isinstance(key, str) and key and isinstance(directory, str) and directory:
            # relative to the root; resolve_local refuses a directory outside the scanned tree
            out[key] = directory.replace("\\", "/")
    return out


def _same_dir(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


class EmptyScope:
    """For self-contained expressions (defaults, tfvars): every name is unknown."""

    def lookup(self, name: str, span: Span) -> Any:
        return Unknown(f"{name} cannot be referenced here", span)
