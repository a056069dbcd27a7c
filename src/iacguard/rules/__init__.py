"""The rules: registry, shared analysis, and one module per rule."""
