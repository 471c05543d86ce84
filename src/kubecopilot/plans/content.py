"""The content hash of a plan: one digest over everything that executes, used at propose, show, sign and execute.

It covers the target (kind, namespace, name, uid, resourceVersion, cluster), the action, every step (its patch,
its rollback patch, what it says it does) and the plan's diff (patch, rollback patch, and the before snapshot the
patches are computed from and the drift check compares with). It leaves out what may change without changing what
runs: status, risk (re-rated from the content every time), the rationale and the audit fields. The plan is hashed
as the ledger stores it — redacted — so a hash taken in the proposing process matches one taken from the ledger.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kubecopilot.plans.patches import without_status
from kubecopilot.plans.redact import redact_plan

PREFIX = "sha256:"


def content_hash(plan: Any) -> str:
    stored = redact_plan(plan)
    data = stored.to_dict()
    material = {
        "version": data["version"], "action": data["action"], "resource": data["resource"],
        "steps": data["steps"],
        "diff": {"patch": data["diff"]["patch"], "rollbackPatch": data["diff"].get("rollbackPatch"),
                 "patchFormat": data["diff"].get("patchFormat"),
                 "before": without_status(data["diff"].get("before"))},
    }
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()
