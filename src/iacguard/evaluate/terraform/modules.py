"""Terraform module configuration: the declarations of one module directory.

``load_module(directory, files)`` parses every ``.tf`` / ``.tf.json`` file of a directory once
and indexes its variables, locals, resources, data sources, module calls, outputs and
provider configurations. Parse
errors and declaration problems (a duplicate resource address, a duplicate local) become
located ``FileError`` entries; the first declaration wins, as far as we go on.

``ModuleLoader`` caches loaded modules per directory for one run (a directory that is both a
root and a called module is parsed once) and resolves module ``source`` strings: local paths
(``./x``, ``../x``) to directories, anything else is remote and never fetched.

``configured_names(decl)`` lists a resource block's own attributes and block types, in source
order (meta-arguments such as ``count`` and ``lifecycle`` left out).
"""

from __future__ import annotations

import os
from pathlib import Path

from iacguard.core.located import FileError
from iacguard.core.records import MISSING, field, record
from iacguard.core.spans import Span
from iacguard.parse.hcl_ast import (
    Attribute,
    Binary,
    Block,
    Body,
    Call,
    Expr,
    HclFile,
    Literal,
    Template,
    Traversal,
    TupleExpr,
)

#: meta-arguments and meta-blocks of resources: not attributes of the resource
RESOURCE_META_ATTRS = frozenset({"count", "for_each", "provider", "depends_on"})
RESOURCE_META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})
#: module call arguments that are not inputs of the module
MODULE_META_ATTRS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


@record
class VariableDecl:
    name: str
    block: Block
    type_expr: Expr | None
    default: Attribute | None
    nullable: bool
    #: values a ``validation`` block restricts the variable to (``contains([...], var.x)``)
    allowed: tuple[Expr, ...] | None

    def __init__(
        self,
        name: str,
        block: Block,
        type_expr: Expr | None,
        default: Attribute | None,
        nullable: bool,
        allowed: tuple[Expr, ...] | None,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "name", name)
        set_field(self, "block", block)
        set_field(self, "type_expr", type_expr)
        set_field(self, "default", default)
        set_field(self, "nullable", nullable)
        set_field(self, "allowed", allowed)

    @property
    def span(self) -> Span:
        return self.block.header_span


@record
class ResourceDecl:
    mode: str  # "managed" | "data"
    type: str
    name: str
    block: Block

    def __init__(self, mode: str, type: str, name: str, block: Block) -> None:
        set_field = object.__setattr__
        set_field(self, "mode", mode)
        set_field(self, "type", type)
        set_field(self, "name", name)
        set_field(self, "block", block)

    @property
    def address(self) -> str:
        base = f"{self.type}.{self.name}"
        return base if self.mode == "managed" else f"data.{base}"


@record
class ModuleCall:
    name: str
    block: Block
    #: the literal ``source`` string, or None when it is missing or not a literal
    source: str | None


@record
class OutputDecl:
    name: str
    block: Block
    value: Attribute | None


@record(frozen=False)
class ModuleConfig:
    directory: str
    files: tuple[str, ...]
    variables: dict[str, VariableDecl] = field(default_factory=dict)
    locals: dict[str, Attribute] = field(default_factory=dict)
    resources: dict[str, ResourceDecl] = field(default_factory=dict)
    module_calls: dict[str, ModuleCall] = field(default_factory=dict)
    outputs: dict[str, OutputDecl] = field(default_factory=dict)
    #: provider configurations: ``aws``, ``aws.west`` (an ``alias``) -> the block
    providers: dict[str, Block] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)
    #: files that failed to parse at least partly: unknowns may come from them
    broken_files: tuple[str, ...] = ()

    def __init__(
        self,
        directory: str,
        files: tuple[str, ...],
        variables: dict[str, VariableDecl] = MISSING,
        locals: dict[str, Attribute] = MISSING,
        resources: dict[str, ResourceDecl] = MISSING,
        module_calls: dict[str, ModuleCall] = MISSING,
        outputs: dict[str, OutputDecl] = MISSING,
        providers: dict[str, Block] = MISSING,
        errors: list[FileError] = MISSING,
        broken_files: tuple[str, ...] = (),
    ) -> None:
        self.directory = directory
        self.files = files
        self.variables = {} if variables is MISSING else variables
        self.locals = {} if locals is MISSING else locals
        self.resources = {} if resources is MISSING else resources
        self.module_calls = {} if module_calls is MISSING else module_calls
        self.outputs = {} if outputs is MISSING else outputs
        self.providers = {} if providers is MISSING else providers
        self.errors = [] if errors is MISSING else errors
        self.broken_files = broken_files


def read_source(path: str, max_size: int) -> bytes | FileError:
    from iacguard.core.files import FileTooLarge, read_regular

    try:
        return read_regular(path, max_size)
    except FileTooLarge as exc:
        return FileError(
            path, None, None, f"file is {exc.size} bytes, over the size limit; not read"
        )
    except OSError as exc:
        return FileError(path, None, None, f"cannot read file: {exc.strerror or exc}")


