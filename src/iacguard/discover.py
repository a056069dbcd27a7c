"""Paths -> units to evaluate: Terraform module directories, CloudFormation templates, tfplans.

A directory is walked (``.git``, ``.terraform`` and git-ignored paths skipped, symlinks that
leave the scanned root or loop skipped with a note). A file is taken as it is; a ``.tf`` file
given alone brings its whole module directory, so references resolve.

CloudFormation templates and plan JSON are recognised by content, cheaply: a YAML/JSON file
whose text mentions ``AWSTemplateFormatVersion`` or an ``AWS::`` type next to ``Resources``
is a template candidate (the parser has the last word and ignores what is not a template);
a JSON file with ``format_version`` and ``planned_values`` is a plan.

Hostile input is stopped here, before any parser sees it: every file that would be evaluated
(``.tf``, ``.tf.json``, auto-loaded tfvars, template and plan candidates) must be a regular,
readable file of at most ``max_file_size`` bytes, without NUL bytes and valid UTF-8; a file
that is not becomes a located ``FileError`` (never a silent skip) and the other files of its
module are still evaluated. Nothing is ever opened that is not a regular file (a named pipe
would block forever).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from iacguard.core.files import (
    kind_of,
    list_dir,
    not_regular_message,
    overlaid,
    read_head,
    read_regular,
)
from iacguard.core.globs import gitignore_spec
from iacguard.core.lazyre import lazy_compile
from iacguard.core.located import FileError, Located
from iacguard.core.markers import calls_in as _calls_in
from iacguard.core.markers import quiet_bytes as quiet_bytes
from iacguard.core.records import MISSING, field, record
from iacguard.core.units import TerraformModule

TF_SUFFIXES = (".tf", ".tf.json")
TFVARS_AUTO = ("terraform.tfvars", "terraform.tfvars.json")
TFVARS_AUTO_SUFFIXES = (".auto.tfvars", ".auto.tfvars.json")
DATA_SUFFIXES = (".yaml", ".yml", ".json", ".template", ".cfn")
SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "__pycache__", ".tox"}
DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024
#: bytes read to recognise a template or plan
SNIFF_BYTES = 256 * 1024

_CFN_HINT = lazy_compile(rb"AWSTemplateFormatVersion|AWS::[A-Za-z0-9]+::")
_RESOURCES_HINT = lazy_compile(rb"Resources")
_PLAN_HINT = lazy_compile(rb'"format_version"')
_PLANNED_HINT = lazy_compile(rb'"planned_values"')
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: checked first: the UTF-32 little-endian mark begins with the UTF-16 one
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")


@record(frozen=False)
class Discovery:
    #: the directory the scan is relative to: paths in output are relative to it
    base: str
    modules: list[TerraformModule] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    #: Terraform plan files (``terraform show -json`` output)
    tfplans: list[str] = field(default_factory=list)
    #: the files the user named (pre-commit passes files): findings are limited to them
    focus: set[str] | None = None
    errors: list[FileError] = field(default_factory=list)
    notes: list[Located] = field(default_factory=list)
    #: the size of each admitted file, from the stat discovery made (``run.pool`` weighs units)
    sizes: dict[str, int] = field(default_factory=dict)
    #: the local module directories each admitted Terraform file calls, read from the bytes
    #: discovery read (``module_groups`` reads no file again)
    local_calls: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: the admitted files whose bytes discovery saw hold nothing a built-in rule can act on
    #: (``quiet_bytes``); a file not here may (``run.relevance`` decides per unit)
    quiet: set[str] = field(default_factory=set)

    def __init__(
        self,
        base: str,
        modules: list[TerraformModule] = MISSING,
        templates: list[str] = MISSING,
        tfplans: list[str] = MISSING,
        focus: set[str] | None = None,
        errors: list[FileError] = MISSING,
        notes: list[Located] = MISSING,
        sizes: dict[str, int] = MISSING,
        local_calls: dict[str, tuple[str, ...]] = MISSING,
        quiet: set[str] = MISSING,
    ) -> None:
        self.base = base
        self.modules = [] if modules is MISSING else modules
        self.templates = [] if templates is MISSING else templates
        self.tfplans = [] if tfplans is MISSING else tfplans
        self.focus = focus
        self.errors = [] if errors is MISSING else errors
        self.notes = [] if notes is MISSING else notes
        self.sizes = {} if sizes is MISSING else sizes
        self.local_calls = {} if local_calls is MISSING else local_calls
        self.quiet = set() if quiet is MISSING else quiet


def _is_tf(name: str) -> bool:
    return name.endswith(TF_SUFFIXES)


def _is_auto_tfvars(name: str) -> bool:
    return name in TFVARS_AUTO or name.endswith(TFVARS_AUTO_SUFFIXES)


def sniff(path: Path, head: bytes) -> str | None:
    """'template', 'tfplan' or None for a YAML/JSON file, from its first bytes."""
    if path.suffix == ".json" and _PLAN_HINT.search(head) and _PLANNED_HINT.search(head):
        return "tfplan"
    if _CFN_HINT.search(head) and (
        _RESOURCES_HINT.search(head) or b"AWSTemplateFormatVersion" in head
    ):
        return "template"
    return None


# ----------------------------------------------------------------------------- content checks


def content_problem(data: bytes) -> tuple[int | None, int | None, str] | None:
    """Why ``data`` cannot be checked as text: ``(line, column, message)``, or None if fine.

    A NUL byte makes a file binary (git's rule); a UTF-32 or UTF-16 byte-order mark gets its
    own message; otherwise the text must decode as UTF-8 (a UTF-8 byte-order mark is fine).
    """
    if data.startswith(_UTF32_BOMS):
        return 1, 1, "file is UTF-32 encoded (byte-order mark); only UTF-8 is read: not checked"
    if data.startswith(_UTF16_BOMS):
        return 1, 1, "file is UTF-16 encoded (byte-order mark); only UTF-8 is read: not checked"
    nul = data.find(b"\0")
    if nul >= 0:
        line, column = _position(data, nul)
        return line, column, "binary file (NUL byte): not checked"
    if data.isascii():
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        bad = data[exc.start : exc.start + 1].hex()
        return line, column, f"not valid UTF-8 (byte 0x{bad}): not checked"
    return None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, where the line decodes) of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    prefix = data[line_start:offset]
    try:
        column = len(prefix.decode("utf-8")) + 1
    except UnicodeDecodeError:
        column = len(prefix) + 1
    return line, column


def regular_file_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be read as a file named on the command line (``--config``,
    ``--var-file``): "no such file", "a directory, not a regular file", "a device, not a
    regular file"... or None when it is a regular file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISREG(st.st_mode):
        return None
    return not_regular_message(st.st_mode)


def _read(path: Path, limit: int | None = None) -> bytes:
    """Read a regular file (its first ``limit`` bytes), never blocking on a pipe; the one place
    discovery reads a file."""
    return read_regular(path) if limit is None else read_head(path, limit)


class _Admission:
    """The checks every evaluated file passes; problems become errors or notes."""

    def __init__(self, found: Discovery, max_file_size: int) -> None:
        self.found = found
        self.max_file_size = max_file_size

    def error(self, path: Path, message: str, line: int | None = None, col: int | None = None):
        self.found.errors.append(FileError(_rel(path), line, col, message))

    def regular(self, path: Path, *, required: bool) -> os.stat_result | None:
        """The file's stat when it is a regular file we may open; else report and None.

        ``required``: the file would certainly be evaluated (a ``.tf``), so anything wrong is
        an error; otherwise (a YAML/JSON file that may not be a template) a non-regular file is
        only a note.
        """
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self.found.notes.append(Located(None, f"{_rel(path)}: symlink loop, skipped"))
            elif required or exc.errno not in (errno.ENOENT,):
                self.error(path, f"cannot read file: {exc.strerror or exc}")
            else:
                self.found.notes.append(Located(None, f"{_rel(path)}: broken symlink, skipped"))
            return None
        if not stat.S_ISREG(st.st_mode):
            message = f"{kind_of(st.st_mode)}, not a regular file: not checked"
            if required:
                self.error(path, message)
            else:
                self.found.notes.append(Located(None, f"{_rel(path)}: {message}"))
            return None
        return st

    def too_large(self, path: Path, size: int) -> bool:
        if size <= self.max_file_size:
            return False
        self.error(
            path,
            f"file is {size} bytes, over --max-file-size ({self.max_file_size}): not checked",
        )
        return True

    def text_file(self, path: Path, rel: str | None = None, rel_dir: str | None = None) -> bool:
        """A ``.tf`` / tfvars file: regular, small enough, readable, UTF-8 text. ``rel`` and
        ``rel_dir``: ``_rel`` of it and of its directory, when the caller knows them."""
        data = overlaid(path)
        if data is not None:  # standard input, an editor's buffer: no file to stat
            return not self.too_large(path, len(data)) and self._content_ok(path, data)
        st = self.regular(path, required=True)
        if st is None or self.too_large(path, st.st_size):
            return False
        try:
            data = _read(path)
        except OSError as exc:
            self.error(path, f"cannot read file: {exc.strerror or exc}")
            return False
        if not self._content_ok(path, data):
            return False
        rel = _rel(path) if rel is None else rel
        self.found.sizes[rel] = st.st_size
        rel_dir = _rel(path.parent) if rel_dir is None else rel_dir
        self.found.local_calls[rel] = _calls_in(data, rel_dir)
        if quiet_bytes(data, terraform=True):
            self.found.quiet.add(rel)
        return True

    def data_file(self, path: Path) -> str | None:
        """A YAML/JSON file: 'template', 'tfplan' or None (not ours, or reported)."""
        data = overlaid(path)
        if data is not None:  # text given for this name: what is wrong with it is said
            if not self._content_ok(path, data) or self.too_large(path, len(data)):
                return None
            return sniff(path, data[:SNIFF_BYTES])
        st = self.regular(path, required=False)
        if st is None:
            return None
        try:
            head = _read(path, SNIFF_BYTES)
        except OSError as exc:
            self.error(path, f"cannot read file: {exc.strerror or exc}")
            return None
        kind = sniff(path, head)
        if kind is None:
            if head.startswith(_UTF16_BOMS + _UTF32_BOMS) and _looks_like_utf16_template(head):
                self.error(path, content_problem(head)[2], 1, 1)  # type: ignore[index]
            return None
        if self.too_large(path, st.st_size):
            return None
        data = head
        if len(head) >= SNIFF_BYTES:
            try:
                data = _read(path)
            except OSError as exc:
                self.error(path, f"cannot read file: {exc.strerror or exc}")
                return None
        if not self._content_ok(path, data):
            return None
        self.found.sizes[_rel(path)] = st.st_size
        if kind == "template" and quiet_bytes(data, terraform=False):
            self.found.quiet.add(_rel(path))
        return kind

    def _content_ok(self, path: Path, data: bytes) -> bool:
        problem = content_problem(data)
        if problem is None:
            return True
        self.error(path, problem[2], problem[0], problem[1])
        return False


def _looks_like_utf16_template(head: bytes) -> bool:
    """Whether a file with a UTF-16 or UTF-32 byte-order mark reads as a template or tfplan."""
    codec = "utf-32" if head.startswith(_UTF32_BOMS) else "utf-16"
    try:
        text = head.decode(codec, errors="replace").encode("utf-8")
    except UnicodeError:  # pragma: no cover - errors="replace"
        return False
    return sniff(Path("x.yaml"), text) is not None


# ----------------------------------------------------------------------------- git-ignore


class _Ignores:
    """``.gitignore`` rules: the files of the scan's ancestors, then each directory walked.

    Like git, the deepest ``.gitignore`` with a matching pattern decides (a ``!pattern``
    re-includes; ``.git/info/exclude`` counts below the top ``.gitignore``), and an ignored
    directory is not entered. Lookups go through the path's ancestors only: no scan of all
    rules per file.
    """

    def __init__(self, root: Path) -> None:
        #: directory -> [its .gitignore spec, its info/exclude spec] (either may be None)
        self.specs: dict[Path, list[object | None]] = {}
        #: (specs, their count, ``_anchors()``) for the specs it was computed from
        #: ``specs`` as path prefixes, deepest first (``_anchors``); None after specs change
        self._anchored: list[tuple[str, list[object | None]]] | None = None
        self.active = False
        top = root
        while not _exists(top / ".git"):
            if top.parent == top:
                return
            top = top.parent
        self.active = True
        chain = [root]
        while chain[-1] != top and chain[-1].parent != chain[-1]:
            chain.append(chain[-1].parent)
        for d in reversed(chain):
            self.add(d, d / ".gitignore")
        self.add(top, top / ".git" / "info" / "exclude")

    def add(self, directory: Path, file: Path) -> None:
        if not self.active:
            return
        try:
            if not file.is_file():
                return
            text = _read(file, 1024 * 1024).decode("utf-8", errors="replace")
        except OSError:
            return
        lines = text.splitlines()
        try:
            spec = self._compile(lines)
        except ImportError:  # pragma: no cover - pathspec is a declared dependency
            self.active = False
            return
        # slot 0: the directory's .gitignore, slot 1: .git/info/exclude (lower precedence)
        specs = self.specs.setdefault(directory, [None, None])
        self._anchored = None
        slot = 0 if file.name == ".gitignore" else 1
        if specs[slot] is None:
            specs[slot] = spec

    def _compile(self, lines: list[str]) -> Any:
        """The ignore file's spec (``core.globs``: pathspec's, or the plain matcher when every
        line is a plain pattern); a line git cannot use either (``[z-a]``, a bad range) is
        skipped, as git skips it, instead of failing the run."""
        try:
            return gitignore_spec(lines)
        except ImportError:
            raise
        except Exception:  # noqa: BLE001 - re.error, ValueError...: some line is unusable
            usable = []
            for line in lines:
                try:
                    gitignore_spec([line])
                except ImportError:
                    raise
                except Exception:  # noqa: BLE001 - that line is the bad one
                    continue
                usable.append(line)
            return gitignore_spec(usable)

    def excludes(self, directory: Path) -> bool:
        """Whether ``directory`` or one of its ancestors is ignored."""
        if not self.active:
            return False
        chain = [directory, *directory.parents]
        return any(self.ignored(d, True) for d in reversed(chain[:-1]))

    def forget_above(self, directory: Path) -> None:
        """Drop the rules of ``directory``'s ancestors (keep its own and those below)."""
        self.specs = {
            d: s for d, s in self.specs.items() if d == directory or directory in d.parents
        }
        self._anchored = None

    def ignored(self, path: Path | str, is_dir: bool) -> bool:
        """Whether git ignores ``path`` (absolute and normalised, as every path discovery
        walks is): the deepest ancestor with a spec that decides wins."""
        if not self.active or not self.specs:
            return False
        text = path if isinstance(path, str) else str(path)
        for prefix, specs in self._anchors():
            if not text.startswith(prefix):
                continue
            rel = text[len(prefix) :]
            if os.sep != "/":  # pragma: no cover - Windows
                rel = rel.replace(os.sep, "/")
            if is_dir:
                rel += "/"
            for spec in specs:
                if spec is None:
                    continue
                check = getattr(spec, "check_file", None)
                if check is not None:
                    include = check(rel).include
                else:  # pragma: no cover - old pathspec
                    include = True if spec.match_file(rel) else None  # type: ignore[attr-defined]
                if include is not None:
                    return bool(include)
        return False

    def _anchors(self) -> list[tuple[str, list[object | None]]]:
        """The directories with specs as path prefixes (``/a/b/``), deepest first: of one
        path's ancestors, the nearest is met first, as walking ``path.parents`` would (with no
        ``Path`` built per lookup: this ran once per file and directory walked)."""
        if self._anchored is None:
            prefixes = [(_as_prefix(d), s) for d, s in self.specs.items()]
            prefixes.sort(key=lambda item: len(item[0]), reverse=True)
            self._anchored = prefixes
        return self._anchored


