"""Paths -> units to evaluate: Terraform module directories, CloudFormation templates, plans.

A directory is walked (``.git``, ``.terraform`` and git-ignored paths skipped, symlinks that
leave the scanned root or loop skipped with a note). A file is taken as it is; a ``.tf`` file
given alone brings its whole module directory, so references resolve.

CloudFormation templates and plan JSON are recognised by content, cheaply: a YAML/JSON file
whose text mentions ``AWSTemplateFormatVersion`` or an ``AWS::`` type next to ``Resources``
is a template candidate (the parser has the last word and ignores what is not a template);
a JSON file with ``format_version`` and ``planned_values`` is a plan.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from iacguard.graph.model import FileError, Note

TF_SUFFIXES = (".tf", ".tf.json")
TFVARS_AUTO = ("terraform.tfvars", "terraform.tfvars.json")
TFVARS_AUTO_SUFFIXES = (".auto.tfvars", ".auto.tfvars.json")
DATA_SUFFIXES = (".yaml", ".yml", ".json", ".template", ".cfn")
SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "__pycache__", ".tox"}
DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024

_CFN_HINT = re.compile(rb"AWSTemplateFormatVersion|AWS::[A-Za-z0-9]+::")
_RESOURCES_HINT = re.compile(rb"Resources")
_PLAN_HINT = re.compile(rb'"format_version"')
_PLANNED_HINT = re.compile(rb'"planned_values"')


@dataclass(frozen=True, slots=True)
class TerraformModule:
    """A directory of ``.tf`` files, with the tfvars Terraform would load for it."""

    directory: str
    files: tuple[str, ...]
    var_files: tuple[str, ...] = ()


@dataclass(slots=True)
class Discovery:
    #: the directory the scan is relative to: paths in output are relative to it
    base: str
    modules: list[TerraformModule] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    #: the files the user named (pre-commit passes files): findings are limited to them
    focus: set[str] | None = None
    errors: list[FileError] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def _is_tf(name: str) -> bool:
    return name.endswith(TF_SUFFIXES)


def _is_auto_tfvars(name: str) -> bool:
    return name in TFVARS_AUTO or name.endswith(TFVARS_AUTO_SUFFIXES)


def _gitignore_matcher(root: Path):
    """A function telling whether a path under ``root`` is git-ignored, or None."""
    top = root
    while True:
        if (top / ".git").exists():
            break
        if top.parent == top:
            return None
        top = top.parent
    try:
        import pathspec
    except ImportError:  # pragma: no cover - declared dependency
        return None
    specs: list[tuple[Path, object]] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        if ".gitignore" in filenames:
            try:
                lines = (Path(dirpath) / ".gitignore").read_text(errors="replace").splitlines()
            except OSError:
                continue
            specs.append((Path(dirpath), pathspec.PathSpec.from_lines("gitwildmatch", lines)))
        if len(specs) > 200:
            break

    def ignored(path: Path, is_dir: bool) -> bool:
        for base, spec in specs:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if is_dir:
                rel += "/"
            if spec.match_file(rel):  # type: ignore[attr-defined]
                return True
        return False

    return ignored


def sniff(path: Path, head: bytes) -> str | None:
    """'template', 'plan' or None for a YAML/JSON file, from its first bytes."""
    if path.suffix == ".json" and _PLAN_HINT.search(head) and _PLANNED_HINT.search(head):
        return "plan"
    if _CFN_HINT.search(head) and (_RESOURCES_HINT.search(head) or b"AWSTemplateFormatVersion" in head):
        return "template"
    return None


def discover(
    paths: Sequence[str | os.PathLike[str]],
    *,
    var_files: Iterable[str] = (),
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    respect_gitignore: bool = True,
) -> Discovery:
    """Find every unit to evaluate under ``paths`` (default: the current directory)."""
    if not paths:
        paths = ["."]
    cwd = Path.cwd()
    found = Discovery(base=str(cwd))
    module_files: dict[Path, set[Path]] = {}
    templates: set[Path] = set()
    plans: set[Path] = set()
    focus: set[str] = set()
    any_file_named = False

    def consider(path: Path) -> None:
        name = path.name
        if _is_tf(name):
            module_files.setdefault(path.parent, set())
            return
        if not name.endswith(DATA_SUFFIXES):
            return
        try:
            size = path.stat().st_size
            with path.open("rb") as fh:
                head = fh.read(min(size, 256 * 1024))
        except OSError as exc:
            found.errors.append(FileError(_rel(path), None, None, f"cannot read file: {exc.strerror}"))
            return
        kind = sniff(path, head)
        if kind is None:
            return
        if size > max_file_size:
            found.errors.append(
                FileError(_rel(path), None, None, f"file is {size} bytes, over --max-file-size ({max_file_size}); not checked")
            )
            return
        (plans if kind == "plan" else templates).add(path)

    for raw in paths:
        p = Path(raw)
        if not p.exists() and not p.is_symlink():
            found.errors.append(FileError(str(raw), None, None, "no such file or directory"))
            continue
        if p.is_file():
            any_file_named = True
            focus.add(_rel(p))
            consider(p.absolute())
            continue
        root = p.resolve()
        ignored = _gitignore_matcher(root) if respect_gitignore else None
        seen_dirs: set[Path] = set()
        for dirpath, dirnames, filenames in os.walk(p, followlinks=True):
            here = Path(dirpath)
            real = here.resolve()
            if real in seen_dirs:
                found.notes.append(Note(None, f"{_rel(here)}: symlink loop, skipped"))
                dirnames[:] = []
                continue
            if real != root and root not in real.parents:
                found.notes.append(Note(None, f"{_rel(here)}: symlink leaves the scanned root, skipped"))
                dirnames[:] = []
                continue
            seen_dirs.add(real)
            keep = []
            for d in sorted(dirnames):
                if d in SKIP_DIRS:
                    continue
                if ignored and ignored(real / d, True):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                fp = here / name
                if fp.is_symlink():
                    target = fp.resolve()
                    if not target.exists() or (target != root and root not in target.parents):
                        found.notes.append(Note(None, f"{_rel(fp)}: symlink leaves the scanned root, skipped"))
                        continue
                if ignored and ignored(real / name, False):
                    continue
                consider(fp.absolute())

    extra_vars = [str(Path(v)) for v in var_files]
    for directory in sorted(module_files):
        tf_files: list[str] = []
        auto_vars: list[str] = []
        try:
            names = sorted(os.listdir(directory))
        except OSError as exc:
            found.errors.append(FileError(_rel(directory), None, None, f"cannot list directory: {exc.strerror}"))
            continue
        for name in names:
            fp = directory / name
            if not fp.is_file():
                continue
            if _is_tf(name):
                tf_files.append(_rel(fp))
            elif _is_auto_tfvars(name):
                auto_vars.append(_rel(fp))
        # Terraform loads terraform.tfvars first, then *.auto.tfvars in lexical order.
        auto_vars.sort(key=lambda f: (not Path(f).name.startswith("terraform.tfvars"), f))
        found.modules.append(
            TerraformModule(_rel(directory), tuple(tf_files), tuple(auto_vars + extra_vars))
        )
    found.templates = sorted(_rel(t) for t in templates)
    found.plans = sorted(_rel(p) for p in plans)
    found.focus = focus if any_file_named else None
    return found


def _rel(path: Path) -> str:
    """A path relative to the working directory when it is below it, else absolute."""
    try:
        return Path(os.path.relpath(path)).as_posix() if not str(os.path.relpath(path)).startswith("..") else Path(path).absolute().as_posix()
    except ValueError:
        return Path(path).as_posix()
