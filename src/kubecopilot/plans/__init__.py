"""OperationPlans: every write KubeCopilot makes is a validated, risk-rated plan a person approved.

Domain code only: imports pydantic, jsonpatch, sqlalchemy and yaml — never crewai, rich or prompt_toolkit.
The names below load on first use (PEP 562), so importing one module of the package does not pull in the rest —
above all SQLAlchemy, which only the ledger needs and which would otherwise sit on the REPL's start-up path.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "build_delete_pod": "builders", "build_json_patch": "builders", "build_restart": "builders",
    "build_scale": "builders", "build_set_image": "builders", "build_set_resources": "builders",
    "ExecutionReport": "executor", "PlanExecutor": "executor", "drift_paths": "executor",
    "AuditLedger": "ledger", "LedgerEntry": "ledger", "VerifyReport": "ledger",
    "SCHEMA_VERSION": "model", "ApprovalDecision": "model", "OperationPlan": "model", "ResourceRef": "model",
    "Risk": "model", "RiskContext": "risk", "assess": "risk", "PlanService": "service",
    "ChangeRow": "summary", "change_rows": "summary", "summarize": "summary", "yaml_diff": "summary",
    "validate_plan": "validate", "ConditionResult": "verify",
}  # fmt: skip
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'kubecopilot.plans' has no attribute {name!r}")
    return getattr(importlib.import_module(f"kubecopilot.plans.{_EXPORTS[name]}"), name)
