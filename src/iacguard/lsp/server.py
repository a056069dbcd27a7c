"""The language server: document sync, runs off the event loop, publishing, hover, code actions.

A document is checked when opened, when saved and, debounced, when changed (``debounceMs`` in
``initializationOptions``, default 300): every change bumps the document's generation, and a run
starts only if no newer change came during the wait. Runs happen in one worker thread, never on
the event loop, so requests are answered while a slow module evaluates; a run whose document
changed while it waited for the worker is skipped, and one that finishes after its document
changed is thrown away (the newer change has its run). When another buffer changed during a run
(it may belong to the same module), the run is repeated on the new text. Each run sees every open
buffer's text (``iacguard.core.files.overlay``) and publishes the diagnostics of every file whose
results it decides (the files of the document's module, clearing those without findings any more);
a file it published before and no longer decides is cleared.

A change to a configuration file (``.iacguard.toml``, ``pyproject.toml``), saved in the editor or
reported by ``workspace/didChangeWatchedFiles`` (registered when the client allows it), or to any
checked file on disk, re-checks every open document.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from iacguard.core.findings import Finding
from iacguard.lsp import convert, engine

DEFAULT_DEBOUNCE_MS = 300
WATCHED = ("**/.iacguard.toml", "**/pyproject.toml", "**/*.tf", "**/*.tf.json", "**/*.tfvars")

#: what a published diagnostic came from (the finding, for hover and code actions; None for a
#: file error)
Entry = tuple[lsp.Diagnostic, Finding | None]


class IacguardServer(LanguageServer):
    """pygls's server with the state of iacguard's runs (no global state: one per process)."""

    def __init__(self) -> None:
        from iacguard import __version__

        super().__init__(
            "iacguard", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental
        )
        self.debounce = DEFAULT_DEBOUNCE_MS / 1000
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="iacguard-run")
        #: document uri -> changes seen (a run publishes only for the generation it started at)
        self.generation: dict[str, int] = {}
        #: bumped by every change of any buffer (a run that saw older text runs again)
        self.world = 0
        #: file uri -> what was last published for it
        self.published: dict[str, list[Entry]] = {}
        #: document uri -> the file uris its last run published
        self.scopes: dict[str, set[str]] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.docs: dict[str, str] = {}

    # ------------------------------------------------------------------------- state

    def open_paths(self) -> dict[str, str]:
        """Absolute path -> text of every open buffer iacguard checks (the overlay of a run)."""
        out = {}
        for uri, doc in self.workspace.text_documents.items():
            path = to_fs_path(uri)
            if path and engine.lintable(path):
                out[os.path.abspath(path)] = doc.source
        return out

    def roots(self) -> list[str]:
        out = [to_fs_path(f.uri) for f in self.workspace.folders.values()]
        if self.workspace.root_path:
            out.append(self.workspace.root_path)
        return [p for p in out if p]

    def units(self, text: str) -> int:
        return self.workspace.position_codec.client_num_units(text)

    # ------------------------------------------------------------------------- runs

    def schedule(self, uri: str, delay: float) -> None:
        """Check the document ``uri`` after ``delay`` seconds, unless it changes meanwhile."""
        path = to_fs_path(uri)
        if not path or not engine.lintable(path):
            return
        generation = self.generation[uri] = self.generation.get(uri, 0) + 1
        task = asyncio.ensure_future(self._run(uri, os.path.abspath(path), generation, delay))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def recheck_all(self, delay: float = 0.0) -> None:
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, delay)

    async def _run(self, uri: str, path: str, generation: int, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        if self.generation.get(uri) != generation:
            return  # debounced: a newer change has its own run
        world = self.world
        overlay = self.open_paths()
        roots = self.roots()

        def work() -> engine.Outcome | None:
            if self.generation.get(uri) != generation:
                return None  # changed while waiting for the worker: stale, skipped
            return engine.lint(path, overlay, roots)

        try:
            outcome = await asyncio.get_running_loop().run_in_executor(self.executor, work)
        except Exception as exc:  # noqa: BLE001 - a bug must not take the server down
            self.window_log_message(
                lsp.LogMessageParams(
                    type=lsp.MessageType.Error,
                    message=f"iacguard: internal error checking {path}: {exc!r}",
                )
            )
            return
        if outcome is None or self.generation.get(uri) != generation or uri not in self.docs:
            return
        if self.world != world:
            self.schedule(uri, self.debounce)  # another buffer changed during the run
            return
        self.publish(uri, path, outcome, overlay)

    def publish(self, uri: str, path: str, outcome: engine.Outcome, overlay: dict[str, str]):
        lines = _lines(overlay)
        docs = _docs()
        done: set[str] = set()
        for file in sorted(outcome.scope):
            entries: list[Entry] = []
            if outcome.failure is not None and file == path:
                entries.append((convert.failure_diagnostic(outcome.failure), None))
            for f in outcome.findings.get(file, ()):
                entries.append((convert.diagnostic(f, lines, self.units, docs), f))
            for e in outcome.errors.get(file, ()):
                entries.append((convert.error_diagnostic(e, lines(file), self.units), None))
            file_uri = from_fs_path(file) or file
            self._send(file_uri, entries)
            done.add(file_uri)
        for stale in self.scopes.get(uri, set()) - done:
            self._send(stale, [])
        self.scopes[uri] = done

    def _send(self, uri: str, entries: list[Entry]) -> None:
        self.published[uri] = entries
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[d for d, _ in entries])
        )

    def forget(self, uri: str) -> None:
        """A closed document: its diagnostics and those its runs published are cleared."""
        self.generation[uri] = self.generation.get(uri, 0) + 1
        for file_uri in self.scopes.pop(uri, set()) | {uri}:
            if file_uri == uri or file_uri not in self.workspace.text_documents:
                self._send(file_uri, [])


def _lines(overlay: dict[str, str]):
    """Path -> its lines: the open buffer's text as the run saw it, else the file on disk."""
    cache: dict[str, Sequence[str]] = {}

    def lines(path: str) -> Sequence[str]:
        key = os.path.abspath(path)
        if key not in cache:
            text = overlay.get(key)
            if text is None:
                from iacguard.core.files import read_regular

                try:
                    text = read_regular(key).decode("utf-8-sig", errors="replace")
                except OSError:
                    text = ""
            cache[key] = text.splitlines()
        return cache[key]

    return lines


