"""The units discovery hands to evaluation: a Terraform module directory with its files.

Discovery (``iacguard.discover``) finds them, the run dispatches them and the Terraform
evaluator reads them; this small type is all the three share, so the evaluator does not know
discovery.
"""

from __future__ import annotations

from iacguard.core.records import record


@record
class TerraformModule:
    """A directory of ``.tf`` files, with the tfvars Terraform would load for it."""

    directory: str
    files: tuple[str, ...]
    var_files: tuple[str, ...] = ()
