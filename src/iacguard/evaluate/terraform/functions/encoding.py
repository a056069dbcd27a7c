"""Terraform's encoding functions: ``jsonencode``, ``jsondecode``, ``base64encode``,
``base64decode``; ``json_text`` renders known data exactly as ``jsonencode`` does.

``jsonencode`` of data that holds unknown leaves is a ``JsonEncoded``: the structure stays
visible to the rules that read a policy document.
"""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown
from iacguard.evaluate.terraform.functions.common import (
    CallInfo,
    FunctionError,
    arity,
    as_unknown,
    first_leaf,
    need_known,
    normalize_number,
    to_str,
)


def _json_ready(v: Any) -> Any:
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            raise FunctionError("number is not finite")
        return normalize_number(v)
    if isinstance(v, dict):
        return {str(k): _json_ready(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_ready(x) for x in v]
    return v


_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028"}
_JSON_ESCAPES["\u2029"] = "\\u2029"
_JSON_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


def json_text(data: Any) -> str:
    """``jsonencode`` of fully known data, exactly as Terraform renders it."""
    text = json.dumps(_json_ready(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)


def fn_jsonencode(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    v = args[0]
    if isinstance(v, JsonEncoded):
        return JsonEncoded(v.data)
    if isinstance(v, (Unknown, Ref, PartialStr)):
        return as_unknown(v)
    if first_leaf(v) is not None:
        return JsonEncoded(v)
    return json_text(v)


def fn_jsondecode(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    v = args[0]
    if isinstance(v, JsonEncoded):
        return v.data
    if (u := need_known(v)) is not None:
        return u
    text = to_str(v)
    try:
        return json.loads(text, parse_float=lambda s: normalize_number(float(s)))
    except (ValueError, RecursionError) as exc:
        raise FunctionError(f"invalid JSON: {exc}") from None


def fn_base64encode(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if (u := need_known(args)) is not None:
        return u
    return base64.b64encode(to_str(args[0]).encode()).decode()


def fn_base64decode(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if (u := need_known(args)) is not None:
        return u
    try:
        return base64.b64decode(to_str(args[0]), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise FunctionError(f"invalid base64: {exc}") from None
