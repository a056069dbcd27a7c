"""The parse cache: hits, misses, invalidation, damage, atomic concurrent writes."""

from __future__ import annotations

import multiprocessing
import os
import pickle
from pathlib import Path

import pytest

from iacguard.parse import cache
from iacguard.parse.cache import cached_parse, default_cache_dir, entry_key, resolve_cache_dir


class Counting:
    """A parse function that records its calls and returns plain data."""

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, str]] = []

    def __call__(self, data: bytes, path: str) -> dict:
        self.calls.append((data, path))
        return {"path": path, "text": data.decode(), "n": len(self.calls)}


def entries(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_no_cache_dir_parses_every_time_and_writes_nothing(tmp_path: Path) -> None:
    parse = Counting()
    first = cached_parse("hcl", "a.tf", b"x = 1", parse, None)
    second = cached_parse("hcl", "a.tf", b"x = 1", parse, None)
    assert first == {"path": "a.tf", "text": "x = 1", "n": 1}
    assert second == {"path": "a.tf", "text": "x = 1", "n": 2}
    assert entries(tmp_path) == []


def test_hit_returns_the_stored_result_without_parsing(tmp_path: Path) -> None:
    parse = Counting()
    first = cached_parse("hcl", "a.tf", b"x = 1", parse, str(tmp_path))
    second = cached_parse("hcl", "a.tf", b"x = 1", parse, str(tmp_path))
    assert first == second == {"path": "a.tf", "text": "x = 1", "n": 1}
    assert len(parse.calls) == 1
    stored = entries(tmp_path)
    assert len(stored) == 1
    key = entry_key("hcl", "a.tf", b"x = 1")
    assert stored[0] == tmp_path / "parse-v3" / "hcl" / key[:2] / f"{key[2:]}.pickle"


@pytest.mark.parametrize(
    ("kind", "path", "data"),
    [("hcl", "a.tf", b"x = 2"), ("hcl", "b.tf", b"x = 1"), ("tfjson", "a.tf", b"x = 1")],
)
def test_content_path_and_kind_are_part_of_the_key(
    tmp_path: Path, kind: str, path: str, data: bytes
) -> None:
    parse = Counting()
    cached_parse("hcl", "a.tf", b"x = 1", parse, str(tmp_path))
    other = cached_parse(kind, path, data, parse, str(tmp_path))
    assert other == {"path": path, "text": data.decode(), "n": 2}
    assert len(entries(tmp_path)) == 2


def test_version_change_invalidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parse = Counting()
    cached_parse("hcl", "a.tf", b"x = 1", parse, str(tmp_path))
    monkeypatch.setattr(cache, "_salt", lambda: "iacguard=9.9.9")
    again = cached_parse("hcl", "a.tf", b"x = 1", parse, str(tmp_path))
    assert again["n"] == 2


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"garbage",
        b"iacguard-parse-cache\n" + b"\x80\x05truncated",
        b"iacguard-parse-cache\n" + pickle.dumps(("another-key", {"n": 99})),
    ],
)
def test_damaged_or_foreign_entry_is_a_miss_and_is_rewritten(tmp_path: Path, damage: bytes) -> None:
    parse = Counting()
    cached_parse("hcl", "a.tf", b"x = 1", parse, str(tmp_path))
    (entry,) = entries(tmp_path)
    entry.write_bytes(damage)
    again = cached_parse("hcl", "a.tf", b"x = 1", parse, str(tmp_path))
    assert again == {"path": "a.tf", "text": "x = 1", "n": 2}
    third = cached_parse("hcl", "a.tf", b"x = 1", parse, str(tmp_path))
    assert third == again
    assert len(parse.calls) == 2


