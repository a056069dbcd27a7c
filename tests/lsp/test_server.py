"""``iacguard lsp`` end to end: a real client (pytest-lsp's, on pygls) starts
``python -m iacguard lsp`` and talks to it over stdio. Every wait is for a notification or a
response, bounded by a timeout; nothing sleeps."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest.importorskip("pytest_lsp")

from lsprotocol import types as lsp  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pytest_lsp import LanguageClient  # noqa: E402
from pytest_lsp.client import make_test_lsp_client  # noqa: E402

HERE = Path(__file__).resolve().parent
TIMEOUT = 90

CALLER_TF = 'module "m" {\n  source = "./mod"\n  key    = "alias/backup"\n}\n'
VARIABLES_TF = 'variable "key" {\n  default = null\n}\n'
VAULT_TF = """\
resource "aws_backup_vault" "v" {
  name        = "vault-with-a-long-name"
  kms_key_arn = var.key
}
"""
FIXED_VAULT_TF = """\
resource "aws_backup_vault" "v" {
  name        = "vault-with-a-long-name"
  kms_key_arn = aws_kms_key.k.arn
}
"""
KEY_TF = """\
resource "aws_kms_key" "k" {
  description         = "backup key"
  enable_key_rotation = false
}
"""
#: a vault whose key is an alias with a character outside the BMP: two UTF-16 code units
EMOJI_TF = """\
resource "aws_backup_vault" "e" {
  name        = "emoji-vault-name"
  kms_key_arn = "alias/\N{GRINNING FACE}-backup"
}
"""


def _tree(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / ".git").mkdir(parents=True)
    (ws / "mod").mkdir()
    (ws / "main.tf").write_text(CALLER_TF)
    (ws / "mod" / "variables.tf").write_text(VARIABLES_TF)
    (ws / "mod" / "main.tf").write_text(VAULT_TF)
    (ws / "mod" / "kms.tf").write_text(KEY_TF)
    return ws


async def _start(ws: Path, extra_path: str | None = None, **options) -> LanguageClient:
    client = make_test_lsp_client()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IACGUARD")}
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [extra_path, env.get("PYTHONPATH")]))
    await client.start_io(sys.executable, "-m", "iacguard", "lsp", cwd=str(ws), env=env)
    await asyncio.wait_for(
        client.initialize_session(
            lsp.InitializeParams(
                capabilities=lsp.ClientCapabilities(),
                root_uri=from_fs_path(str(ws)),
                workspace_folders=[lsp.WorkspaceFolder(uri=from_fs_path(str(ws)), name="ws")],
                initialization_options={"debounceMs": 50, **options},
            )
        ),
        TIMEOUT,
    )
    return client


async def _stop(client: LanguageClient) -> None:
    await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    await client.stop()


def uri(path: Path) -> str:
    return from_fs_path(str(path))


def codes(client: LanguageClient, path: Path) -> set[str]:
    return {str(d.code) for d in client.diagnostics.get(uri(path), [])}


async def until(client: LanguageClient, ready: Callable[[], bool]) -> None:
    """Wait (bounded) for published diagnostics that make ``ready()`` true."""

    async def wait() -> None:
        while not ready():
            await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    await asyncio.wait_for(wait(), TIMEOUT)


def open_doc(client: LanguageClient, path: Path, text: str | None = None) -> None:
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(
                uri=uri(path),
                language_id="terraform",
                version=1,
                text=path.read_text() if text is None else text,
            )
        )
    )


def replace_all(client: LanguageClient, path: Path, text: str, version: int) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def by_code(client: LanguageClient, path: Path, code: str) -> lsp.Diagnostic:
    return next(d for d in client.diagnostics[uri(path)] if d.code == code)


@pytest.mark.asyncio
async def test_diagnostics_follow_the_buffer_with_its_module_and_callers(tmp_path):
    ws = _tree(tmp_path)
    main, kms, caller = ws / "mod" / "main.tf", ws / "mod" / "kms.tf", ws / "main.tf"
    client = await _start(ws)
    try:
        open_doc(client, main)
        # the buffer's module: var.key from variables.tf (BKP001 with the default inputs) and the
        # caller's alias (BKP003, evaluated from ws/main.tf)
        await until(client, lambda: {"BKP001", "BKP003"} <= codes(client, main))
        alias = by_code(client, main, "BKP003")
        assert alias.source == "iacguard"
        assert alias.severity == lsp.DiagnosticSeverity.Warning  # BKP003 is medium
        assert alias.range == lsp.Range(
            start=lsp.Position(line=2, character=2), end=lsp.Position(line=2, character=23)
        )
        assert alias.message.startswith("[definite] Backup vault module.m.aws_backup_vault.v")
        no_key = by_code(client, main, "BKP001")
        assert no_key.severity == lsp.DiagnosticSeverity.Error  # BKP001 is high
        assert no_key.message.startswith("[default] ") and "(decided by var.key)" in no_key.message
        related = {r.location.uri for r in alias.related_information or []}
        assert uri(caller) in related  # the hop through the caller's key = "alias/backup"
        # another file of the module, never opened: its own finding, published for it
        await until(client, lambda: "KMS001" in codes(client, kms))
        rotation = by_code(client, kms, "KMS001")
        assert rotation.severity == lsp.DiagnosticSeverity.Warning  # KMS001 is medium
        assert rotation.range.start == lsp.Position(line=2, character=2)

        # hover on the diagnostic: the rule's catalog documentation
        hover = await asyncio.wait_for(
            client.text_document_hover_async(
                lsp.HoverParams(
                    text_document=lsp.TextDocumentIdentifier(uri=uri(main)),
                    position=lsp.Position(line=2, character=5),
                )
            ),
            TIMEOUT,
        )
        assert hover is not None and "## How to fix" in hover.contents.value
        assert "BKP003 backup-vault-key-is-alias" in hover.contents.value

        # unsaved text that fixes the vault: its findings go, the file on disk is untouched
        replace_all(client, main, FIXED_VAULT_TF, 2)
        await until(client, lambda: not {"BKP001", "BKP003"} & codes(client, main))
        assert main.read_text() == VAULT_TF
        # the key, in another buffer, gets rotation: kms.tf's diagnostic clears
        open_doc(client, kms)
        replace_all(client, kms, KEY_TF.replace("= false", "= true"), 2)
        await until(
            client, lambda: uri(kms) in client.diagnostics and "KMS001" not in codes(client, kms)
        )
    finally:
        await _stop(client)


@pytest.mark.asyncio
async def test_columns_are_utf16_code_units_and_syntax_errors_are_diagnostics(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    doc = ws / "emoji.tf"
    doc.write_text(EMOJI_TF)
    client = await _start(ws)
    try:
        open_doc(client, doc)
        await until(client, lambda: "BKP003" in codes(client, doc))
        line = EMOJI_TF.splitlines()[2]
        end = by_code(client, doc, "BKP003").range.end
        # the attribute runs to the end of its line: 32 characters, 33 UTF-16 code units
        assert (len(line), len(line.encode("utf-16-le")) // 2) == (32, 33)
        assert end == lsp.Position(line=2, character=33)
        # a syntax error in unsaved text: a diagnostic at its place
        broken = (
            'resource "aws_backup_vault" "e" {\n  name = "x"\n  tags = {\n    a = "b" c\n  }\n}\n'
        )
        replace_all(client, doc, broken, 2)
        await until(
            client,
            lambda: any(d.code is None for d in client.diagnostics.get(uri(doc), [])),
        )
        error = next(d for d in client.diagnostics[uri(doc)] if d.code is None)
        assert error.severity == lsp.DiagnosticSeverity.Error
        assert "unexpected 'c'" in error.message
        assert error.range.start == lsp.Position(line=3, character=12)  # the CLI's 4:13
    finally:
        await _stop(client)


@pytest.mark.asyncio
async def test_a_changed_configuration_rechecks_open_documents(tmp_path):
    ws = _tree(tmp_path)
    kms = ws / "mod" / "kms.tf"
    client = await _start(ws)
    try:
        open_doc(client, kms)
        await until(client, lambda: "KMS001" in codes(client, kms))
        (ws / ".iacguard.toml").write_text('ignore = ["KMS001"]\n')
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[
                    lsp.FileEvent(uri=uri(ws / ".iacguard.toml"), type=lsp.FileChangeType.Created)
                ]
            )
        )
        await until(client, lambda: "KMS001" not in codes(client, kms))
        # a broken configuration says so on the document instead of going silent
        (ws / ".iacguard.toml").write_text('ignore = "KMS001"\nnope = 1\n')
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[
                    lsp.FileEvent(uri=uri(ws / ".iacguard.toml"), type=lsp.FileChangeType.Changed)
                ]
            )
        )
        await until(
            client,
            lambda: any("could not check" in d.message for d in client.diagnostics[uri(kms)]),
        )
        # repaired and saved in the editor: didSave of a configuration file re-checks too
        config = ws / ".iacguard.toml"
        config.write_text("")
        open_doc(client, config, "")
        client.text_document_did_save(
            lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri(config)))
        )
        await until(
            client,
            lambda: (
                "KMS001" in codes(client, kms)
                and not any("could not check" in d.message for d in client.diagnostics[uri(kms)])
            ),
        )
    finally:
        await _stop(client)


def _plugin_site(tmp_path: Path) -> str:
    site = tmp_path / "site"
    info = site / "lsp_test_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lsp-test-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[iacguard.rules]\ntst = plugin_with_fix\n")
    (site / "plugin_with_fix.py").write_text((HERE / "plugin_with_fix.py").read_text())
    return str(site)


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """The client's side of a workspace edit (ASCII text: columns are characters)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(p: lsp.Position) -> int:
        return offsets[p.line] + p.character

    for e in sorted(edits, key=lambda e: at(e.range.start), reverse=True):
        text = text[: at(e.range.start)] + e.new_text + text[at(e.range.end) :]
    return text


