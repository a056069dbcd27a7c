"""BKP004 backup-of-unencrypted-source through the real pipeline on small modules: where the
finding is (the encryption attribute, or the block header when it is absent), its certainty and
inputs, the message, the located chain selection -> plan -> vault, and the cases that are not
findings. The fixtures under fixtures/BKP004/ cover every source type and selection form."""

from __future__ import annotations

from iacguard.api import build_graph
from iacguard.core.certainty import Certainty
from iacguard.core.findings import Severity
from iacguard.rules.registry import all_rules, run_rules

PLAN = """\
resource "aws_kms_key" "k" {
  enable_key_rotation = true
}
resource "aws_backup_vault" "main" {
  name        = "main"
  kms_key_arn = aws_kms_key.k.arn
}
resource "aws_backup_plan" "daily" {
  name = "daily"
  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.main.name
    schedule          = "cron(0 5 * * ? *)"
  }
}
"""


def _bkp004(tmp_path, source: str):
    (tmp_path / "main.tf").write_text(PLAN + source, encoding="utf-8")
    graph = build_graph([str(tmp_path)])
    rule = [r for r in all_rules() if r.id == "BKP004"]
    return run_rules(graph, rule)


def _selection(*resources: str) -> str:
    return (
        'resource "aws_backup_selection" "s" {\n  name = "s"\n'
        "  plan_id = aws_backup_plan.daily.id\n"
        '  iam_role_arn = "arn:aws:iam::111122223333:role/backup"\n'
        f"  resources = [{', '.join(resources)}]\n}}\n"
    )


def test_an_unencrypted_selected_volume_is_a_finding_at_its_header(tmp_path):
    source = 'resource "aws_ebs_volume" "data" {\n  size = 8\n}\n' + _selection(
        "aws_ebs_volume.data.arn"
    )
    (f,) = _bkp004(tmp_path, source)
    assert (f.rule_id, f.address, f.certainty, f.severity) == (
        "BKP004",
        "aws_ebs_volume.data",
        Certainty.DEFINITE,
        Severity.HIGH,
    )
    assert (f.location.start_line, f.location.start_column) == (16, 1)  # the header: no attribute
    # one breath (issue 10 item 7): the selection is in the evidence, the fix in the fix hint
    assert f.message == (
        "EBS volume aws_ebs_volume.data is not encrypted: encrypted is not set, yet backup plan "
        "aws_backup_plan.daily backs it up, so its recovery points are unencrypted whatever the "
        "vault key."
    )
    assert len(f.message) <= 200
    assert f.properties["selection"] == "aws_backup_selection.s"
    hops = [h.message for h in f.evidence]
    assert hops[0].startswith("aws_backup_selection.s assigns it")
    assert hops[1] == "aws_backup_plan.daily (backup plan)"
    assert "vault aws_backup_vault.main" in hops[2]
    assert all(h.span is not None for h in f.evidence)
    assert f.fix and "exclude it from the selection" in f.fix


def test_the_finding_points_at_an_explicit_false(tmp_path):
    source = (
        'resource "aws_db_instance" "db" {\n  instance_class = "db.t3.micro"\n'
        "  storage_encrypted = false\n}\n" + _selection("aws_db_instance.db.arn")
    )
    (f,) = _bkp004(tmp_path, source)
    assert (f.location.start_line, f.location.start_column) == (18, 3)  # storage_encrypted
    assert f.certainty is Certainty.DEFINITE


def test_a_default_input_gives_a_default_finding_with_that_input(tmp_path):
    source = (
        'variable "encrypt" {\n  type    = bool\n  default = false\n}\n'
        'resource "aws_ebs_volume" "data" {\n  size = 8\n  encrypted = var.encrypt\n}\n'
        + _selection("aws_ebs_volume.data.arn")
    )
    (f,) = _bkp004(tmp_path, source)
    assert f.certainty is Certainty.DEFAULT
    assert f.inputs == ("var.encrypt",)


def test_not_findings(tmp_path):
    cases = {
        "encrypted": 'resource "aws_ebs_volume" "v" {\n  size = 8\n  encrypted = true\n}\n'
        + _selection("aws_ebs_volume.v.arn"),
        "not selected": 'resource "aws_ebs_volume" "v" {\n  size = 8\n}\n' + _selection(),
        "a replica inherits": 'resource "aws_db_instance" "r" {\n'
        '  replicate_source_db = "primary"\n  instance_class = "db.t3.micro"\n}\n'
        + _selection("aws_db_instance.r.arn"),
        "a required input": 'variable "encrypt" {\n  type = bool\n}\n'
        'resource "aws_ebs_volume" "v" {\n  size = 8\n  encrypted = var.encrypt\n}\n'
        + _selection("aws_ebs_volume.v.arn"),
    }
    for name, source in cases.items():
        case = tmp_path / name.replace(" ", "-")
        case.mkdir()
        assert _bkp004(case, source) == [], name
