"""Terraform modules -> resource graph: root worlds, module calls, expressions, functions."""