@pytest.mark.asyncio
async def test_a_code_action_from_a_findings_fix_repairs_the_text(tmp_path):
    """The fixes come from a plugin rule built for this test (the seam every rule's fixes go
    through: ``Finding.fixes``)."""
    ws = tmp_path / "ws"
    ws.mkdir()
    doc = ws / "tmp.tf"
    text = 'resource "aws_backup_vault" "t" {\n  name = "tmp"\n}\n'
    doc.write_text(text)
    client = await _start(ws, extra_path=_plugin_site(tmp_path))
    try:
        open_doc(client, doc)
        await until(client, lambda: "TST001" in codes(client, doc))
        diag = by_code(client, doc, "TST001")
        assert diag.severity == lsp.DiagnosticSeverity.Information  # TST001 is low
        actions = await asyncio.wait_for(
            client.text_document_code_action_async(
                lsp.CodeActionParams(
                    text_document=lsp.TextDocumentIdentifier(uri=uri(doc)),
                    range=diag.range,
                    context=lsp.CodeActionContext(diagnostics=[diag]),
                )
            ),
            TIMEOUT,
        )
        titles = [a.title for a in actions]
        assert titles == [
            'TST001: rename the vault "prod"',
            "TST001: delete the name (unsafe fix: review it)",
        ]
        safe = actions[0]
        assert safe.kind == lsp.CodeActionKind.QuickFix and safe.is_preferred
        assert not actions[1].is_preferred
        fixed = apply(text, safe.edit.changes[uri(doc)])
        assert fixed == text.replace('"tmp"', '"prod"')
        replace_all(client, doc, fixed, 2)
        await until(client, lambda: "TST001" not in codes(client, doc))
    finally:
        await _stop(client)


