"""discover.py on hostile file systems: every refused file is a located error or a note."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from iacguard import discover as disc
from iacguard.core.located import FileError
from iacguard.core.units import TerraformModule
from iacguard.discover import content_problem, discover

VAULT = b'resource "aws_backup_vault" "v" {\n  name = "v"\n}\n'
TEMPLATE = b'AWSTemplateFormatVersion: "2010-09-09"\nResources: {}\n'


def _notes(found) -> list[str]:
    return [n.message for n in found.notes]


# ----------------------------------------------------------------------------- content


def test_content_problem_accepts_text_and_a_utf8_bom() -> None:
    assert content_problem(b"a = 1\n") is None
    assert content_problem('b = "caf\u00e9"\n'.encode()) is None
    assert content_problem(b"\xef\xbb\xbfa = 1\n") is None
    assert content_problem(b"") is None


def test_content_problem_locates_a_nul_byte() -> None:
    assert content_problem(b'a = 1\nb = "x\x00"\n') == (2, 7, "binary file (NUL byte): not checked")


def test_content_problem_locates_bad_utf8_in_characters() -> None:
    # "é" is two bytes but one character: the column counts characters
    data = 'x = "\u00e9'.encode() + b'\xff"\n'
    assert content_problem(data) == (1, 7, "not valid UTF-8 (byte 0xff): not checked")
    assert content_problem(b"ok\n\n  \xc3(") == (3, 3, "not valid UTF-8 (byte 0xc3): not checked")


def test_content_problem_names_utf16() -> None:
    for bom in (b"\xff\xfe", b"\xfe\xff"):
        line, col, message = content_problem(bom + "a".encode("utf-16-le"))  # type: ignore[misc]
        assert (line, col) == (1, 1)
        assert message.startswith("file is UTF-16 encoded")


# ----------------------------------------------------------------------------- files


def test_bad_files_are_errors_and_the_module_keeps_its_good_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_bytes(VAULT)
    (tmp_path / "m" / "bin.tf").write_bytes(b"\x7fELF\x02\x01\x01\x00")
    (tmp_path / "m" / "big.tf").write_bytes(b"# x\n" * 100)
    (tmp_path / "m" / "terraform.tfvars").write_bytes(b'x = "\xff"\n')
    monkeypatch.chdir(tmp_path)
    found = discover(["."], max_file_size=200)
    assert found.modules == [TerraformModule("m", ("m/main.tf",), ())]
    assert found.errors == [
        FileError(
            "m/big.tf", None, None, "file is 400 bytes, over --max-file-size (200): not checked"
        ),
        FileError("m/bin.tf", 1, 8, "binary file (NUL byte): not checked"),
        FileError("m/terraform.tfvars", 1, 6, "not valid UTF-8 (byte 0xff): not checked"),
    ]


def test_a_module_with_only_bad_files_is_not_evaluated_but_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.tf").write_bytes(b"\x00\x01")
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    assert found.modules == []
    assert [(e.path, e.line) for e in found.errors] == [("main.tf", 1)]


def test_a_template_over_the_size_limit_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "t.yaml").write_bytes(TEMPLATE + b"# pad\n" * 50)
    (tmp_path / "ci.yaml").write_bytes(b"jobs: {}\n" * 50)  # not a template: ignored silently
    monkeypatch.chdir(tmp_path)
    found = discover(["."], max_file_size=100)
    assert found.templates == []
    assert [(e.path, e.message) for e in found.errors] == [
        ("t.yaml", "file is 353 bytes, over --max-file-size (100): not checked")
    ]


def test_a_long_template_is_checked_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sniffed head is short; a NUL byte far past it still makes the file binary."""
    data = TEMPLATE + b"# pad\n" * 60_000 + b"\x00"
    (tmp_path / "t.yaml").write_bytes(data)
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    assert found.templates == []
    assert [(e.path, e.line) for e in found.errors] == [("t.yaml", 60_003)]


