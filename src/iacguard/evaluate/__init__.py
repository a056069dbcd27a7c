"""Syntax -> resource graph, one sub-package per language; they never import each other."""
