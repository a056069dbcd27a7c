"""Terraform's type conversion functions: ``tolist``, ``toset``, ``tomap``, ``tostring``,
``tonumber``, ``tobool``, ``sensitive`` / ``nonsensitive`` (the value passes through: sensitivity
is not tracked), and ``try`` / ``can``, which take thunks (their arguments are evaluated lazily)
and see error Unknowns as failures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacguard.core.values import PartialStr, Ref, Unknown
from iacguard.evaluate.terraform.functions.common import (
    ERROR_PREFIX,
    CallInfo,
    arity,
    as_list,
    as_map,
    as_unknown,
    error,
    find_error,
    is_leaf,
    keeps_null,
    set_order,
    to_bool,
    to_number,
    to_str,
    unify_primitives,
)

fn_tolist = keeps_null(lambda v: list(unify_primitives(as_list(v))))
fn_toset = keeps_null(lambda v: set_order(list(as_list(v))))
fn_tomap = keeps_null(lambda v: dict(as_map(v)))


def fn_tostring(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    v = args[0]
    if v is None:
        return None
    if isinstance(v, (PartialStr, Ref)):
        return v
    if is_leaf(v):
        return as_unknown(v)
    return to_str(v)


fn_tonumber = keeps_null(to_number)
fn_tobool = keeps_null(to_bool)


def fn_identity(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    return args[0]


def fn_try(thunks: list[Callable[[], Any]], info: CallInfo) -> Any:
    """The first argument that evaluates without an error (unknowns and references count as
    success: they are values, only not literal ones)."""
    last: Any = None
    for thunk in thunks:
        v = thunk()
        err = find_error(v)
        if err is None:
            return v
        last = err
    if last is None:
        return error("try() needs at least one argument", info.span)
    return error(f"no argument of try() succeeded: {last.reason[len(ERROR_PREFIX) :]}", info.span)


def fn_can(thunks: list[Callable[[], Any]], info: CallInfo) -> Any:
    if len(thunks) != 1:
        return error("can() takes exactly one argument", info.span)
    v = thunks[0]()
    if find_error(v) is not None:
        return False
    if isinstance(v, (Unknown, Ref)):
        return as_unknown(v)
    return True
