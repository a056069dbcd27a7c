"""iacguard's CloudFormation rules as cfn-lint rules: ``cfn-lint -a iacguard.cfnlint t.yaml``.

cfn-lint (``Rules.create_from_module``) makes one rule of every ``CloudFormationLintRule``
subclass in this module's namespace: the seven below, one per iacguard rule (ids in
``CFN_LINT_IDS``: BKP001 is E9101, ...), and E9100, which reports a template iacguard could not
check. Every rule reads the one evaluation of the template (``iacguard.cfnlint.source``), so a
cfn-lint run evaluates each template once. Messages keep iacguard's id and certainty:
``[BKP001, definite] Backup vault Vault has no customer-managed key ...``.

Options are cfn-lint rule configuration (``-X W9202:min_deletion_window_days=14``,
``configure_rules`` in ``.cfnlintrc``): iacguard's rule options with ``_`` for ``-``, and
``min_certainty`` (``possible``, ``default``: the default, ``definite``). iacguard's own
configuration files are not read. Installed with ``pip install 'iacguard-backup[cfnlint]'``.
"""

from __future__ import annotations

from iacguard.cfnlint.base import CFN_LINT_IDS, IacguardRule, NotCheckedRule

__all__ = [
    "CFN_LINT_IDS",
    "BackupVaultWithoutCmk",
    "BackupPlanTargetsVaultWithoutCmk",
    "BackupVaultKeyIsAlias",
    "BackupOfUnencryptedSource",
    "KmsKeyRotationDisabled",
    "KmsKeyShortDeletionWindow",
    "KmsKeyMissingBackupGrant",
    "NotCheckedRule",
]


class BackupVaultWithoutCmk(IacguardRule):
    """E9101: BKP001 backup-vault-without-cmk."""

    iacguard_id = "BKP001"


class BackupPlanTargetsVaultWithoutCmk(IacguardRule):
    """E9102: BKP002 backup-plan-targets-vault-without-cmk."""

    iacguard_id = "BKP002"


class BackupVaultKeyIsAlias(IacguardRule):
    """W9103: BKP003 backup-vault-key-is-alias."""

    iacguard_id = "BKP003"


class BackupOfUnencryptedSource(IacguardRule):
    """E9104: BKP004 backup-of-unencrypted-source."""

    iacguard_id = "BKP004"


class KmsKeyRotationDisabled(IacguardRule):
    """W9201: KMS001 kms-key-rotation-disabled."""

    iacguard_id = "KMS001"


class KmsKeyShortDeletionWindow(IacguardRule):
    """W9202: KMS002 kms-key-short-deletion-window."""

    iacguard_id = "KMS002"


class KmsKeyMissingBackupGrant(IacguardRule):
    """E9203: KMS003 kms-key-missing-backup-grant."""

    iacguard_id = "KMS003"


del IacguardRule  # not a rule: cfn-lint must not find it here