def parse_file(path: str, max_size: int, cache_dir: str | None = None) -> HclFile | FileError:
    """``path`` parsed (through the parse cache when ``cache_dir`` is set: ``--cache``)."""
    from iacguard.parse.hcl import parse_hcl
    from iacguard.parse.hcl_json import parse_tf_json

    data = read_source(path, max_size)
    if isinstance(data, FileError):
        return data
    kind, parse = ("tfjson", parse_tf_json) if path.endswith(".tf.json") else ("hcl", parse_hcl)
    if cache_dir is None:
        return parse(data, path)
    from iacguard.parse.cache import cached_parse

    return cached_parse(kind, path, data, parse, cache_dir)


def _literal_str(expr: Expr | None) -> str | None:
    if isinstance(expr, Literal) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, Template) and all(isinstance(p, str) for p in expr.parts):
        return "".join(expr.parts)  # type: ignore[arg-type]
    return None


def _error(span: Span, message: str) -> FileError:
    return FileError(span.path, span.start_line, span.start_column, message)


def _allowed_values(var_name: str, block: Block) -> tuple[Expr, ...] | None:
    """The value list of ``validation { condition = contains([...], var.NAME) }`` (or of a
    chain ``var.NAME == "a" || var.NAME == "b"``), else None."""
    for validation in block.body.blocks_of("validation"):
        cond = validation.body.attribute("condition")
        if cond is None:
            continue
        expr = cond.expr
        if (
            isinstance(expr, Call)
            and expr.name == "contains"
            and len(expr.args) == 2
            and isinstance(expr.args[0], TupleExpr)
            and _is_var(expr.args[1], var_name)
        ):
            return expr.args[0].items
        found = _eq_chain(expr, var_name)
        if found:
            return tuple(found)
    return None


def _eq_chain(expr: Expr, var_name: str) -> list[Expr] | None:
    if isinstance(expr, Binary) and expr.op == "||":
        left = _eq_chain(expr.left, var_name)
        right = _eq_chain(expr.right, var_name)
        return left + right if left is not None and right is not None else None
    if isinstance(expr, Binary) and expr.op == "==":
        if _is_var(expr.left, var_name) and isinstance(expr.right, (Literal, Template)):
            return [expr.right]
        if _is_var(expr.right, var_name) and isinstance(expr.left, (Literal, Template)):
            return [expr.left]
    return None


def _is_var(expr: Expr, name: str) -> bool:
    return (
        isinstance(expr, Traversal)
        and expr.root == "var"
        and len(expr.steps) == 1
        and getattr(expr.steps[0], "name", None) == name
    )


def load_module(
    directory: str, files: tuple[str, ...], max_size: int, cache_dir: str | None = None
) -> ModuleConfig:
    """Parse ``files`` and index the declarations of the module in ``directory``."""
    config = ModuleConfig(directory, files)
    broken: list[str] = []
    for path in files:
        parsed = parse_file(path, max_size, cache_dir)
        if isinstance(parsed, FileError):
            config.errors.append(parsed)
            broken.append(path)
            continue
        if parsed.errors:
            config.errors.extend(parsed.errors)
            broken.append(path)
        _index_file(config, parsed)
    config.broken_files = tuple(broken)
    return config


def duplicate_attributes(body: Body, errors: list[FileError], depth: int = 0) -> None:
    """Terraform rejects an attribute set twice in one body ("Attribute redefined")."""
    seen: dict[str, Attribute] = {}
    for attr in body.attributes:
        first = seen.get(attr.name)
        if first is not None:
            errors.append(
                _error(
                    attr.span,
                    f"attribute {attr.name!r} redefined (first set at line "
                    f"{first.span.start_line}); Terraform rejects this, the first one is used",
                )
            )
        else:
            seen[attr.name] = attr
    if depth < 32:
        for block in body.blocks:
            duplicate_attributes(block.body, errors, depth + 1)


