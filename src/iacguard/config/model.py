"""The configuration as the run reads it: ``Config`` (the typed settings passed everywhere),
``PerPath`` (one ``[[per-path]]`` entry) and ``ConfigError``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iacguard.core.certainty import Certainty
from iacguard.core.errors import CheckError
from iacguard.core.findings import Severity
from iacguard.core.records import MISSING, field, record


class ConfigError(CheckError):
    """The configuration cannot be used: the message names the key path and what was expected.
    (A ``CheckError``: the run cannot do its job, in a worker process too.)"""


@record
class PerPath:
    """``[[tool.iacguard.per-path]]``: overrides for files matching ``paths``."""

    paths: tuple[str, ...]
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    min_certainty: Certainty | None = None
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    severity: Mapping[str, Severity] = field(default_factory=dict)
    fail_on: Severity | None = None
    #: where it was written ("pyproject.toml:20")
    source: str = ""
    _spec: Any = field(default=None, compare=False, repr=False)

    def __init__(
        self,
        paths: tuple[str, ...],
        select: tuple[str, ...] | None = None,
        ignore: tuple[str, ...] = (),
        min_certainty: Certainty | None = None,
        rule_options: Mapping[str, Mapping[str, Any]] = MISSING,
        severity: Mapping[str, Severity] = MISSING,
        fail_on: Severity | None = None,
        source: str = "",
        _spec: Any = None,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "paths", paths)
        set_field(self, "select", select)
        set_field(self, "ignore", ignore)
        set_field(self, "min_certainty", min_certainty)
        set_field(self, "rule_options", {} if rule_options is MISSING else rule_options)
        set_field(self, "severity", {} if severity is MISSING else severity)
        set_field(self, "fail_on", fail_on)
        set_field(self, "source", source)
        set_field(self, "_spec", _spec)
        self.__post_init__()

    def __post_init__(self) -> None:
        if self._spec is None:
            from iacguard.core.globs import gitignore_spec

            spec = gitignore_spec(self.paths)
            object.__setattr__(self, "_spec", spec)

    def matches(self, relative: str) -> bool:
        return bool(self._spec.match_file(relative))


@record
class Config:
    """The effective settings of a run: what ``load_config`` returns and the run reads."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    min_certainty: Certainty = Certainty.DEFAULT
    fail_on: Severity = Severity.LOW
    #: gitignore-style globs, relative to ``root``
    exclude: tuple[str, ...] = ()
    #: {"KMS002": {"min-deletion-window-days": 14}}, keyed by rule id
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: severity overrides, keyed by rule id
    severity: Mapping[str, Severity] = field(default_factory=dict)
    per_path: tuple[PerPath, ...] = ()
    #: key -> where it came from ("pyproject.toml:12", "--select", "default")
    sources: Mapping[str, str] = field(default_factory=dict)
    #: the configuration file used, if any
    path: str | None = None
    #: the directory globs (exclude, per-path) are relative to: the config file's, else cwd
    root: str = "."
    #: ``--exclude`` globs (None: not given; when given they replace ``exclude``), relative to
    #: ``cli_root``
    cli_exclude: tuple[str, ...] | None = None
    #: ``--extend-exclude`` globs (added to the excludes), relative to ``cli_root``
    cli_extend_exclude: tuple[str, ...] = ()
    #: the directory the command-line globs are relative to (the working directory of the run)
    cli_root: str = "."
    #: the command-line values this config was given (``load_config``'s ``overrides``): the
    #: configuration files found for other files get the same
    overrides: Mapping[str, Any] = field(default_factory=dict, compare=False)
    #: True when found by discovery: then each file takes the settings of the configuration
    #: file nearest to it (``iacguard.config.resolve``); False (``--config``, or a ``Config``
    #: built by hand): these settings apply to every file
    per_file: bool = False

    def __init__(
        self,
        select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        min_certainty: Certainty = Certainty.DEFAULT,
        fail_on: Severity = Severity.LOW,
        exclude: tuple[str, ...] = (),
        rule_options: Mapping[str, Mapping[str, Any]] = MISSING,
        severity: Mapping[str, Severity] = MISSING,
        per_path: tuple[PerPath, ...] = (),
        sources: Mapping[str, str] = MISSING,
        path: str | None = None,
        root: str = ".",
        cli_exclude: tuple[str, ...] | None = None,
        cli_extend_exclude: tuple[str, ...] = (),
        cli_root: str = ".",
        overrides: Mapping[str, Any] = MISSING,
        per_file: bool = False,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "select", select)
        set_field(self, "ignore", ignore)
        set_field(self, "min_certainty", min_certainty)
        set_field(self, "fail_on", fail_on)
        set_field(self, "exclude", exclude)
        set_field(self, "rule_options", {} if rule_options is MISSING else rule_options)
        set_field(self, "severity", {} if severity is MISSING else severity)
        set_field(self, "per_path", per_path)
        set_field(self, "sources", {} if sources is MISSING else sources)
        set_field(self, "path", path)
        set_field(self, "root", root)
        set_field(self, "cli_exclude", cli_exclude)
        set_field(self, "cli_extend_exclude", cli_extend_exclude)
        set_field(self, "cli_root", cli_root)
        set_field(self, "overrides", {} if overrides is MISSING else overrides)
        set_field(self, "per_file", per_file)