def _docs() -> dict[str, str]:
    from iacguard.core.catalog import load_catalog

    try:
        return convert.rule_docs(load_catalog())
    except Exception:  # noqa: BLE001 - no links then: hover still documents the rule
        return {}


def rule_hover(finding: Finding) -> str:
    """The rule's documentation, as ``iacguard rule ID`` prints it (Markdown)."""
    from iacguard.core.catalog import render_rule

    try:
        return render_rule(finding.rule_id)
    except Exception:  # noqa: BLE001 - a plugin rule the catalog does not hold
        return f"{finding.rule_id} {finding.rule_name}\n\n{finding.fix or ''}".rstrip() + "\n"


def build_server() -> IacguardServer:
    server = IacguardServer()

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: IacguardServer, params: lsp.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict):
            value = options.get("debounceMs")
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                ls.debounce = value / 1000

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: IacguardServer, params: lsp.InitializedParams) -> None:
        caps = ls.client_capabilities.workspace
        watch = caps.did_change_watched_files if caps is not None else None
        if watch is None or not watch.dynamic_registration:
            return
        options = lsp.DidChangeWatchedFilesRegistrationOptions(
            watchers=[lsp.FileSystemWatcher(glob_pattern=g) for g in WATCHED]
        )
        registration = lsp.Registration(
            id="iacguard-watch",
            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        ls.client_register_capability(lsp.RegistrationParams(registrations=[registration]))

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: IacguardServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.docs[params.text_document.uri] = params.text_document.language_id
        ls.world += 1
        ls.schedule(params.text_document.uri, 0.0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: IacguardServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.world += 1
        ls.schedule(params.text_document.uri, ls.debounce)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: IacguardServer, params: lsp.DidSaveTextDocumentParams) -> None:
        path = to_fs_path(params.text_document.uri) or ""
        if engine.is_config(path):
            ls.recheck_all()
        else:
            ls.schedule(params.text_document.uri, 0.0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: IacguardServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.docs.pop(params.text_document.uri, None)
        ls.world += 1
        ls.forget(params.text_document.uri)
        ls.recheck_all(ls.debounce)  # the file is read from disk again by the others

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: IacguardServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        paths = [to_fs_path(c.uri) or "" for c in params.changes]
        if any(engine.is_config(p) or engine.lintable(p) for p in paths):
            ls.recheck_all()

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: IacguardServer, params: lsp.HoverParams) -> lsp.Hover | None:
        hits = [
            (d, f)
            for d, f in ls.published.get(params.text_document.uri, [])
            if f is not None and convert.contains(d.range, params.position)
        ]
        if not hits:
            return None
        seen: dict[str, str] = {}
        for _, f in hits:
            seen.setdefault(f.rule_id, rule_hover(f))
        return lsp.Hover(
            contents=lsp.MarkupContent(
                kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(seen.values())
            ),
            range=hits[0][0].range,
        )

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]),
    )
    def code_action(ls: IacguardServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        lines = _lines(ls.open_paths())
        out = []
        for d, f in ls.published.get(params.text_document.uri, []):
            if f is None or not f.fixes or not convert.overlaps(d.range, params.range):
                continue
            for fix in f.fixes:
                out.append(convert.code_action(fix, f, d, lines, ls.units))
        return out

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: IacguardServer, params: None) -> None:
        ls.executor.shutdown(wait=False, cancel_futures=True)

    return server


def main(argv: Sequence[str] = ()) -> int:
    """Serve over stdin/stdout until the client says ``exit``."""
    server = build_server()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print can never corrupt the protocol stream
    server.start_io(stdin, stdout)
    return 0