def test_an_unreadable_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_bytes(VAULT)
    (tmp_path / "secret.tf").write_bytes(VAULT)
    real_read = disc._read

    def read(path: Path, limit: int | None = None) -> bytes:
        if Path(path).name == "secret.tf":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_read(path, limit)

    monkeypatch.setattr(disc, "_read", read)
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    assert found.modules == [TerraformModule(".", ("main.tf",), ())]
    assert found.errors == [
        FileError("secret.tf", None, None, "cannot read file: Permission denied")
    ]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root lists anything")
def test_an_unlistable_directory_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "main.tf").write_bytes(VAULT)
    (tmp_path / "locked").chmod(0)
    monkeypatch.chdir(tmp_path)
    try:
        found = discover(["."])
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [(e.path, e.message) for e in found.errors] == [
        ("locked", "cannot list directory: Permission denied")
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_a_named_pipe_is_never_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(tmp_path / "main.tf")
    os.mkfifo(tmp_path / "t.yaml")
    monkeypatch.chdir(tmp_path)
    found = discover(["main.tf", "t.yaml"])  # named explicitly, as pre-commit does
    assert found.modules == []
    assert found.errors == [
        FileError("main.tf", None, None, "a named pipe, not a regular file: not checked")
    ]
    assert _notes(found) == ["t.yaml: a named pipe, not a regular file: not checked"]


def test_a_missing_path_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    found = discover(["nope.tf"])
    assert found.errors == [FileError("nope.tf", None, None, "no such file or directory")]


def test_a_named_tfvars_file_brings_its_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.tf").write_bytes(VAULT)
    (tmp_path / "prod.auto.tfvars").write_bytes(b'x = "y"\n')
    monkeypatch.chdir(tmp_path)
    found = discover(["prod.auto.tfvars"])
    assert found.modules == [TerraformModule(".", ("main.tf",), ("prod.auto.tfvars",))]
    assert found.focus == {"prod.auto.tfvars"}


# ----------------------------------------------------------------------------- symlinks


def test_symlinks_inside_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "common.tf").write_bytes(VAULT)
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "main.tf").write_bytes(VAULT.replace(b'"v"', b'"w"'))
    (tmp_path / "env" / "common.tf").symlink_to("../shared/common.tf")
    (tmp_path / "alias").symlink_to("shared")
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    assert found.modules == [
        TerraformModule("env", ("env/common.tf", "env/main.tf"), ()),
        TerraformModule("shared", ("shared/common.tf",), ()),
    ]
    assert _notes(found) == ["alias: symlink to shared, scanned there, skipped"]
    assert found.errors == []


def test_symlinks_that_loop_or_leave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.tf").write_bytes(VAULT)
    (root / "main.tf").write_bytes(VAULT)
    (root / "leak.tf").symlink_to(tmp_path / "outside.tf")
    (root / "out").symlink_to(tmp_path)
    (root / "self").symlink_to(".")
    (root / "a.yaml").symlink_to("b.yaml")
    (root / "b.yaml").symlink_to("a.yaml")
    (root / "gone.tf").symlink_to("nowhere.tf")
    monkeypatch.chdir(root)
    found = discover(["."])
    assert found.modules == [TerraformModule(".", ("main.tf",), ())]
    assert sorted(_notes(found)) == [
        "a.yaml: symlink loop, skipped",
        "b.yaml: symlink loop, skipped",
        "gone.tf: broken symlink, skipped",
        "leak.tf: symlink leaves the scanned root, skipped",
        "out: symlink loop, skipped",
        "self: symlink loop, skipped",
    ]
    assert found.errors == []


# ----------------------------------------------------------------------------- gitignore


