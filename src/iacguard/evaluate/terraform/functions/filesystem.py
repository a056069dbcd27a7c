"""Terraform's filesystem functions: ``file``, ``fileexists``, ``templatefile``, ``abspath``,
``dirname``, ``basename``.

``file``, ``fileexists`` and ``templatefile`` read only inside ``ctx.scan_root`` (never through
a symlink out of it) and at most ``MAX_FILE_BYTES``; anything else is refused (an Unknown and a
located error). ``templatefile`` parses the template and lets the evaluator render it
(``ctx.render_template``): this library never imports the evaluator.
"""

from __future__ import annotations

import os
from typing import Any

from iacguard.core.values import Unknown
from iacguard.evaluate.terraform.functions.common import (
    CallInfo,
    FunctionError,
    Refused,
    arity,
    as_map,
    leaf_unknown,
    need_known,
    on_known,
    to_str,
)

MAX_FILE_BYTES = 1_000_000
#: nested templatefile() calls beyond this depth are refused
MAX_TEMPLATE_DEPTH = 8


def _resolve_in_root(raw: str, info: CallInfo) -> str:
    """The real path of ``raw`` (relative to the module), refused outside the scanned root."""
    ctx = info.ctx
    base = ctx.module_dir or "."
    candidate = raw if os.path.isabs(raw) else os.path.join(base, raw)
    real = os.path.realpath(candidate)
    root = os.path.realpath(ctx.scan_root or ".")
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise Refused(f"{info.name}() outside the scanned root: {raw}")
    return real


def _read_text(raw: str, info: CallInfo) -> str:
    real = _resolve_in_root(raw, info)
    from iacguard.core.files import FileTooLarge, NotRegularFile, read_regular

    try:
        data = read_regular(real, MAX_FILE_BYTES)
    except FileTooLarge:
        raise Refused(f"{info.name}(): {raw} is larger than {MAX_FILE_BYTES} bytes") from None
    except NotRegularFile as exc:  # a named pipe would block the run: never opened to read
        raise Refused(f"{info.name}(): {raw} is {exc.strerror}") from None
    except OSError as exc:
        raise FunctionError(f"cannot read {raw}: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FunctionError(f"{raw} is not UTF-8 text") from None


def fn_file(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if (u := need_known(args)) is not None:
        return u
    return _read_text(to_str(args[0]), info)


def fn_fileexists(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if (u := need_known(args)) is not None:
        return u
    real = _resolve_in_root(to_str(args[0]), info)
    return os.path.isfile(real)


def fn_templatefile(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    path, variables = args
    if (u := leaf_unknown(path, variables)) is not None:
        return u
    raw = to_str(path)
    variables = as_map(variables, "templatefile() variables")
    ctx = info.ctx
    if ctx.depth >= MAX_TEMPLATE_DEPTH:
        return Unknown(f"templatefile() nested deeper than {MAX_TEMPLATE_DEPTH}", info.span)
    text = _read_text(raw, info)
    from iacguard.parse.hcl_template import parse_template

    expr, errors = parse_template(text, raw)
    if errors:
        raise FunctionError(f"templatefile(): {errors[0]}")
    result = ctx.render_template(expr, variables)
    if isinstance(result, (list, dict)) or result is None:
        raise FunctionError("templatefile() result is not a string")
    if isinstance(result, (int, float, bool)):
        return to_str(result)
    return result


def _abspath(p: str) -> str:
    return os.path.abspath(p).replace(os.sep, "/")


fn_abspath = on_known(_abspath, 1)
fn_dirname = on_known(lambda p: os.path.dirname(p) or ".", 1)
fn_basename = on_known(os.path.basename, 1)