def _as_prefix(directory: Path) -> str:
    """``directory`` as the start of the paths below it: ``/a/b/`` (the root stays ``/``)."""
    text = str(directory)
    return text if text.endswith(os.sep) else text + os.sep


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; False when its directory is not searchable (discovery reports
    that directory as an error of its own)."""
    try:
        return path.exists()
    except OSError:
        return False


# ----------------------------------------------------------------------------- discovery


def discover(
    paths: Sequence[str | os.PathLike[str]],
    *,
    var_files: Iterable[str] = (),
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    respect_gitignore: bool = True,
    callers_from: str | os.PathLike[str] | None = None,
) -> Discovery:
    """Find every unit to evaluate under ``paths`` (default: the current directory).

    ``callers_from`` (a directory): the Terraform modules under it that call, directly or
    through other local modules, a module of a named file are evaluated too, as a scan of that
    directory would (so a local module's findings from its callers' inputs are there), while
    the focus stays on the files named. Standard input and the language server use it."""
    if not paths:
        paths = ["."]
    cwd = Path.cwd()
    found = Discovery(base=str(cwd))
    admit = _Admission(found, max_file_size)
    #: module directory (as walked) -> the real directory its symlinks must stay inside
    module_dirs: dict[Path, Path] = {}
    #: files the walk found git-ignored: a module's listing leaves them out too
    git_ignored: set[Path] = set()
    templates: set[Path] = set()
    tfplans: set[Path] = set()
    focus: set[str] = set()
    any_file_named = False
    real_cwd = Path(os.path.realpath(cwd))

    def consider(path: Path, root: Path) -> None:
        name = path.name
        if _is_tf(name):
            module_dirs.setdefault(path.parent, root)
            return
        if not name.endswith(DATA_SUFFIXES):
            return
        kind = admit.data_file(path)
        if kind is not None:
            (tfplans if kind == "tfplan" else templates).add(path)

    for raw in paths:
        p = Path(raw)
        why = None if overlaid(p) is not None else _unreachable(p)
        if why is not None:
            found.errors.append(FileError(str(raw), None, None, why))
            continue
        if not os.path.isdir(p):
            any_file_named = True
            focus.add(_rel(p))
            absolute = p.absolute()
            real_parent = Path(os.path.realpath(absolute.parent))
            root = real_cwd if _inside(real_parent, real_cwd) else real_parent
            if p.name.endswith(".tfvars") or _is_auto_tfvars(p.name):
                # a changed tfvars file changes its module's values: evaluate the module
                module_dirs.setdefault(absolute.parent, root)
            else:
                consider(absolute, root)
            continue
        _walk(p, found, admit, consider, respect_gitignore, git_ignored)

    if callers_from is not None and module_dirs:
        for directory in _callers(Path(callers_from), set(module_dirs), respect_gitignore):
            module_dirs.setdefault(directory, Path(os.path.realpath(callers_from)))
    extra_vars = [str(Path(v)) for v in var_files]
    for directory in sorted(module_dirs):
        module = _module(directory, module_dirs[directory], found, admit, extra_vars, git_ignored)
        if module is not None:
            found.modules.append(module)
    found.templates = sorted(_rel(t) for t in templates)
    found.tfplans = sorted(_rel(p) for p in tfplans)
    found.focus = focus if any_file_named else None
    return found


def _walk(
    top: Path,
    found: Discovery,
    admit: _Admission,
    consider: Callable[[Path, Path], None],
    respect_gitignore: bool,
    git_ignored: set[Path],
) -> None:
    """Walk one directory argument.

    Directory symlinks are never followed: one that loops or leaves the root is skipped with
    a note, and one that stays inside the root is scanned under its real path (once).
    File symlinks are read when their target is inside the root.
    """
    root = Path(os.path.realpath(top))
    ignores = _Ignores(root) if respect_gitignore else None
    if ignores is not None and ignores.excludes(root):
        # the user named a directory git ignores (generated code, a vendored tree): check it,
        # applying only the .gitignore files inside it, as ruff does with paths named
        ignores.forget_above(root)
        found.notes.append(Located(None, f"{_rel(top)}: git-ignored, checked because it was named"))

    def unlistable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else top
        found.errors.append(
            FileError(_rel(where), None, None, f"cannot list directory: {exc.strerror or exc}")
        )

    for here, real_here, dirnames, filenames, links in _walk_dirs(top, root, unlistable):
        if ignores is not None and ".gitignore" in filenames:
            ignores.add(real_here, real_here / ".gitignore")
        real_prefix = _as_prefix(real_here)  # the files' real paths as strings: no Path each
        module_file: Path | None = None  # one .tf file of this directory names its module
        keep = []
        for d in sorted(dirnames):
            if d in SKIP_DIRS:
                continue
            if d in links:
                dp = here / d
                why = _symlink_problem(dp, Path(os.path.realpath(dp)), root, real_here)
                if why:
                    found.notes.append(Located(None, f"{_rel(dp)}: {why}, skipped"))
                    continue
            if ignores is not None and ignores.ignored(real_here / d, True):
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not (_is_tf(name) or name.endswith(DATA_SUFFIXES)):
                if ignores is not None and _is_auto_tfvars(name):
                    if ignores.ignored(real_here / name, False):
                        git_ignored.add((here / name).absolute())
                continue
            if _is_tf(name):
                if ignores is not None and ignores.ignored(real_prefix + name, False):
                    git_ignored.add((here / name).absolute())
                    continue
                # .tf files only name their module here: its listing checks each file once
                module_file = module_file or (here / name).absolute()
                continue
            fp = here / name
            if name in links:
                why = _file_symlink_problem(fp, Path(os.path.realpath(fp)), root)
                if why:
                    found.notes.append(Located(None, f"{_rel(fp)}: {why}, skipped"))
                    continue
            if ignores is not None and ignores.ignored(real_prefix + name, False):
                git_ignored.add(fp.absolute())
                continue
            consider(fp.absolute(), root)
        if module_file is not None:
            consider(module_file, root)


def _walk_dirs(
    top: Path, real_top: Path, onerror: Callable[[OSError], None]
) -> Iterator[tuple[Path, Path, list[str], list[str], set[str]]]:
    """``os.walk(top)`` top-down without following symlinks, but iterative and cheap.

    Yields ``(directory, its real path, dirnames, filenames, names that are symlinks)``.
    ``os.walk`` recurses (before Python 3.12): a tree a thousand levels deep would raise
    RecursionError; and resolving every directory's real path costs a ``lstat`` per level
    per directory. Directory symlinks are never entered, so a real path is the parent's plus
    the name. Like ``os.walk``, the caller prunes by editing ``dirnames``.
    """
    stack = [(top, real_top)]
    while stack:
        current, real = stack.pop()
        dirnames: list[str] = []
        filenames: list[str] = []
        links: set[str] = set()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    try:
                        if entry.is_symlink():
                            links.add(entry.name)
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    (dirnames if is_dir else filenames).append(entry.name)
        except OSError as exc:
            onerror(exc)
            continue
        yield current, real, dirnames, filenames, links
        for name in reversed(dirnames):
            if name not in links:
                stack.append((current / name, real / name))


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _symlink_problem(link: Path, real: Path, root: Path, real_parent: Path) -> str | None:
    """Why a directory symlink is not followed, or None."""
    try:
        os.stat(link)
    except OSError as exc:
        return "symlink loop" if exc.errno == errno.ELOOP else "broken symlink"
    if _inside(real_parent, real):
        return "symlink loop"
    if not _inside(real, root):
        return "symlink leaves the scanned root"
    # the target is inside the root: it is scanned under its own path, not twice
    return f"symlink to {_rel(real)}, scanned there"


def _file_symlink_problem(link: Path, real: Path, root: Path) -> str | None:
    try:
        os.stat(link)
    except OSError as exc:
        return "symlink loop" if exc.errno == errno.ELOOP else "broken symlink"
    if not _inside(real, root):
        return "symlink leaves the scanned root"
    return None


def _module(
    directory: Path,
    root: Path,
    found: Discovery,
    admit: _Admission,
    extra_vars: list[str],
    git_ignored: set[Path] = frozenset(),  # type: ignore[assignment]
) -> TerraformModule | None:
    """The module in ``directory``: its admitted ``.tf`` files and auto-loaded tfvars."""
    try:
        names = list_dir(directory)  # with the overlaid files (an editor's new buffer)
    except OSError as exc:
        found.errors.append(
            FileError(_rel(directory), None, None, f"cannot list directory: {exc.strerror}")
        )
        return None
    tf_files: list[str] = []
    auto_vars: list[str] = []
    rel_dir = _rel(directory)
    for name in names:
        is_tf = _is_tf(name)
        if not is_tf and not _is_auto_tfvars(name):
            continue
        fp = directory / name
        if fp in git_ignored:
            continue
        if overlaid(fp) is not None:
            pass  # its text is given: no file on disk to look at
        elif os.path.islink(fp):
            why = _file_symlink_problem(fp, Path(os.path.realpath(fp)), root)
            if why:
                found.notes.append(Located(None, f"{_rel(fp)}: {why}, skipped"))
                continue
        elif os.path.isdir(fp):
            continue
        # _rel(fp), as the directory's own is known: the directory is normalised, name a name
        rel = name if rel_dir == "." else rel_dir.rstrip("/") + "/" + name
        if not admit.text_file(fp, rel, rel_dir):
            continue
        (tf_files if is_tf else auto_vars).append(rel)
    if not tf_files:
        return None
    # Terraform loads terraform.tfvars first, then *.auto.tfvars in lexical order.
    auto_vars.sort(key=lambda f: (not Path(f).name.startswith("terraform.tfvars"), f))
    return TerraformModule(rel_dir, tuple(tf_files), tuple(auto_vars + extra_vars))


def _unreachable(path: Path) -> str | None:
    """Why a named path cannot be checked (missing, or its directory cannot be searched), or
    None when it is there."""
    try:
        os.lstat(path)
    except OSError as exc:
        missing = isinstance(exc, FileNotFoundError | NotADirectoryError)
        return "no such file or directory" if missing else f"cannot read: {exc.strerror}"
    return None


def _rel(path: Path) -> str:
    """A path relative to the working directory when it is below it, else absolute; always
    normalised (never ``dir/../other``)."""
    text = os.fspath(path)
    if os.sep == "/" and text.startswith("/") and "/." not in text and "//" not in text:
        # an absolute path with no ``.``/``..`` component (what the walk produces): below the
        # working directory it is its tail, as relpath would say, without relpath's cost
        cwd = os.getcwd()
        prefix = cwd if cwd.endswith("/") else cwd + "/"
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :]
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return Path(os.path.normpath(path)).as_posix()
    if rel == ".." or rel.startswith(".." + os.sep):
        return Path(os.path.abspath(path)).as_posix()
    # relpath is normalised already: only the separator differs from Path(rel).as_posix()
    return rel if os.sep == "/" else rel.replace(os.sep, "/")


def unit_paths(found: Discovery) -> list[str]:
    out = [f for m in found.modules for f in m.files]
    return out + list(found.templates) + list(found.tfplans)


def _local_calls(
    module: TerraformModule, known: Mapping[str, tuple[str, ...]] | None = None
) -> set[str]:
    """Directories (normalised, as discover writes them) this module calls as local modules;
    a file in ``known`` (``Discovery.local_calls``) is not read again."""
    out: set[str] = set()
    for f in module.files:
        calls = known.get(f) if known is not None else None
        if calls is None:
            try:
                data = read_regular(f)  # through the overlay: an editor's buffer, stdin
            except OSError:
                continue
            calls = _calls_in(data, module.directory)
        out.update(calls)
    return out


def _calls_in_file(path: Path, directory: Path) -> tuple[str, ...]:
    """``_calls_in`` of the file at ``path`` (read through the overlay); () when unreadable."""
    try:
        data = read_regular(path)
    except OSError:
        return ()
    return _calls_in(data, str(directory))


def _callers(tree: Path, modules: set[Path], respect_gitignore: bool) -> list[Path]:
    """The module directories under ``tree`` that call one of ``modules`` as a local module,
    directly or through other modules under ``tree`` (the walk skips what a scan of ``tree``
    skips: git-ignored paths, ``.terraform``, symlinks leaving it)."""
    if not os.path.isdir(tree):
        return []
    scratch = Discovery(base=os.getcwd())  # the walk's notes are about files not checked
    admit = _Admission(scratch, DEFAULT_MAX_FILE_SIZE)
    dirs: set[Path] = set()

    def consider(path: Path, _root: Path) -> None:
        if _is_tf(path.name):
            dirs.add(path.parent)

    _walk(tree, scratch, admit, consider, respect_gitignore, set())
    #: callee (absolute, normalised) -> the directories calling it
    called_by: dict[str, set[Path]] = {}
    for directory in dirs:
        try:
            names = list_dir(directory)
        except OSError:
            continue
        for name in names:
            if _is_tf(name):
                for callee in _calls_in_file(directory / name, directory):
                    called_by.setdefault(os.path.normpath(callee), set()).add(directory)
    wanted = [os.path.normpath(m.absolute()) for m in modules]
    seen = set(wanted)
    out: list[Path] = []
    while wanted:
        for caller in sorted(called_by.get(wanted.pop(), ())):
            key = os.path.normpath(caller)
            if key not in seen:
                seen.add(key)
                out.append(caller)
                wanted.append(key)
    return out


def module_groups(
    modules: Sequence[TerraformModule], known: Mapping[str, tuple[str, ...]] | None = None
) -> list[tuple[TerraformModule, ...]]:
    """Module directories grouped so that a root and the local modules only it calls stay
    together; groups in discovery order (by their first directory). ``known`` is
    ``Discovery.local_calls``."""
    index = {os.path.normpath(m.directory).replace(os.sep, "/"): i for i, m in enumerate(modules)}
    calls = [sorted(index[d] for d in _local_calls(m, known) if d in index) for m in modules]
    callers: dict[int, int] = {}
    for caller, callees in enumerate(calls):
        for callee in callees:
            if callee != caller:
                callers[callee] = callers.get(callee, 0) + 1
    parent = list(range(len(modules)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for caller, callees in enumerate(calls):
        for callee in callees:
            if callee != caller and callers.get(callee) == 1:
                a, b = find(caller), find(callee)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[TerraformModule]] = {}
    for i, m in enumerate(modules):
        groups.setdefault(find(i), []).append(m)
    return [tuple(groups[k]) for k in sorted(groups)]
