"""Changed files (``--diff-base REF``) and the focus test (pre-commit's file arguments).

``changed_files(REF)`` is what a pull request or a local branch changes relative to REF:

* the files that differ between the merge base of REF and HEAD and the *working tree*
  (committed, staged and unstaged changes alike; in CI the working tree is HEAD, so this is
  exactly ``git diff --name-only REF...HEAD``), renames under their new name, deletions left out
  (a deleted file has nothing to report);
* plus untracked files that are not git-ignored (a new module not yet added is still a change).

Paths come back relative to ``cwd`` when below it, else absolute, with ``/`` separators: the
form ``discover`` gives findings. git is only read, never written; nothing touches the network.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from iacguard.core.findings import Finding

GIT_TIMEOUT = 60.0


class ChangesError(Exception):
    """The changed files cannot be computed (no git, not a repository, unknown ref)."""


def _git(args: list[str], cwd: str) -> str:
    git = shutil.which("git")
    if git is None:
        raise ChangesError("git is not installed (needed for --diff-base)")
    env = {**os.environ, "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        done = subprocess.run(
            [git, *args],
            cwd=cwd,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ChangesError(f"git {args[0]} took over {GIT_TIMEOUT:.0f}s") from None
    except OSError as exc:
        raise ChangesError(f"cannot run git: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise ChangesError(message[0] if message else f"git {args[0]} failed")
    return done.stdout.decode("utf-8", errors="surrogateescape")


def changed_files(base: str, cwd: str = ".") -> set[str]:
    """The files changed since ``base`` (a git ref), as described in the module docstring."""
    if not base or base.startswith("-"):
        raise ChangesError(f"not a git ref: {base!r}")
    top = _git(["rev-parse", "--show-toplevel"], cwd).strip()
    if not top:
        raise ChangesError("not inside a git work tree")
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], cwd)
    except ChangesError:
        raise ChangesError(f"unknown git ref {base!r} (fetch it first?)") from None
    merge_base = _git(["merge-base", base, "HEAD"], cwd).strip()
    if not merge_base:
        raise ChangesError(f"no common ancestor of {base!r} and HEAD")
    diff = _git(
        ["diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", merge_base, "--"],
        top,
    )
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z", "--full-name"], top)
    names = [n for n in (diff + untracked).split("\0") if n]
    here = Path(cwd).absolute()
    return {_relative_to(Path(top) / name, here) for name in names}


def _relative_to(path: Path, cwd: Path) -> str:
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:
        return path.as_posix()
    if rel == ".." or rel.startswith(".." + os.sep):
        return path.as_posix()
    return Path(rel).as_posix()


def normalise(path: str) -> str:
    """A path in the form ``discover`` uses (``./a/../b.tf`` -> ``b.tf``)."""
    if not path:
        return path
    if os.path.isabs(path):
        return _relative_to(Path(os.path.normpath(path)), Path.cwd())
    return Path(os.path.normpath(path)).as_posix()


def focus_set(paths: Iterable[str]) -> set[str]:
    return {normalise(p) for p in paths}


def in_focus(finding: Finding, focus: set[str]) -> bool:
    """Whether ``finding`` is located in, or has evidence in, one of the ``focus`` files.

    ``focus`` holds paths in ``discover``'s form (``focus_set`` normalises others).
    """
    path = finding.location.path
    if path in focus or normalise(path) in focus:
        return True
    for hop in finding.evidence:
        if hop.span is not None and (hop.span.path in focus or normalise(hop.span.path) in focus):
            return True
    if any(i.startswith("var.") for i in finding.inputs):
        # a tfvars file of the finding's root module sets inputs: a changed terraform.tfvars
        # can be what makes an input-dependent finding (its evidence may name only the
        # variable's declaration)
        root = normalise(finding.root)
        for name in focus:
            if _is_tfvars(name) and posixpath.dirname(name) in (root, "" if root == "." else None):
                return True
    return False


def _is_tfvars(name: str) -> bool:
    base = posixpath.basename(name)
    return base in ("terraform.tfvars", "terraform.tfvars.json") or base.endswith(
        (".auto.tfvars", ".auto.tfvars.json")
    )
