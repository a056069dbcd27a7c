"""Terraform's numeric functions: ``max``, ``min``, ``abs``, ``ceil``, ``floor``, ``signum``,
``pow``."""

from __future__ import annotations

import math
from typing import Any

from iacguard.evaluate.terraform.functions.common import (
    MAX_INT_DIGITS,
    CallInfo,
    FunctionError,
    arity,
    need_known,
    normalize_number,
    number_too_large,
    on_known,
    to_int,
    to_number,
)


def _numbers(args: list[Any]) -> list[int | float]:
    if not args:
        raise FunctionError("needs at least one number")
    return [to_number(a) for a in args]


def fn_max(args: list[Any], info: CallInfo) -> Any:
    if (u := need_known(args)) is not None:
        return u
    return max(_numbers(args))


def fn_min(args: list[Any], info: CallInfo) -> Any:
    if (u := need_known(args)) is not None:
        return u
    return min(_numbers(args))


def fn_pow(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    if (u := need_known(args)) is not None:
        return u
    a, b = to_number(args[0]), to_number(args[1])
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        if b * math.log10(abs(a)) > MAX_INT_DIGITS:  # never built: pow(10, 10**9) is gigabytes
            return number_too_large(info.span)
    try:
        out = normalize_number(float(a) ** float(b)) if isinstance(b, float) or b < 0 else a**b
    except (OverflowError, ZeroDivisionError) as exc:
        raise FunctionError(str(exc)) from None
    if isinstance(out, complex) or (isinstance(out, float) and math.isnan(out)):
        raise FunctionError("pow() has no real result")  # pow(-2, 0.5)
    return out


fn_abs = on_known(abs, 1, to_number)
fn_ceil = on_known(math.ceil, 1, to_number)
fn_floor = on_known(math.floor, 1, to_number)
fn_signum = on_known(lambda n: (n > 0) - (n < 0), 1, to_int)  # Terraform: a whole number
