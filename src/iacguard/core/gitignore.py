"""The common gitignore patterns matched without pathspec: ``plain_gitignore``.

Importing pathspec costs ~20 ms (it imports ``dataclasses``, ``inspect``, ``typing_extensions``
and three regex backends), a third of a pre-commit run, and almost every ignore file holds
only plain patterns: names and globs with ``*`` and ``?`` (``*.tfstate``, ``crash.*.log``),
directories (``.terraform/``), anchored paths and ``**`` (``/build``, ``**/.terraform/*``).
For lines that are all of that kind, ``plain_gitignore`` matches exactly as
``pathspec.GitIgnoreSpec`` does (it follows pathspec's translation of each pattern into a
regular expression, segment by segment; ``tests/core/test_gitignore.py`` compares the two on
generated patterns and paths): names and directories at any depth with at most two stars by one
regular expression search over the path, the rest component by component (no backtracking
regex: a line of many stars costs no backtracking blow-up, as on pathspec's RE2).
Anything else (a negation ``!``, a bracket expression, a backslash escape, an empty segment,
the patterns pathspec special-cases) returns None: the caller asks pathspec.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence


class CheckResult:
    """What ``check_file`` answers, as pathspec's ``CheckResult``: ``include`` is True when
    a pattern matches (the path is ignored), None when none does (no negation here)."""

    __slots__ = ("file", "include")

    def __init__(self, file: str, include: bool | None) -> None:
        self.file = file
        self.include = include


class PlainGitIgnore:
    """Negation-free gitignore patterns (see the module docstring): ``match_file`` and
    ``check_file`` as ``pathspec.GitIgnoreSpec``'s, for normalized relative POSIX paths (a
    directory with a trailing ``/``).

    Most lines of an ignore file are a name at any depth (``*.tfstate``, ``crash.log``:
    ``**/G``) or a directory name at any depth (``.idea/``: ``**/G/**``): those are tested
    together, by one search each (``_search``); the others one by one (``_match``)."""

    __slots__ = ("_patterns", "_anywhere", "_dirs_anywhere", "_others")

    def __init__(self, patterns: Sequence[tuple[str, ...]]) -> None:
        self._patterns = tuple(patterns)
        anywhere, dirs, others = [], [], []
        for p in self._patterns:
            few_stars = p[1].count("*") <= 2 if len(p) > 1 else False
            if len(p) == 2 and p[0] == "**" and p[1] != "**" and few_stars:
                anywhere.append(p[1])
            elif len(p) == 3 and p[0] == "**" and p[2] == "**" and p[1] != "**" and few_stars:
                dirs.append(p[1])
            else:
                others.append(p)
        # one search each over the whole path (a glob never matches a "/"): a name at any
        # depth, then followed by "/" or the end; a directory name, then followed by "/".
        # At most two stars a glob: a backtracking search stays quadratic at worst.
        self._anywhere = _search(anywhere, r"(?:/|\Z)")
        self._dirs_anywhere = _search(dirs, "/")
        # each with the names it needs among the components (its literal segments): most
        # paths hold none of them, and the pattern is not tried
        self._others = tuple(
            (frozenset(s for s in p if "*" not in s and "?" not in s), p) for p in others
        )

    def match_file(self, file: str) -> bool:
        file = _normalize(file)
        components = file.split("/")
        if "\n" in file:  # a leading ** cannot skip a name with a newline: the slow way
            return any(_match(p, components) for p in self._patterns)
        if self._anywhere is not None and self._anywhere(file):
            return True
        if self._dirs_anywhere is not None and self._dirs_anywhere(file):
            return True
        if not self._others:
            return False
        names = set(components)
        return any(needs <= names and _match(p, components) for needs, p in self._others)

    def check_file(self, file: str) -> CheckResult:
        return CheckResult(file, True if self.match_file(file) else None)


def _search(globs: Sequence[str], after: str) -> Callable[[str], object] | None:
    """The ``search`` of a component matching one of ``globs`` (``*`` ``[^/]*``, ``?``
    ``[^/]``, the rest literal), then ``after``; None without globs."""
    if not globs:
        return None
    import re  # here: only a run with an ignore file compiles one

    def regex(glob: str) -> str:
        return "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in glob)

    alternatives = "|".join(sorted({regex(g) for g in globs}))
    return re.compile(f"(?:^|/)(?:{alternatives}){after}").search


def plain_gitignore(lines: Iterable[str]) -> PlainGitIgnore | None:
    """The matcher of ``lines`` when every line is a plain pattern, a blank or a comment;
    else None."""
    patterns = []
    for line in lines:
        segments = _segments(line)
        if segments is None:
            return None
        if segments:
            patterns.append(segments)
    return PlainGitIgnore(patterns)


def _normalize(file: str) -> str:
    """pathspec's ``normalize_file`` on a POSIX path."""
    if file.startswith("/"):
        return file[1:]
    if file.startswith("./"):
        return file[2:]
    return file


def _segments(line: str) -> tuple[str, ...] | None:
    """The normalized segments of a plain pattern (pathspec's ``__normalize_segments``), ()
    for a line that matches nothing, None for a line that is not plain."""
    if line.startswith("#"):
        return ()  # a comment, whatever it holds (git's info/exclude: "# *.[oa]")
    if "\\" in line or "[" in line:
        return None  # escapes and bracket expressions: pathspec's
    pattern = line.rstrip()
    if not pattern or pattern == "/":
        return ()
    if pattern.startswith("!"):
        return None  # a negation: the precedence rules are pathspec's
    segments = pattern.split("/")
    if not segments[0]:
        del segments[0]  # anchored to the ignore file's directory
    elif len(segments) == 1 or (len(segments) == 2 and not segments[1]):
        if segments[0] != "**":
            segments.insert(0, "**")  # a name matches at any depth
    if not segments:
        return None
    if not segments[-1]:
        segments[-1] = "**"  # a directory pattern: everything below it
    for i in range(len(segments) - 1, 0, -1):
        if segments[i - 1] == "**" and segments[i] == "**":
            del segments[i]
    if segments in (["**"], ["**", "*"], ["**", "*", "**"]):
        return None  # pathspec special-cases these
    for segment in segments:
        if not segment or (segment != "**" and set(segment) == {"*"} and segment != "*"):
            return None  # an empty segment ("a//b"), or stars that may match nothing
    # a run of stars in a glob is one star ([^/]*[^/]* matches what [^/]* does)
    return tuple(s if s == "**" else _one_star_a_run(s) for s in segments)


def _one_star_a_run(glob: str) -> str:
    while "**" in glob:
        glob = glob.replace("**", "*")
    return glob


def _match(segments: tuple[str, ...], components: list[str]) -> bool:
    """Whether ``segments`` match ``components`` as pathspec's regular expression of the
    pattern matches the path from its start: ``**`` first is ``^(?:.+/)?``, inside
    ``(?:/.+)?`` (neither crosses a newline: ``.``), last ``/``; ``*`` alone is ``[^/]+``;
    any other segment is its glob (``*`` is ``[^/]*``, ``?`` is ``[^/]``) over one whole
    component; the last one is followed by ``/`` or the end. The set of components the next
    segment may start at is carried along, so any number of ``**`` stays linear."""
    starts = {0}
    end = len(segments) - 1
    count = len(components)
    for i, segment in enumerate(segments):
        if segment == "**":
            if i == end:
                return any(j < count for j in starts)  # a "/" follows what matched so far
            skipped: set[int] = set()
            for j in sorted(starts):
                for k in range(j, count):  # skip components k..: none holding a newline
                    if k in skipped:
                        break
                    skipped.add(k)
                    if "\n" in components[k]:
                        break
            starts = skipped
        else:
            starts = {j + 1 for j in starts if j < count and _glob(segment, components[j])}
        if not starts:
            return False
    return True


def _glob(pattern: str, name: str) -> bool:
    """``fnmatch`` of one path component: ``*`` any run, ``?`` any one character, else
    literal (case-sensitive); ``*`` alone needs at least one character. Linear in practice:
    the classic two-pointer match, which backtracks only to the last star."""
    if pattern == "*":
        return bool(name)
    p = n = 0
    star = -1
    resume = 0
    while n < len(name):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == name[n]):
            p += 1
            n += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, resume = p, n
            p += 1
        elif star >= 0:
            p = star + 1
            resume += 1
            n = resume
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)
