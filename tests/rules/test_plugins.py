"""iacguard.rules.plugins: plugin entry points without importing importlib.metadata when no
distribution declares the group, and exactly importlib.metadata's answer otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from iacguard.rules import plugins as entrypoints

GROUP = "iacguard.rules"


def _dist(site: Path, name: str, entry_points: str | None) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points)


def _run(site: Path) -> list[str]:
    code = (
        "import sys; from iacguard.rules.plugins import entry_points; "
        "eps = entry_points('iacguard.rules'); "
        "print(sorted(f'{e.name}={e.value}' for e in eps)); "
        "print('importlib.metadata' in sys.modules)"
    )
    env = {"PYTHONPATH": f"{site}:{Path(entrypoints.__file__).parents[1]}", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def test_no_plugin_installed_means_no_importlib_metadata(tmp_path):
    _dist(tmp_path, "other", "[console_scripts]\nother = other:main\n")
    _dist(tmp_path, "plain", None)
    assert _run(tmp_path) == ["[]", "False"]


def test_a_declared_group_is_read_by_importlib_metadata(tmp_path):
    _dist(
        tmp_path,
        "acme",
        "[console_scripts]\nacme = acme:main\n\n[iacguard.rules]\nacme = acme.rules:RULE\n",
    )
    assert _run(tmp_path) == ["['acme=acme.rules:RULE']", "True"]


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("nothing", False),
        ("other-group", False),
        ("group-in-a-value", False),
        ("declared", True),
        ("declared-egg-info-dir", True),
        ("egg-info-file", True),
        ("egg", True),
        ("zip", True),
    ],
)
def test_maybe_declared(tmp_path, monkeypatch, layout, expected):
    site = tmp_path / "site"
    site.mkdir()
    if layout == "other-group":
        _dist(site, "x", "[pytest11]\nx = x.plugin\n")
    elif layout == "group-in-a-value":
        _dist(site, "x", "[console_scripts]\nx = iacguard.rules:main  # [iacguard.rules]\n")
    elif layout == "declared":
        _dist(site, "x", "[iacguard.rules]\nx = x:RULE\n")
    elif layout == "declared-egg-info-dir":
        (site / "x.egg-info").mkdir()
        (site / "x.egg-info" / "entry_points.txt").write_text("[iacguard.rules]\nx = x:R\n")
    elif layout == "egg-info-file":
        (site / "x.egg-info").write_text("Name: x\n")
    elif layout == "egg":
        (site / "x-1.0-py3.11.egg").mkdir()
    elif layout == "zip":
        (tmp_path / "lib.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
        monkeypatch.setattr(sys, "path", [str(site), str(tmp_path / "lib.zip")])
    if layout != "zip":
        monkeypatch.setattr(sys, "path", [str(site), str(tmp_path / "missing")])
    assert entrypoints._maybe_declared(GROUP) is expected


def test_an_extra_distribution_finder_defers_to_importlib_metadata(monkeypatch, tmp_path):
    class Finder:
        @staticmethod
        def find_distributions(context=None):
            return iter(())

    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert entrypoints._maybe_declared(GROUP) is False
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder()])
    assert entrypoints._maybe_declared(GROUP) is True
