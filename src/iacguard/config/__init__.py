"""Configuration (``[tool.iacguard]`` / ``.iacguard.toml``), one job per module: ``find`` (which
file), ``load`` (reading it, building a ``Config``, command-line overrides), ``validate`` (the
JSON schema and its error messages), ``lines`` (where a key was written), ``known`` (the rules a
configuration can name), ``model`` (``Config``, ``PerPath``, ``ConfigError``), ``paths`` (per-path
settings and ``exclude``) and ``show`` (``--show-config``).
"""