def _index_file(config: ModuleConfig, parsed: HclFile) -> None:
    for block in parsed.body.blocks:
        if block.type != "locals":
            duplicate_attributes(block.body, config.errors)
        kind, labels = block.type, block.labels
        if kind == "variable" and len(labels) == 1:
            name = labels[0]
            if name in config.variables:
                config.errors.append(_error(block.header_span, f"duplicate variable {name!r}"))
                continue
            nullable_attr = block.body.attribute("nullable")
            nullable = not (
                nullable_attr is not None
                and isinstance(nullable_attr.expr, Literal)
                and nullable_attr.expr.value is False
            )
            config.variables[name] = VariableDecl(
                name,
                block,
                (block.body.attribute("type").expr if block.body.attribute("type") else None),
                block.body.attribute("default"),
                nullable,
                _allowed_values(name, block),
            )
        elif kind == "locals":
            for attr in block.body.attributes:
                if attr.name in config.locals:
                    config.errors.append(_error(attr.span, f"duplicate local value {attr.name!r}"))
                    continue
                config.locals[attr.name] = attr
        elif kind in ("resource", "data") and len(labels) == 2:
            decl = ResourceDecl(
                "managed" if kind == "resource" else "data", labels[0], labels[1], block
            )
            if decl.address in config.resources:
                first = config.resources[decl.address].block.header_span
                config.errors.append(
                    _error(
                        block.header_span,
                        f"duplicate {kind} {decl.address} (first declared at {first}); "
                        "Terraform rejects this, the first one is used",
                    )
                )
                continue
            config.resources[decl.address] = decl
        elif kind == "module" and len(labels) == 1:
            name = labels[0]
            if name in config.module_calls:
                config.errors.append(_error(block.header_span, f"duplicate module call {name!r}"))
                continue
            source = block.body.attribute("source")
            config.module_calls[name] = ModuleCall(
                name, block, _literal_str(source.expr) if source else None
            )
        elif kind == "provider" and len(labels) == 1:
            alias = block.body.attribute("alias")
            name = _literal_str(alias.expr) if alias is not None else None
            config.providers.setdefault(f"{labels[0]}.{name}" if name else labels[0], block)
        elif kind == "output" and len(labels) == 1:
            name = labels[0]
            if name in config.outputs:
                config.errors.append(_error(block.header_span, f"duplicate output {name!r}"))
                continue
            config.outputs[name] = OutputDecl(name, block, block.body.attribute("value"))


def is_local_source(source: str) -> bool:
    return source.startswith(("./", "../", ".\\", "..\\")) or source in (".", "..")


def display_path(path: Path) -> str:
    """A path relative to the working directory when below it, else absolute (as discover)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path.as_posix()
    if rel.startswith(".."):
        return path.as_posix()
    return Path(rel).as_posix()


def allowed_base(scan_root: str) -> Path:
    """Called local modules may be loaded from below this directory: the enclosing git
    work tree of the scan root when there is one (``examples/x`` calling ``../../``), else the
    scan root itself."""
    root = Path(scan_root).resolve()
    probe = root
    while True:
        if (probe / ".git").exists():
            return probe
        if probe.parent == probe:
            return root
        probe = probe.parent


class ModuleLoader:
    """Loads module directories once per run."""

    def __init__(self, max_size: int, scan_root: str, cache_dir: str | None = None) -> None:
        self.max_size = max_size
        self.cache_dir = cache_dir
        self.base = allowed_base(scan_root)
        self.cwd = Path.cwd().resolve()
        self._cache: dict[str, ModuleConfig] = {}
        self._reported: set[str] = set()

    def load(self, directory: str, files: tuple[str, ...] | None = None) -> ModuleConfig:
        """The module in ``directory`` (display form); lists its files when not given."""
        key = Path(directory).resolve().as_posix()
        found = self._cache.get(key)
        if found is None:
            if files is None:
                files = _tf_files(directory)
            found = load_module(directory, files, self.max_size, self.cache_dir)
            self._cache[key] = found
        return found

    def take_errors(self, config: ModuleConfig) -> list[FileError]:
        """The module's errors the first time it is asked, then nothing (reported once)."""
        key = Path(config.directory).resolve().as_posix()
        if key in self._reported:
            return []
        self._reported.add(key)
        return list(config.errors)

    def resolve_local(self, caller_dir: str, source: str) -> tuple[str | None, str]:
        """(directory in display form, "") or (None, why it is not loaded)."""
        try:
            target = (Path(caller_dir) / source).resolve()
            is_dir = target.is_dir()
        except (OSError, RuntimeError) as exc:  # name too long, symlink loop, no access
            why = getattr(exc, "strerror", None) or str(exc)
            return None, f"local module {source[:200]!r} cannot be read: {why}"
        if not is_dir:
            return None, f"local module {source!r} not found ({display_path(target)})"
        inside = (
            target == self.base
            or self.base in target.parents
            or target == self.cwd
            or self.cwd in target.parents
        )
        if not inside:
            return None, f"local module {source!r} lies outside the scanned tree; not loaded"
        if not _tf_files(display_path(target)):
            return None, f"local module {source!r} has no .tf files"
        return display_path(target), ""


def _tf_files(directory: str) -> tuple[str, ...]:
    """The ``.tf`` / ``.tf.json`` files of a called module, overlaid ones (an editor's unsaved
    new file) included."""
    from iacguard.core.files import is_file, list_dir

    try:
        names = list_dir(directory)
    except OSError:
        return ()
    out = []
    for name in names:
        if name.endswith((".tf", ".tf.json")) and is_file(os.path.join(directory, name)):
            out.append(Path(directory, name).as_posix() if directory != "." else name)
    return tuple(out)


def configured_names(decl: ResourceDecl) -> list[str]:
    """Top-level attribute and block type names of a resource block, in source order."""
    body = decl.block.body
    names: list[str] = []
    for attr in body.attributes:
        if attr.name not in RESOURCE_META_ATTRS and attr.name not in names:
            names.append(attr.name)
    for block in body.blocks:
        name = block.labels[0] if block.type == "dynamic" and block.labels else block.type
        if block.type in RESOURCE_META_BLOCKS or name in names:
            continue
        names.append(name)
    return names
