"""A quiet module's file errors without its syntax tree: ``ModuleSkimmer``.

``ModuleLoader.load`` (``modules.load_module``) parses every file of a module into the syntax
tree and indexes its declarations; a quiet unit (``iacguard.run.relevance``) needs only the
errors that reports and the number of resource and data blocks. ``ModuleSkimmer`` gives both
from ``parse.hcl_skim`` (tree-sitter's tree walked, nothing converted) for each file it can
read that way, and from the full parse (``modules.parse_file``) for the others (``.tf.json``,
a file with a syntax error, ...): the same errors, in the same order, with the same
once-per-directory reporting and the same count as ``ModuleLoader`` and ``load_module``.
Variable files (``skim_var_file``) likewise, as ``parse.tfvars.parse_tfvars`` reports them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.core.units import TerraformModule
from iacguard.evaluate.terraform.modules import duplicate_attributes, parse_file, read_source
from iacguard.parse.hcl_ast import HclFile

#: a top-level block as the index reads it: type, labels, header span (a callable: computed
#: only for a duplicate), its own attribute errors (``duplicate_attributes``), and for
#: ``locals`` its attributes as (name, line, column)
_Decl = tuple[str, tuple[str, ...], object, list[FileError], tuple[tuple[str, int, int], ...]]


class ModuleSkimmer:
    """``ModuleLoader`` for a quiet unit: each directory read once, its errors given once."""

    def __init__(self, max_size: int, cache_dir: str | None = None) -> None:
        self.max_size = max_size
        self.cache_dir = cache_dir
        self._seen: dict[str, int] = {}

    def skim(self, directory: str, files: tuple[str, ...]) -> tuple[list[FileError], int]:
        """The errors ``ModuleLoader.take_errors(load(directory, files))`` gives (none when
        the directory was read before) and how many resource and data blocks it declares."""
        key = Path(directory).resolve().as_posix()
        count = self._seen.get(key)
        if count is not None:
            return [], count
        errors, count = skim_module(files, self.max_size, self.cache_dir)
        self._seen[key] = count
        return errors, count


def skim_module(
    files: tuple[str, ...], max_size: int, cache_dir: str | None = None
) -> tuple[list[FileError], int]:
    """``load_module``'s errors for ``files`` and the number of resource and data blocks it
    indexes (``len(config.resources)``)."""
    errors: list[FileError] = []
    locals_: set[str] = set()
    resources: dict[str, object] = {}
    #: single-label declarations a name may be given once: block type -> (names, what)
    named: dict[str, tuple[set[str], str]] = {
        "variable": (set(), "variable"),
        "module": (set(), "module call"),
        "output": (set(), "output"),
    }
    for path in files:
        decls = _file_decls(path, max_size, cache_dir, errors)
        for kind, labels, header, attr_errors, attributes in decls:
            errors.extend(attr_errors)
            if kind == "locals":
                for name, line, column in attributes:
                    if name in locals_:
                        errors.append(
                            FileError(path, line, column, f"duplicate local value {name!r}")
                        )
                    else:
                        locals_.add(name)
                continue
            if kind in ("resource", "data") and len(labels) == 2:
                base = f"{labels[0]}.{labels[1]}"
                address = base if kind == "resource" else f"data.{base}"
                first = resources.get(address)
                if first is not None:
                    errors.append(
                        _error(
                            _span(header),
                            f"duplicate {kind} {address} (first declared at {_span(first)}); "
                            "Terraform rejects this, the first one is used",
                        )
                    )
                else:
                    resources[address] = header
                continue
            table = named.get(kind)
            if table is None or len(labels) != 1:
                continue
            names, what = table
            if labels[0] in names:
                errors.append(_error(_span(header), f"duplicate {what} {labels[0]!r}"))
            else:
                names.add(labels[0])
    return errors, len(resources)


def _span(header: object) -> Span:
    return header() if callable(header) else header  # type: ignore[return-value]


def _error(span: Span, message: str) -> FileError:
    return FileError(span.path, span.start_line, span.start_column, message)


def _file_decls(
    path: str, max_size: int, cache_dir: str | None, errors: list[FileError]
) -> Iterator[_Decl]:
    """The file's top-level blocks as the index reads them, its read or parse errors first
    appended to ``errors``."""
    from iacguard.parse.hcl_skim import skim_hcl

    if not path.endswith(".tf.json"):
        data = read_source(path, max_size)
        if isinstance(data, FileError):
            errors.append(data)
            return
        skimmed = skim_hcl(data, path)
        if skimmed is not None:
            errors.extend(skimmed.errors)
            for b in skimmed.blocks:
                # the converter keeps one attribute per name: duplicate_attributes finds none
                yield b.type, b.labels, (lambda b=b: b.header_span), [], b.attributes
            return
    parsed = parse_file(path, max_size, cache_dir)
    if isinstance(parsed, FileError):
        errors.append(parsed)
        return
    errors.extend(parsed.errors)
    yield from _parsed_decls(parsed)


def _parsed_decls(parsed: HclFile) -> Iterator[_Decl]:
    for block in parsed.body.blocks:
        attr_errors: list[FileError] = []
        attributes: tuple[tuple[str, int, int], ...] = ()
        if block.type != "locals":
            duplicate_attributes(block.body, attr_errors)
        else:
            attributes = tuple(
                (a.name, a.span.start_line, a.span.start_column) for a in block.body.attributes
            )
        yield block.type, block.labels, block.header_span, attr_errors, attributes


def skim_var_file(path: str, max_size: int) -> list[FileError]:
    """The errors ``parse_tfvars`` reports for the variables file ``path`` (or why it cannot
    be read)."""
    from iacguard.parse.tfvars import parse_tfvars

    data = read_source(path, max_size)
    if isinstance(data, FileError):
        return [data]
    if not path.endswith(".json"):
        from iacguard.parse.hcl_skim import skim_hcl

        skimmed = skim_hcl(data, path)
        if skimmed is not None:
            out = list(skimmed.errors)
            for b in skimmed.blocks:
                line, column = b.start()
                message = f"blocks are not allowed in a variables file (found {b.type!r})"
                out.append(FileError(path, line, column, message))
            return out
    return list(parse_tfvars(data, path)[1])


def skim_modules(
    modules: Sequence[TerraformModule], max_size: int, cache_dir: str | None = None
) -> tuple[list[FileError], int]:
    """The file errors of ``modules`` (their ``.tf`` files and tfvars, in order, repeats kept)
    and the resource and data blocks they declare: what evaluating them would report of
    their files, for a quiet unit (``run.relevance.skim_unit``)."""
    skimmer = ModuleSkimmer(max_size, cache_dir)
    errors: list[FileError] = []
    declared = 0
    for module in modules:
        found, count = skimmer.skim(module.directory, tuple(module.files))
        errors.extend(found)
        declared += count
        for var_file in module.var_files:
            errors.extend(skim_var_file(var_file, max_size))
    return errors, declared
