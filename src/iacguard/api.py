"""The library entry points: ``check``, ``build_graph`` and ``evaluate``, and the types they
return. A thin facade over ``iacguard.run.pipeline``; nothing here prints.
"""

from __future__ import annotations

from iacguard.core.errors import CheckError
from iacguard.core.report import Report, RuleInfo, Summary, assemble
from iacguard.run.pipeline import ProgressHook, build_graph, check, evaluate
from iacguard.run.template import TemplateCheck, check_template

__all__ = [
    "CheckError",
    "ProgressHook",
    "Report",
    "RuleInfo",
    "Summary",
    "TemplateCheck",
    "assemble",
    "build_graph",
    "check",
    "check_template",
    "evaluate",
]
