"""HCL (tree-sitter-hcl) -> ``parse.hcl_ast``; also Terraform JSON syntax and tfvars."""

from __future__ import annotations

from iacguard.graph.model import FileError
from iacguard.parse.hcl_ast import Expr, HclFile


def parse_hcl(source: bytes, path: str) -> HclFile:
    """Parse HCL native syntax; never raises (syntax errors become located FileErrors)."""
    raise NotImplementedError


def parse_tf_json(source: bytes, path: str) -> HclFile:
    """Parse Terraform JSON syntax (``.tf.json``) into the same AST."""
    raise NotImplementedError


def parse_tfvars(source: bytes, path: str) -> tuple[dict[str, Expr], tuple[FileError, ...]]:
    """``.tfvars`` (HCL attributes) or ``.tfvars.json`` (by the path's suffix)."""
    raise NotImplementedError
