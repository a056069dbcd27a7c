"""Changed files (``--diff-base REF``) and the focus test (pre-commit's file arguments).

``changed_files(REF)`` is what a pull request or a local branch changes relative to REF:

* the files that differ between the merge base of REF and HEAD and the *working tree*
  (committed, staged and unstaged changes alike; in CI the working tree is HEAD, so this is
  exactly ``git diff --name-only REF...HEAD``), renames under their new name, deletions left out
  (a deleted file has nothing to report);
* plus untracked files that are not git-ignored (a new module not yet added is still a change).

git runs in the repository of the scanned paths (``repo``), not the current directory, so
``iacguard check ../repo/infra --diff-base main`` works from outside it. Paths come back
relative to ``cwd`` when below it, else absolute, with ``/`` separators: the form ``discover``
gives findings. git is only read, never written; nothing touches the network, and nothing the
scanned repository configures is executed: no ``core.fsmonitor`` daemon or hook (which
``git diff`` / ``git ls-files`` would otherwise start), no hooks, no pager, no external diff
or textconv program, and no clean/smudge filter (``git diff`` runs ``filter.<driver>.clean``
on modified files: every driver the repository's configuration names is blanked).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from pathlib import Path

from iacguard.core.findings import Finding

GIT_TIMEOUT = 60.0


class ChangesError(Exception):
    """The changed files cannot be computed (no git, not a repository, unknown ref)."""


#: ``git -c`` settings of every call: the scanned repository's configuration must not make
#: git run a program (core.fsmonitor names one: git >= 2.36 starts its daemon, older git runs
#: it as a hook), run hooks or page (``--no-ext-diff`` / ``--no-textconv`` on the diff, and
#: ``_no_filters``, do the rest)
SAFE_CONFIG = (
    "core.fsmonitor=false",
    "core.hooksPath=" + os.devnull,
    "core.pager=cat",
)


def find_repo_root(path: str | os.PathLike[str]) -> str | None:
    """The root of the git work tree holding ``path`` (the nearest ancestor with a ``.git``
    directory or file: a repository, a worktree or a submodule), as an absolute path without
    symlinks resolved; None outside any. Cheap: no git process."""
    here = os.path.abspath(path)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        if os.path.lexists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _git(args: list[str], cwd: str, config: tuple[str, ...] = ()) -> str:
    import shutil
    import subprocess  # here: a run without --diff-base only looks for the work tree's root

    git = shutil.which("git")
    if git is None:
        raise ChangesError("git is not installed (needed for --diff-base)")
    env = {
        **os.environ,
        "LC_ALL": "C",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_TERMINAL_PROMPT": "0",
    }
    env.pop("GIT_EXTERNAL_DIFF", None)
    options = [part for item in (*SAFE_CONFIG, *config) for part in ("-c", item)]
    try:
        done = subprocess.run(
            [git, "--no-pager", *options, *args],
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


def changed_files(base: str, cwd: str = ".", repo: str | None = None) -> set[str]:
    """The files changed since ``base`` (a git ref), as described in the module docstring.

    git runs in ``repo`` (a directory inside the repository; default ``cwd``); the paths are
    relative to ``cwd``."""
    if not base or base.startswith("-"):
        raise ChangesError(f"not a git ref: {base!r}")
    where = repo if repo is not None else cwd
    top = _git(["rev-parse", "--show-toplevel"], where).strip()
    if not top:
        raise ChangesError("not inside a git work tree")
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], where)
    except ChangesError:
        raise ChangesError(f"unknown git ref {base!r} (fetch it first?)") from None
    merge_base = _git(["merge-base", base, "HEAD"], where).strip()
    if not merge_base:
        raise ChangesError(f"no common ancestor of {base!r} and HEAD")
    diff = _git(
        [
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--diff-filter=d",
            merge_base,
            "--",
        ],
        top,
        _no_filters(top),
    )
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z", "--full-name"], top)
    names = [n for n in (diff + untracked).split("\0") if n]
    here = Path(cwd).absolute()
    shown_top = _as_given(Path(top), Path(where).absolute())
    return {_relative_to(shown_top / name, here) for name in names}


def _no_filters(top: str) -> tuple[str, ...]:
    """``-c`` settings blanking every clean/smudge/process filter the configuration names (an
    empty command is no filter), so ``git diff`` cannot run one on a modified file."""
    try:
        listed = _git(["config", "--name-only", "-z", "--get-regexp", r"^filter\."], top)
    except ChangesError:  # exit 1: no filter configured
        return ()
    out: list[str] = []
    for key in listed.split("\0"):
        driver, _, setting = key.strip().rpartition(".")
        if driver.startswith("filter.") and setting in ("clean", "smudge", "process"):
            out.append(f"{driver}.{setting}=")
    return tuple(dict.fromkeys(out))


def _as_given(top: Path, where: Path) -> Path:
    """git's toplevel (symlinks resolved) as the ancestor of ``where`` it is, when one is, so
    that paths keep the form the scan gave them."""
    for candidate in (where, *where.parents):
        try:
            if os.path.samefile(candidate, top):
                return candidate
        except OSError:
            continue
    return top


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
