"""Where a location links to, for the ``markdown`` and ``html`` formats.

By default a link is the file's path relative to the repository root (``report.repo_root``,
as the ``github`` format names files), ``#L<line>`` after it. In a GitHub Actions run
(``GITHUB_SERVER_URL``, ``GITHUB_REPOSITORY`` and ``GITHUB_SHA`` all set) it is the file's blob
at that commit, ``https://github.com/OWNER/REPO/blob/SHA/PATH#L12-L14``, which a pull-request
comment and the job summary can follow. Every piece is percent-encoded: a hostile file name
cannot end the link or add to it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import quote

from iacguard.core.records import record
from iacguard.report.common import raw_bytes, repo_relative

_SERVER = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?")
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_SHA = re.compile(r"[0-9a-fA-F]{7,64}")


@record
class Linker:
    """Turns (path, start line, end line) into a URL; ``blob`` is the GitHub blob prefix
    (``https://github.com/o/r/blob/SHA/``), or empty for relative links."""

    report: object
    blob: str = ""

    def path(self, path: str) -> str:
        """The path as links name it: repository-relative (``/``), else as the report has it."""
        return repo_relative(path, self.report) or path.replace(os.sep, "/")

    def url(self, path: str, start: int | None = None, end: int | None = None) -> str:
        """The link; a file outside the repository is never a blob URL (its relative path)."""
        inside = repo_relative(path, self.report)
        blob = self.blob if inside is not None else ""
        target = quote(raw_bytes(inside or path.replace(os.sep, "/")), safe="/")
        if start is not None and start >= 1:
            target += f"#L{start}"
            if blob and end is not None and end > start:
                target += f"-L{end}"
        return blob + target


def linker(report: object, environ: Mapping[str, str] | None = None) -> Linker:
    """The links of ``report``: blob URLs when the GitHub Actions variables are set (and look
    like what GitHub sets), relative paths otherwise."""
    env = os.environ if environ is None else environ
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
    repository = env.get("GITHUB_REPOSITORY", "")
    sha = env.get("GITHUB_SHA", "")
    if (
        _SERVER.fullmatch(server)
        and _REPOSITORY.fullmatch(repository)
        and _SHA.fullmatch(sha)
        and ".." not in repository
    ):
        return Linker(report, f"{server}/{repository}/blob/{sha}/")
    return Linker(report)
