"""The OperationPlan schema: the seed's fields and names, strictness, and the exported JSON Schema."""

from __future__ import annotations

import json
import uuid

import pytest
from pydantic import ValidationError

from kubecopilot.plans.builders import build_scale
from kubecopilot.plans.model import SCHEMA_VERSION, OperationPlan, PatchOp

from .fakes import deployment

SEED_EXAMPLE = {
    "id": "8f4f3b3d-1c0d-4f0c-9f6f-2d0c4c0b5c1a", "version": "1", "status": "pending", "action": "restart",
    "steps": [{"id": "step-1", "action": "update", "description": "Annotate deployment to trigger rollout",
               "patch": [{"op": "add", "path": "/spec/template/metadata/annotations/restart.kubecopilot.io~1ts",
                          "value": "2025-01-12T06:20:00Z"}],
               "rollbackPatch": [{"op": "remove",
                                  "path": "/spec/template/metadata/annotations/restart.kubecopilot.io~1ts"}]}],
    "resource": {"kind": "Deployment", "namespace": "payments", "name": "billing-api",
                 "uid": "c0327b2f-2b63-4c50-9b1b-95cb5b0b0d5f", "resourceVersion": "123456"},
    "diff": {"before": {"...": "omitted for brevity"},
             "patch": [{"op": "add", "path": "/spec/template/metadata/annotations/restart.kubecopilot.io~1ts",
                        "value": "2025-01-12T06:20:00Z"}],
             "patchFormat": "rfc6902",
             "rollbackPatch": [{"op": "remove",
                                "path": "/spec/template/metadata/annotations/restart.kubecopilot.io~1ts"}]},
    "risk": {"level": "medium", "rationale": "Rolling restart of production workload", "score": 0.42,
             "factors": ["traffic_spike_window"], "sloBudgetImpact": "medium",
             "postConditions": ["All pods reach Ready state within 5 minutes"]},
    "aiRationale": "Deployment pods are stuck in CrashLoopBackOff; restart to refresh configuration.",
    "audit": {"requestedBy": "user:alice", "confirmedBy": None, "executedBy": "system",
              "idempotencyKey": "plan-billing-api-restart-20250112", "sourcePromptId": "diagnose-pod@1.1.0",
              "timestamps": {"createdAt": "2025-01-12T06:19:55.000Z", "confirmedAt": None, "executedAt": None,
                             "failedAt": None, "revertedAt": None}},
}


def test_the_seed_example_round_trips_field_for_field():
    plan = OperationPlan.model_validate(SEED_EXAMPLE)
    assert plan.id == uuid.UUID(SEED_EXAMPLE["id"]) and plan.risk.slo_budget_impact == "medium"
    assert json.loads(plan.to_json()) == SEED_EXAMPLE


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d.update(extra=1), "extra"),
    (lambda d: d["risk"].update(score=1.5), "risk.score"),
    (lambda d: d.update(status="done"), "status"),
    (lambda d: d.update(id="not-a-uuid"), "id"),
    (lambda d: d["diff"]["patch"].append({"op": "move", "from": "/a", "path": "/b"}), "diff.patch"),
    (lambda d: d["diff"]["patch"].append({"op": "replace", "path": "/spec/replicas"}), "diff.patch"),
    (lambda d: d["diff"]["patch"].append({"op": "add", "path": "spec/replicas", "value": 1}), "diff.patch"),
    (lambda d: d["resource"].pop("name"), "resource.name"),
    (lambda d: d["audit"]["timestamps"].pop("createdAt"), "audit.timestamps.createdAt"),
])
def test_the_schema_refuses_what_the_seed_does_not_allow(mutate, where):
    data = json.loads(json.dumps(SEED_EXAMPLE))
    mutate(data)
    with pytest.raises(ValidationError) as info:
        OperationPlan.model_validate(data)
    locations = {".".join(str(p) for p in e["loc"]) for e in info.value.errors()}
    assert any(loc.startswith(where) for loc in locations), locations


def test_a_null_value_is_kept_apart_from_a_missing_value():
    assert PatchOp.model_validate({"op": "replace", "path": "/x", "value": None}).model_dump() == {
        "op": "replace", "path": "/x", "value": None}
    assert PatchOp.model_validate({"op": "remove", "path": "/x"}).model_dump() == {"op": "remove", "path": "/x"}


def test_rejected_is_a_status_of_its_own():
    data = json.loads(json.dumps(SEED_EXAMPLE)) | {"status": "rejected"}
    assert OperationPlan.model_validate(data).status == "rejected"


def test_json_schema_export_uses_the_wire_names_and_carries_the_version():
    schema = OperationPlan.json_schema()
    assert schema["$id"].endswith(f"v{SCHEMA_VERSION}.json")
    assert {"aiRationale", "diff", "audit", "steps", "resource"} <= set(schema["properties"])
    defs = schema["$defs"]
    assert "rollbackPatch" in defs["Diff"]["properties"] and "sloBudgetImpact" in defs["Risk"]["properties"]
    assert defs["Audit"]["properties"]["idempotencyKey"] and defs["Timestamps"]["required"] == ["createdAt"]
    assert defs["PatchOp"]["properties"]["op"]["enum"] == ["add", "remove", "replace", "test"]


def test_transition_sets_status_timestamp_and_actor_without_touching_the_original():
    plan = build_scale(deployment("cart"), 3)
    stamp = plan.audit.timestamps.created_at
    confirmed = plan.transition("confirmed", confirmed_by="user:bob", confirmed_at=stamp)
    assert (confirmed.status, confirmed.audit.confirmed_by, confirmed.audit.timestamps.confirmed_at) == (
        "confirmed", "user:bob", stamp)
    assert plan.status == "pending" and plan.audit.confirmed_by is None
