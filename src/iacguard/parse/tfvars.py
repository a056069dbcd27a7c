"""Variable definition files: ``.tfvars`` (native HCL attributes) and ``.tfvars.json``.

Problems are located ``FileError`` values (a block in a variables file is one).
"""

from __future__ import annotations

from iacguard.core.located import FileError
from iacguard.parse.hcl import parse_hcl
from iacguard.parse.hcl_ast import Expr
from iacguard.parse.hcl_json import JsonConverter
from iacguard.parse.hcl_support import decode
from iacguard.parse.offset_json import JsonError


def parse_tfvars(source: bytes, path: str) -> tuple[dict[str, Expr], tuple[FileError, ...]]:
    """``.tfvars`` (HCL attributes) or ``.tfvars.json`` (by the path's suffix).

    In ``.tfvars.json`` strings are literal values (Terraform does not read templates there).
    """
    if path.endswith(".json"):
        text, err = decode(source, path)
        if text is None:
            return {}, (err,)  # type: ignore[arg-type]
        conv = JsonConverter(text, path, templates=False)
        try:
            root = conv.scan()
        except JsonError as exc:
            return {}, (conv.syntax_error(exc),)
        if text[root.lo] != "{":
            return {}, (FileError(path, 1, 1, "a .tfvars.json file must hold a JSON object"),)
        return {k: conv.expr(n) for k, _, n in root.value}, ()
    parsed = parse_hcl(source, path)
    errors = list(parsed.errors)
    for b in parsed.body.blocks:
        errors.append(
            FileError(
                path,
                b.span.start_line,
                b.span.start_column,
                f"blocks are not allowed in a variables file (found {b.type!r})",
            )
        )
    return {a.name: a.expr for a in parsed.body.attributes}, tuple(errors)
