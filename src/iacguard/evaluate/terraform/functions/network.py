"""Terraform's IP network functions: ``cidrsubnet`` (``ipaddress`` is imported on first use)."""

from __future__ import annotations

from typing import Any

from iacguard.evaluate.terraform.functions.common import (
    CallInfo,
    FunctionError,
    arity,
    need_known,
    to_int,
    to_str,
)


def fn_cidrsubnet(args: list[Any], info: CallInfo) -> Any:
    arity(args, 3)
    if (u := need_known(args)) is not None:
        return u
    import ipaddress

    try:
        net = ipaddress.ip_network(to_str(args[0]), strict=False)
        newbits, num = to_int(args[1]), to_int(args[2])
        prefix = net.prefixlen + newbits
        if prefix > net.max_prefixlen or num < 0 or num >= 2**newbits:
            raise FunctionError("cidrsubnet() arguments out of range")
        size = 2 ** (net.max_prefixlen - prefix)
        base = int(net.network_address) + num * size
        return str(ipaddress.ip_network((base, prefix)))
    except ValueError as exc:
        raise FunctionError(f"cidrsubnet(): {exc}") from None
