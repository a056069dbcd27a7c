"""Which settings apply to which file (ruff's semantics): the configuration file nearest above
each file decides that file's settings, with the command line's overrides applied to every one;
``--config FILE`` (a ``Config`` not marked ``per_file``) applies to every file. Whatever the
order of the paths, a file gets the same settings.

A finding is judged by the settings of the file it is located in, whatever module or template
joined it with other files (a vault in one module, its key in another): the rules run once per
distinct setting, and each finding keeps the run of its own file's settings
(``iacguard.run.lint``). Exclusion (``exclude``, ``--exclude``, ``--extend-exclude``) is
decided the same way, by the file's own configuration.

Lookups are cheap: each directory is examined once (a ``stat`` or two), each configuration
file read and checked once, and the known-rule table built once per run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from iacguard.config.model import Config
from iacguard.config.paths import effective_for, relative_to


class ConfigResolver:
    """The settings of each file of a run, found from the ``Config`` the run was given."""

    __slots__ = (
        "given",
        "_by_dir",
        "_by_spelled_dir",
        "_by_file",
        "_table",
        "_specs",
        "_named",
        "_force",
    )

    def __init__(
        self,
        given: Config,
        *,
        named: Iterable[str | os.PathLike[str]] = (),
        force_exclude: bool = False,
    ) -> None:
        #: the run's config: the nearest file's for the first path (``per_file``), or the one
        #: for every file
        self.given = given
        #: directory -> its nearest configuration file ("" when there is none)
        self._by_dir: dict[str, str] = {}
        #: a file's directory as its path spells it (``os.path.dirname``) -> its Config
        self._by_spelled_dir: dict[str, Config] = {}
        #: configuration file ("" for the defaults) -> its Config
        self._by_file: dict[str, Config] = {
            os.path.normpath(given.path) if given.path else "": given
        }
        self._table: Any = None
        #: id(config) -> (its exclude spec or None, the command line's spec or None)
        self._specs: dict[int, tuple[Any, Any]] = {}
        #: the paths named on the command line (absolute): checked even when excluded
        self._named = {os.path.abspath(p) for p in named}
        self._force = force_exclude

    # ------------------------------------------------------------------------- settings

    def config_for(self, path: str) -> Config:
        """The settings of the configuration nearest to the file ``path`` (``per-path``
        entries not applied yet)."""
        if not self.given.per_file:
            return self.given
        spelled = os.path.dirname(path)  # a file's directory as its path spells it
        config = self._by_spelled_dir.get(spelled)
        if config is not None:  # asked for each file and each finding: the same few answers
            return config
        directory = os.path.dirname(os.path.abspath(path))
        file = self._nearest(directory)
        config = self._by_file.get(file)
        if config is None:
            config = self._load(file)
            self._by_file[file] = config
        self._by_spelled_dir[spelled] = config
        return config

    def effective(self, path: str) -> Config:
        """The settings of the file ``path``: its configuration with the ``per-path`` entries
        matching it applied."""
        return effective_for(self.config_for(path), path)

    def loaded(self) -> list[Config]:
        """Every configuration looked up so far (the given one first)."""
        return list(self._by_file.values())

    def _nearest(self, directory: str) -> str:
        from iacguard.config.find import config_in

        chain: list[str] = []
        here = directory
        found = ""
        while True:
            known = self._by_dir.get(here)
            if known is not None:
                found = known
                break
            chain.append(here)
            candidate = config_in(Path(here))
            if candidate is not None:
                found = str(candidate)
                break
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
        for d in chain:
            self._by_dir[d] = found
        return found

    def _load(self, file: str) -> Config:
        from iacguard.config.load import load_file

        overrides = self.given.overrides
        if self._table is None:
            from iacguard.config.known import rule_table

            self._table = rule_table()
        config = load_file(Path(file) if file else None, overrides, table=self._table)
        return config

    # ------------------------------------------------------------------------- exclusion

    def excluded(self, path: str) -> bool:
        """Whether ``path`` is left out by its configuration's ``exclude`` or the command
        line's ``--exclude`` / ``--extend-exclude``.

        A file named on the command line is checked even when excluded, and a named
        directory's own match (or its parents') does not count for the files below it: the
        globs are then matched below it. ``--force-exclude`` applies exclusion to named paths
        too (pre-commit names every staged file)."""
        config = self.config_for(path)
        if config.exclude or config.cli_exclude or config.cli_extend_exclude:
            absolute = os.path.abspath(path)
            if not self._force and absolute in self._named:
                return False
            floor = None if self._force else self._named_dir_above(absolute)
            file_spec, cli_spec = self._spec(config)
            return _match(file_spec, config.root, absolute, floor) or _match(
                cli_spec, config.cli_root, absolute, floor
            )
        return False

    def _named_dir_above(self, absolute: str) -> str | None:
        best: str | None = None
        for named in self._named:
            if absolute.startswith(named.rstrip(os.sep) + os.sep) and (
                best is None or len(named) > len(best)
            ):
                best = named
        return best

    def _spec(self, config: Config) -> tuple[Any, Any]:
        specs = self._specs.get(id(config))
        if specs is None:
            from iacguard.core.globs import gitignore_spec

            file_globs = config.exclude if config.cli_exclude is None else ()
            cli_globs = (*(config.cli_exclude or ()), *config.cli_extend_exclude)
            specs = (
                gitignore_spec(file_globs) if file_globs else None,
                gitignore_spec(cli_globs) if cli_globs else None,
            )
            self._specs[id(config)] = specs
        return specs

    def __getstate__(self) -> dict[str, Any]:  # slots and a cache keyed by id(): not pickled
        state = {name: getattr(self, name) for name in self.__slots__}
        state["_specs"] = {}
        state["_by_spelled_dir"] = {}  # relative spellings: a worker may start elsewhere
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)


def _match(spec: Any, root: str, absolute: str, floor: str | None) -> bool:
    if spec is None:
        return False
    rel = relative_to(root, absolute)
    if rel is None:
        return False
    if floor is not None:
        below = relative_to(floor, absolute)
        floor_rel = relative_to(root, floor)
        if below is not None and (floor_rel is None or spec.match_file(floor_rel + "/")):
            # the named directory (or a parent) is excluded: it was named, so match below it
            return bool(spec.match_file(below))
    return bool(spec.match_file(rel))


def resolver_for(
    config: Config | ConfigResolver,
    named: Sequence[str | os.PathLike[str]] = (),
    force_exclude: bool = False,
) -> ConfigResolver:
    """The resolver of a run given ``config`` (a resolver is returned as it is)."""
    if isinstance(config, ConfigResolver):
        return config
    return ConfigResolver(config, named=named, force_exclude=force_exclude)
