"""One lint run for the language server, protocol-free: a document's path, the text of the
open buffers, the workspace folders -> the findings and file errors per file, and the files
whose diagnostics the run decides.

A Terraform document (``.tf``, ``.tf.json``, an auto-loaded or named ``.tfvars``) is checked with
every file of its module directory named, so the findings of all of them come back (the buffer
and the other open buffers from the overlay, the rest from disk), and with the modules of its
workspace folder that call that module (``iacguard.discover``'s ``callers_from``), as a scan of
the folder would. A YAML/JSON document is checked alone; discovery decides by its content
whether it is a CloudFormation template or a plan, as a scan does. Configuration is read for
each file as the command line reads it (nothing is cached between runs, so an edited
``.iacguard.toml`` counts at the next run), and the configuration's ``exclude`` applies to the
documents too (``--force-exclude``, as the pre-commit hook runs).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from iacguard.core.findings import Finding
from iacguard.core.located import FileError
from iacguard.core.records import MISSING, field, record

TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
DATA_SUFFIXES = (".yaml", ".yml", ".json", ".template", ".cfn")
#: the files that configure iacguard: a change to one re-checks every open document
CONFIG_NAMES = (".iacguard.toml", "pyproject.toml")
_MODULE_FILES = (".tf", ".tf.json")
_AUTO_TFVARS = ("terraform.tfvars", "terraform.tfvars.json")
_AUTO_TFVARS_SUFFIXES = (".auto.tfvars", ".auto.tfvars.json")


def lintable(path: str) -> bool:
    """Whether a document of this name is one iacguard checks."""
    return path.endswith(TERRAFORM_SUFFIXES + DATA_SUFFIXES) and not path.endswith(CONFIG_NAMES)


def is_config(path: str) -> bool:
    return os.path.basename(path) in CONFIG_NAMES


@record
class Outcome:
    """What one run found, by absolute path."""

    findings: Mapping[str, tuple[Finding, ...]] = field(default_factory=dict)
    errors: Mapping[str, tuple[FileError, ...]] = field(default_factory=dict)
    #: the files whose diagnostics this run decides: published even when empty (clearing them)
    scope: frozenset[str] = frozenset()
    #: the run could not do its job (an unusable configuration): said on the document
    failure: str | None = None

    def __init__(
        self,
        findings: Mapping[str, tuple[Finding, ...]] = MISSING,
        errors: Mapping[str, tuple[FileError, ...]] = MISSING,
        scope: frozenset[str] = frozenset(),
        failure: str | None = None,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "findings", {} if findings is MISSING else findings)
        set_field(self, "errors", {} if errors is MISSING else errors)
        set_field(self, "scope", scope)
        set_field(self, "failure", failure)


def named_files(path: str) -> list[str]:
    """The files a run for the document ``path`` names: for Terraform every file of its module
    directory (with the overlaid ones) and the document itself; otherwise the document."""
    from iacguard.core.files import list_dir

    if not path.endswith(TERRAFORM_SUFFIXES):
        return [path]
    directory = os.path.dirname(path)
    try:
        names = list_dir(directory)
    except OSError:
        names = []
    keep = {
        os.path.join(directory, n)
        for n in names
        if n.endswith(_MODULE_FILES) or n in _AUTO_TFVARS or n.endswith(_AUTO_TFVARS_SUFFIXES)
    }
    keep.add(path)
    return sorted(keep)


def folder_of(path: str, roots: Sequence[str]) -> str | None:
    """The deepest workspace folder holding ``path`` (where its callers are looked for)."""
    best: str | None = None
    for root in roots:
        root = os.path.abspath(root)
        if (path == root or path.startswith(root.rstrip(os.sep) + os.sep)) and (
            best is None or len(root) > len(best)
        ):
            best = root
    return best


def lint(path: str, overlay: Mapping[str, str], roots: Sequence[str] = ()) -> Outcome:
    """Check the document ``path`` (absolute) with the open buffers ``overlay`` (absolute path
    -> text) and the workspace folders ``roots``. Never raises for a problem of the input: an
    unusable configuration is ``failure``, a bad file a file error."""
    from iacguard.api import CheckError, check
    from iacguard.core.files import overlay as overlaid

    path = os.path.abspath(path)
    with overlaid(overlay):
        named = named_files(path)
        try:
            report = check(
                named,
                overlay=overlay,
                callers_from=folder_of(path, roots) if path.endswith(TERRAFORM_SUFFIXES) else None,
                jobs=1,
                force_exclude=True,
            )
        except CheckError as exc:  # a ConfigError too
            return Outcome(scope=frozenset(named), failure=str(exc).strip() or type(exc).__name__)
    findings: dict[str, list[Finding]] = {}
    for f in report.live:
        findings.setdefault(os.path.abspath(f.location.path), []).append(f)
    errors: dict[str, list[FileError]] = {}
    for e in report.errors:
        where = os.path.abspath(e.path) if e.path else path
        if os.path.isdir(where):  # a module's error: shown on the document
            where = path
        errors.setdefault(where, []).append(e)
    return Outcome(
        {k: tuple(v) for k, v in findings.items()},
        {k: tuple(v) for k, v in errors.items()},
        frozenset(named) | findings.keys() | errors.keys(),
    )