def test_without_the_extra_the_command_says_what_to_install(tmp_path):
    import subprocess

    code = (
        "import sys; sys.modules['pygls'] = None; import iacguard.cli; "
        "sys.exit(iacguard.cli.main(['lsp']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "'iacguard lsp' needs pygls" in done.stderr
    assert "pip install 'iacguard-backup[lsp]'" in done.stderr


@pytest.mark.asyncio
async def test_kms001s_fix_as_a_code_action_on_unsaved_text(tmp_path):
    """A built-in rule's fix (KMS001: rotation on), computed against the editor's unsaved
    text: applied by the client, the finding goes."""
    ws = _tree(tmp_path)
    kms = ws / "mod" / "kms.tf"
    unsaved = "# not saved yet\n" + KEY_TF
    client = await _start(ws)
    try:
        open_doc(client, kms, unsaved)
        await until(client, lambda: "KMS001" in codes(client, kms))
        diag = by_code(client, kms, "KMS001")
        assert diag.range.start == lsp.Position(
            line=3, character=2
        )  # the buffer's line, not disk's
        actions = await asyncio.wait_for(
            client.text_document_code_action_async(
                lsp.CodeActionParams(
                    text_document=lsp.TextDocumentIdentifier(uri=uri(kms)),
                    range=diag.range,
                    context=lsp.CodeActionContext(diagnostics=[diag]),
                )
            ),
            TIMEOUT,
        )
        rotation = next(a for a in actions if "enable_key_rotation = true" in a.title)
        assert rotation.is_preferred and "unsafe" not in rotation.title
        fixed = apply(unsaved, rotation.edit.changes[uri(kms)])
        assert fixed == unsaved.replace("enable_key_rotation = false", "enable_key_rotation = true")
        replace_all(client, kms, fixed, 2)
        await until(client, lambda: "KMS001" not in codes(client, kms))
        assert kms.read_text() == KEY_TF
    finally:
        await _stop(client)
