"""Terraform's hash and crypto functions that have a fixed result: ``sha1``, ``sha256``,
``sha512``, ``md5``, ``base64sha256`` (``uuid`` and ``bcrypt`` are random: ``table`` maps them
to ``common.known_after_apply``). ``hashlib`` is imported on first use (start-up time)."""

from __future__ import annotations

import base64

from iacguard.evaluate.terraform.functions.common import (
    Fn,
    on_known,
)


def _hash(name: str, b64: bool = False) -> Fn:
    def digest(text: str) -> str:
        import hashlib

        d = hashlib.new(name, text.encode())
        return base64.b64encode(d.digest()).decode() if b64 else d.hexdigest()

    return on_known(digest, 1)


fn_sha256 = _hash("sha256")
fn_sha1 = _hash("sha1")
fn_sha512 = _hash("sha512")
fn_md5 = _hash("md5")
fn_base64sha256 = _hash("sha256", b64=True)