def test_unwritable_cache_still_parses(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    parse = Counting()
    value = cached_parse("hcl", "a.tf", b"x = 1", parse, str(blocker))
    assert value == {"path": "a.tf", "text": "x = 1", "n": 1}
    assert cache.store(str(blocker), "hcl", "a.tf", b"x = 1", value) is False


def test_unpicklable_value_is_not_stored_and_leaves_no_temp_file(tmp_path: Path) -> None:
    value = cached_parse("hcl", "a.tf", b"x", lambda d, p: lambda: None, str(tmp_path))
    assert callable(value)
    assert [p for p in entries(tmp_path)] == []


def test_real_hcl_ast_round_trips(tmp_path: Path) -> None:
    from iacguard.parse.hcl import parse_hcl

    src = b'resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n'
    fresh = parse_hcl(src, "main.tf")
    first = cached_parse("hcl", "main.tf", src, parse_hcl, str(tmp_path))
    hit = cache.load(str(tmp_path), "hcl", "main.tf", src)
    assert first == fresh
    assert hit == fresh
    assert hit is not fresh


def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == os.path.join(str(tmp_path), "iacguard")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")
    assert default_cache_dir() == os.path.join(os.path.expanduser("~"), ".cache", "iacguard")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == os.path.join(os.path.expanduser("~"), ".cache", "iacguard")


def test_resolve_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert resolve_cache_dir("c", use_cache=False) is None
    assert resolve_cache_dir(None, use_cache=False) is None
    assert resolve_cache_dir("c", use_cache=True) == str(tmp_path / "c")
    assert resolve_cache_dir(None, use_cache=True) == str(tmp_path / "iacguard")
    # off unless asked for: no flag and no directory writes nothing
    assert resolve_cache_dir(None, use_cache=None) is None
    assert resolve_cache_dir("c", use_cache=None) == str(tmp_path / "c")


def test_an_entry_others_can_write_is_never_unpickled(tmp_path: Path) -> None:
    assert cache.store(str(tmp_path), "hcl", "a.tf", b"x = 1", {"v": 1})
    (entry,) = entries(tmp_path)
    assert entry.stat().st_mode & 0o077 == 0  # written private
    assert cache.load(str(tmp_path), "hcl", "a.tf", b"x = 1") == {"v": 1}
    entry.chmod(0o666)
    assert cache.load(str(tmp_path), "hcl", "a.tf", b"x = 1") is None
    entry.chmod(0o644)
    assert cache.load(str(tmp_path), "hcl", "a.tf", b"x = 1") == {"v": 1}


MODULE_TF = """\
resource "aws_kms_key" "k" {
  enable_key_rotation = false
}
resource "aws_backup_vault" "v" {
  name = "v"
}
"""


def _concise(capsys, argv: list[str]) -> tuple[int, str]:
    from iacguard.cli import main

    code = main(["check", "--output-format", "concise", "--jobs", "1", *argv])
    return code, capsys.readouterr().out


def test_the_cli_caches_terraform_parses_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    (work / "main.tf").write_text(MODULE_TF)
    (work / "t.yaml").write_text(
        "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties: {KeyPolicy: {}}\n"
    )
    monkeypatch.chdir(work)
    plain = _concise(capsys, ["."])
    assert plain[0] == 1 and "KMS001" in plain[1]
    assert not home.exists()  # nothing written without --cache / --cache-dir
    cold = _concise(capsys, ["--cache", "."])
    stored = entries(home / "iacguard")
    assert [p.parent.parent.name for p in stored] == ["hcl"]  # templates are not cached
    warm = _concise(capsys, ["--cache", "."])
    assert plain == cold == warm
    assert entries(home / "iacguard") == stored
    elsewhere = tmp_path / "elsewhere"
    assert _concise(capsys, ["--cache-dir", str(elsewhere), "--no-cache", "."]) == plain
    assert not elsewhere.exists()
    assert _concise(capsys, ["--cache-dir", str(elsewhere), "."]) == plain
    assert len(entries(elsewhere)) == 1


def test_a_cached_parse_gives_the_same_graph(tmp_path: Path) -> None:
    from iacguard.evaluate.terraform.modules import parse_file

    (tmp_path / "main.tf").write_text(MODULE_TF)
    path = str(tmp_path / "main.tf")
    fresh = parse_file(path, 1 << 20)
    stored = parse_file(path, 1 << 20, str(tmp_path / "c"))
    loaded = parse_file(path, 1 << 20, str(tmp_path / "c"))
    assert fresh == stored == loaded
    assert loaded is not stored


def _writer(cache_dir: str, rounds: int) -> None:
    for i in range(rounds):
        cache.store(cache_dir, "hcl", "a.tf", b"x = 1", {"payload": list(range(2000)), "i": 0})
        value = cache.load(cache_dir, "hcl", "a.tf", b"x = 1")
        assert value is None or value == {"payload": list(range(2000)), "i": 0}, i


def test_concurrent_writers_never_expose_a_partial_entry(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), 40)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert cache.load(str(tmp_path), "hcl", "a.tf", b"x = 1") == {
        "payload": list(range(2000)),
        "i": 0,
    }
    assert [p.name for p in entries(tmp_path)] == [
        entry_key("hcl", "a.tf", b"x = 1")[2:] + ".pickle"
    ]
