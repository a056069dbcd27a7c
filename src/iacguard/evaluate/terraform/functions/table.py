"""The name -> implementation table of Terraform's built-in functions and ``call``, the entry
point the evaluator uses: it turns a body's ``FunctionError`` into an error Unknown, a
``Refused`` read into an Unknown plus a located error, and never raises. It also charges each
result to the root's memory budget (``budget``): a result over it (or a body's
``OverBudget``, raised before building one) is an Unknown plus a located error at the call.

Functions not in the table are Unknown ("unsupported function"), never a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacguard.core.located import FileError
from iacguard.core.values import Unknown
from iacguard.evaluate.terraform.budget import OverBudget, shallow_size
from iacguard.evaluate.terraform.functions import (
    collection,
    conversion,
    crypto,
    encoding,
    filesystem,
    network,
    numeric,
    strings,
)
from iacguard.evaluate.terraform.functions.common import (
    CallInfo,
    Fn,
    FunctionError,
    Refused,
    error,
    is_error,
    known_after_apply,
    number_too_large,
    too_large,
)
from iacguard.parse.hcl_strings import nfc

FUNCTIONS: dict[str, Fn] = {
    "jsonencode": encoding.fn_jsonencode,
    "jsondecode": encoding.fn_jsondecode,
    "merge": collection.fn_merge,
    "concat": collection.fn_concat,
    "flatten": collection.fn_flatten,
    "lookup": collection.fn_lookup,
    "coalesce": collection.fn_coalesce,
    "coalescelist": collection.fn_coalescelist,
    "compact": collection.fn_compact,
    "distinct": collection.fn_distinct,
    "element": collection.fn_element,
    "format": strings.fn_format,
    "formatlist": strings.fn_formatlist,
    "join": strings.fn_join,
    "split": strings.fn_split,
    "replace": strings.fn_replace,
    "lower": strings.fn_lower,
    "upper": strings.fn_upper,
    "title": strings.fn_title,
    "trimspace": strings.fn_trimspace,
    "trimprefix": strings.fn_trimprefix,
    "trimsuffix": strings.fn_trimsuffix,
    "trim": strings.fn_trim,
    "chomp": strings.fn_chomp,
    "strrev": strings.fn_strrev,
    "indent": strings.fn_indent,
    "substr": strings.fn_substr,
    "length": collection.fn_length,
    "keys": collection.fn_keys,
    "values": collection.fn_values,
    "tolist": conversion.fn_tolist,
    "toset": conversion.fn_toset,
    "tomap": conversion.fn_tomap,
    "tostring": conversion.fn_tostring,
    "tonumber": conversion.fn_tonumber,
    "tobool": conversion.fn_tobool,
    "contains": collection.fn_contains,
    "one": collection.fn_one,
    "index": collection.fn_index,
    "zipmap": collection.fn_zipmap,
    "range": collection.fn_range,
    "max": numeric.fn_max,
    "min": numeric.fn_min,
    "abs": numeric.fn_abs,
    "ceil": numeric.fn_ceil,
    "floor": numeric.fn_floor,
    "signum": numeric.fn_signum,
    "pow": numeric.fn_pow,
    "startswith": strings.fn_startswith,
    "endswith": strings.fn_endswith,
    "strcontains": strings.fn_strcontains,
    "regex": strings.fn_regex,
    "regexall": strings.fn_regexall,
    "sort": collection.fn_sort,
    "reverse": collection.fn_reverse,
    "slice": collection.fn_slice,
    "setunion": collection.fn_setunion,
    "setintersection": collection.fn_setintersection,
    "setsubtract": collection.fn_setsubtract,
    "alltrue": collection.fn_alltrue,
    "anytrue": collection.fn_anytrue,
    "sum": collection.fn_sum,
    "chunklist": collection.fn_chunklist,
    "transpose": collection.fn_transpose,
    "base64encode": encoding.fn_base64encode,
    "base64decode": encoding.fn_base64decode,
    "sha256": crypto.fn_sha256,
    "sha1": crypto.fn_sha1,
    "sha512": crypto.fn_sha512,
    "md5": crypto.fn_md5,
    "base64sha256": crypto.fn_base64sha256,
    "file": filesystem.fn_file,
    "fileexists": filesystem.fn_fileexists,
    "templatefile": filesystem.fn_templatefile,
    "abspath": filesystem.fn_abspath,
    "dirname": filesystem.fn_dirname,
    "basename": filesystem.fn_basename,
    "cidrsubnet": network.fn_cidrsubnet,
    "sensitive": conversion.fn_identity,
    "nonsensitive": conversion.fn_identity,
    # date and time, and the random ones of hash and crypto: known only at apply
    "timestamp": known_after_apply,
    "plantimestamp": known_after_apply,
    "timeadd": known_after_apply,
    "uuid": known_after_apply,
    "bcrypt": known_after_apply,
}


#: functions whose arguments are passed as thunks (evaluated by the function itself)
LAZY_FUNCTIONS: dict[str, Callable[[list[Callable[[], Any]], CallInfo], Any]] = {
    "try": conversion.fn_try,
    "can": conversion.fn_can,
}


def call(name: str, args: list[Any], info: CallInfo) -> Any:
    """Call an eager function on evaluated arguments; never raises."""
    fn = FUNCTIONS.get(name)
    if fn is None:
        return Unknown(f"unsupported function {name}", info.span)
    for a in args:
        if is_error(a):
            return a
    budget = info.ctx.budget
    try:
        result = fn(args, info)
    except OverBudget as exc:
        return budget.refuse(exc.what, exc.size, info.span, info.ctx.errors)
    except MemoryError:
        return budget.refuse(f"{name}()", budget.max_bytes, info.span, info.ctx.errors)
    except FunctionError as exc:
        return error(f"{name}(): {exc}", info.span)
    except Refused as exc:
        span = info.span
        info.ctx.errors.append(FileError(span.path, span.start_line, span.start_column, str(exc)))
        return Unknown(str(exc), span)
    except (ValueError, TypeError, OverflowError, RecursionError, KeyError, IndexError) as exc:
        return error(f"{name}(): {type(exc).__name__}: {exc}", info.span)
    if too_large(result):
        return number_too_large(info.span)
    if isinstance(result, str) and not result.isascii():
        result = nfc(result)  # Terraform's strings are NFC: "c" + a combining accent is "ć"
    elif isinstance(result, list) and any(isinstance(x, str) and not x.isascii() for x in result):
        result = [nfc(x) if isinstance(x, str) else x for x in result]
    size = shallow_size(result)
    if size and not budget.take(size):
        return budget.refuse(f"{name}()", size, info.span, info.ctx.errors)
    return result
