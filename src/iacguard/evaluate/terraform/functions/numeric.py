"""Terraform's numeric functions: ``max``, ``min``, ``abs``, ``ceil``, ``floor``, ``signum``,
``pow``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from iacguard.evaluate.terraform.functions.common import (
    CallInfo,
    Fn,
    FunctionError,
    arity,
    need_known,
    normalize_number,
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


def _num1(fn: Callable[[Any], Any]) -> Fn:
    def body(args: list[Any], info: CallInfo) -> Any:
        arity(args, 1)
        if (u := need_known(args)) is not None:
            return u
        return fn(to_number(args[0]))

    return body


def fn_pow(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    if (u := need_known(args)) is not None:
        return u
    a, b = to_number(args[0]), to_number(args[1])
    try:
        return normalize_number(float(a) ** float(b)) if isinstance(b, float) or b < 0 else a**b
    except (OverflowError, ZeroDivisionError) as exc:
        raise FunctionError(str(exc)) from None


fn_abs = _num1(abs)
fn_ceil = _num1(math.ceil)
fn_floor = _num1(math.floor)
fn_signum = _num1(lambda n: (n > 0) - (n < 0))