def test_gitignore_like_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("build/\n*.generated.tf\n")
    (tmp_path / ".git" / "info").mkdir(parents=True, exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("scratch/\n")
    for d in ("app", "build", "scratch", "app/sub"):
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
        (tmp_path / d / "main.tf").write_bytes(VAULT)
    (tmp_path / "app" / "x.generated.tf").write_bytes(VAULT)
    (tmp_path / "app" / "sub" / ".gitignore").write_text("!keep.generated.tf\n")
    (tmp_path / "app" / "sub" / "keep.generated.tf").write_bytes(b"\x00")
    monkeypatch.chdir(tmp_path / "app")  # the scan starts below the repository's top
    found = discover(["."])
    assert found.modules == [
        TerraformModule(".", ("main.tf",), ()),
        TerraformModule("sub", ("sub/main.tf",), ()),
    ]
    # the re-included file is admitted, so its content is checked
    assert [(e.path, e.line) for e in found.errors] == [("sub/keep.generated.tf", 1)]


def test_a_very_deep_directory_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """1,200 nested directories: os.walk would raise RecursionError on Python < 3.12."""
    depth = 1_200
    monkeypatch.chdir(tmp_path)
    for _ in range(depth):
        os.mkdir("a")
        os.chdir("a")
    Path("main.tf").write_bytes(VAULT)
    monkeypatch.chdir(tmp_path)
    try:
        found = discover(["."])
        deep = "/".join(["a"] * depth)
        assert found.modules == [TerraformModule(deep, (f"{deep}/main.tf",), ())]
        assert found.errors == [] and found.notes == []
    finally:
        _remove_deep_tree(tmp_path / "a", depth)


def _remove_deep_tree(top: Path, depth: int) -> None:
    """Remove a chain of nested directories deepest first: shutil.rmtree (and so pytest's own
    temp-dir cleanup in later runs) recurses once per level and would hit RecursionError."""
    dirs = [top.joinpath(*(["a"] * i)) for i in range(depth)]
    (dirs[-1] / "main.tf").unlink(missing_ok=True)
    for d in reversed(dirs):
        os.rmdir(d)


def test_a_named_directory_that_git_ignores_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("out/\n")
    (tmp_path / "out" / "gen").mkdir(parents=True)
    (tmp_path / "out" / "gen" / "main.tf").write_bytes(VAULT)
    (tmp_path / "out" / "gen" / ".gitignore").write_text("skip.tf\n")
    (tmp_path / "out" / "gen" / "skip.tf").write_bytes(b"\x00")
    monkeypatch.chdir(tmp_path)
    assert discover(["."]).modules == []  # ignored while scanning the repository
    found = discover(["out/gen"])
    assert found.modules == [TerraformModule("out/gen", ("out/gen/main.tf",), ())]
    assert _notes(found) == ["out/gen: git-ignored, checked because it was named"]
    assert found.errors == []  # skip.tf is ignored by the .gitignore inside: never read


def test_a_gitignore_applies_below_its_directory_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rules are looked up by path prefix: ``app/.gitignore`` says nothing of ``app2/`` (a
    sibling whose name starts the same), and the deepest file decides."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("*.skip.tf\n")
    for d in ("app", "app2", "app/deep"):
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
        (tmp_path / d / "main.tf").write_bytes(VAULT)
        (tmp_path / d / "x.skip.tf").write_bytes(VAULT)
    (tmp_path / "app" / ".gitignore").write_text("main.tf\n!x.skip.tf\n")
    (tmp_path / "app" / "deep" / ".gitignore").write_text("!main.tf\n")
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    assert found.modules == [
        TerraformModule("app", ("app/x.skip.tf",), ()),
        TerraformModule("app/deep", ("app/deep/main.tf", "app/deep/x.skip.tf"), ()),
        TerraformModule("app2", ("app2/main.tf",), ()),
    ]


@pytest.mark.parametrize(
    ("path", "cwd", "expected"),
    [
        ("/r/a/b.tf", "/r", "a/b.tf"),
        ("/r", "/r", "."),
        ("/r/", "/r", "."),
        ("/rx/a.tf", "/r", "/rx/a.tf"),
        ("/a.tf", "/r", "/a.tf"),
        ("/r/a/../b.tf", "/r", "b.tf"),
        ("/r/.hidden/a.tf", "/r", ".hidden/a.tf"),
        ("/r/a//b.tf", "/r", "a/b.tf"),
        ("/r/a.tf", "/", "r/a.tf"),
        ("/", "/", "."),
    ],
)
def test_relative_paths_as_relpath_gives_them(
    path: str, cwd: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iacguard.discover import _rel

    monkeypatch.setattr(os, "getcwd", lambda: cwd)  # relpath's working directory too
    assert _rel(Path(path)) == _rel(path) == expected
