"""OperationPlans: every write KubeCopilot makes is a validated, risk-rated plan a person approved.

Domain code only: imports pydantic, jsonpatch, sqlalchemy and yaml — never crewai, rich or prompt_toolkit.
"""

from kubecopilot.plans.builders import (build_delete_pod, build_json_patch, build_restart, build_scale,
                                        build_set_image, build_set_resources)
from kubecopilot.plans.executor import ExecutionReport, PlanExecutor, drift_paths
from kubecopilot.plans.ledger import AuditLedger, LedgerEntry, VerifyReport
from kubecopilot.plans.model import SCHEMA_VERSION, ApprovalDecision, OperationPlan, ResourceRef, Risk
from kubecopilot.plans.risk import RiskContext, assess
from kubecopilot.plans.service import PlanService
from kubecopilot.plans.summary import ChangeRow, change_rows, summarize, yaml_diff
from kubecopilot.plans.validate import validate_plan
from kubecopilot.plans.verify import ConditionResult

__all__ = [
    "SCHEMA_VERSION", "ApprovalDecision", "AuditLedger", "ChangeRow", "ConditionResult", "ExecutionReport",
    "LedgerEntry", "OperationPlan", "PlanExecutor", "PlanService", "ResourceRef", "Risk", "RiskContext",
    "VerifyReport", "assess", "build_delete_pod", "build_json_patch", "build_restart", "build_scale",
    "build_set_image", "build_set_resources", "change_rows", "drift_paths", "summarize", "validate_plan", "yaml_diff",
]
