"""The server's runs, in process with the check replaced by a double that blocks until released:
a run happens off the event loop (the loop keeps serving while it evaluates), a run whose
document changed while it waited is skipped, and a result that arrives after a newer change is
never published. Waits are on events and futures, bounded by timeouts; nothing sleeps."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from lsprotocol import types as lsp  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pygls.workspace import Workspace  # noqa: E402

from iacguard.lsp import engine, server  # noqa: E402

TIMEOUT = 30


class BlockingLint:
    """Stands in for ``engine.lint``: records each call's buffer text, and holds the first
    call until ``release`` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.seen: list[str] = []

    def __call__(self, path, overlay, roots):
        self.seen.append(overlay[path])
        if len(self.seen) == 1:
            self.started.set()
            assert self.release.wait(TIMEOUT)
        return engine.Outcome(scope=frozenset({path}), failure=f"text {overlay[path]!r}")


def _server(tmp_path: Path, monkeypatch) -> tuple[server.IacguardServer, str, list]:
    ls = server.IacguardServer()
    ls.protocol._workspace = Workspace(from_fs_path(str(tmp_path)))
    doc = str(tmp_path / "main.tf")
    uri = from_fs_path(doc)
    published: list[lsp.PublishDiagnosticsParams] = []
    monkeypatch.setattr(ls, "text_document_publish_diagnostics", published.append)
    return ls, uri, published


def _edit(ls: server.IacguardServer, uri: str, text: str, version: int) -> None:
    ls.workspace.put_text_document(
        lsp.TextDocumentItem(uri=uri, language_id="terraform", version=version, text=text)
    )
    ls.docs[uri] = "terraform"
    ls.world += 1


@pytest.mark.asyncio
async def test_a_stale_run_is_dropped_and_the_loop_never_waits(tmp_path, monkeypatch):
    ls, uri, published = _server(tmp_path, monkeypatch)
    lint = BlockingLint()
    monkeypatch.setattr(engine, "lint", lint)
    _edit(ls, uri, "one", 1)
    ls.schedule(uri, 0.0)
    loop = asyncio.get_running_loop()
    # the first run is evaluating in the worker thread...
    assert await asyncio.wait_for(loop.run_in_executor(None, lint.started.wait, TIMEOUT), TIMEOUT)
    # ...while the event loop goes on: two more edits arrive and are scheduled
    _edit(ls, uri, "two", 2)
    ls.schedule(uri, 0.0)
    _edit(ls, uri, "three", 3)
    ls.schedule(uri, 0.0)
    await asyncio.sleep(0)  # let the scheduled tasks start (they wait for the worker)
    assert published == []
    lint.release.set()
    await asyncio.wait_for(asyncio.gather(*ls.tasks), TIMEOUT)
    # "two" was superseded before it ran; "one" finished after newer edits: never published
    assert lint.seen == ["one", "three"]
    assert [p.diagnostics[0].message for p in published] == [
        "iacguard could not check this file: text 'three'"
    ]


@pytest.mark.asyncio
async def test_changes_are_debounced(tmp_path, monkeypatch):
    ls, uri, published = _server(tmp_path, monkeypatch)
    lint = BlockingLint()
    lint.release.set()
    monkeypatch.setattr(engine, "lint", lint)
    ls.debounce = 0.05
    for version, text in enumerate(["a", "ab", "abc"], start=1):
        _edit(ls, uri, text, version)
        ls.schedule(uri, ls.debounce)
    await asyncio.wait_for(asyncio.gather(*ls.tasks), TIMEOUT)
    assert lint.seen == ["abc"]  # one run, on the last text
    assert len(published) == 1
