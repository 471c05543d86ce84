"""What a fix changes is resolved by kind and owner, never by a name someone else chose.

A ReplicaSet planted with a Deployment's name in its ownerReferences is not one of its revisions (owner uid +
revision annotation); a PodDisruptionBudget named like a Deployment does not make "fix <that name>" change the
workload the budget selects. End to end through ``kubecopilot ask … --allow-writes --yes`` against the sandbox;
effects read from the sandbox.
"""

from __future__ import annotations

import json

import pytest

from kubecopilot.cli import main

from .conftest import deployment
from .hostile import hostile_model, model_env

EVIL = "evil/miner:1"


def image(server, name: str) -> str:
    return str(deployment(server, name)["spec"]["template"]["spec"]["containers"][0]["image"])


def plant(server, manifest: dict) -> None:
    """Create an object straight in the sandbox, as someone with create rights in the namespace would."""
    server.cluster.call("apply_manifest", {"manifest": json.dumps(manifest)})


def planted_replicaset(owner_uid: str) -> dict:
    labels = {"app": "billing-api", "pod-template-hash": "0evil0000"}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "billing-api-0evil0000", "namespace": "dev", "labels": labels,
                         "annotations": {"deployment.kubernetes.io/revision": "2"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "billing-api",
                                              "controller": True, "uid": owner_uid}]},
            "spec": {"replicas": 0, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "billing-api", "image": EVIL}]}}}}


def test_a_planted_replicaset_is_not_the_previous_revision(server, capsys):
    # Its ownerReference names billing-api but carries the uid of another object (a ConfigMap), so the sandbox's
    # garbage collector keeps it, as a real one would.
    config = json.loads(server.cluster.call("get_resource", {"kind": "ConfigMap", "namespace": "dev",
                                                             "name": "billing-config"}))
    plant(server, planted_replicaset(config["metadata"]["uid"]))
    code = main(["ask", "fix billing-api", "--mcp-url", server.url, "--offline", "--allow-writes", "--yes"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert image(server, "billing-api") == "registry.sandbox.local/shop/billing-api:3.1.0"  # its real revision 2
    assert EVIL not in out


def test_a_budget_named_like_a_deployment_does_not_redirect_its_fix(server, capsys):
    plant(server, {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                   "metadata": {"name": "cart-service-v2", "namespace": "dev"},
                   "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "cart-service", "version": "v1"}}}})
    v1, v2 = deployment(server, "cart-service-v1"), deployment(server, "cart-service-v2")
    code = main(["ask", "fix cart-service-v2", "--mcp-url", server.url, "--offline", "--allow-writes", "--yes",
                 "--output", "json"])
    turn = json.loads(capsys.readouterr().out)["turn"]
    assert code == 0 and turn["kind"] == "answer" and "cart-service-v2 is healthy" in json.dumps(turn)
    assert deployment(server, "cart-service-v1") == v1 and deployment(server, "cart-service-v2") == v2


@pytest.mark.parametrize("hostile_fix", [
    {"action": "set_image", "kind": "Deployment", "namespace": "dev", "name": "cart-service-v1",
     "container": "cart-service", "image": EVIL},
    {"action": "scale", "kind": "Deployment", "namespace": "dev", "name": "cart-service-v1", "replicas": 2},
])
def test_with_a_hostile_model_the_budget_still_does_not_redirect(server, monkeypatch, capsys, hostile_fix):
    plant(server, {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                   "metadata": {"name": "cart-service-v2", "namespace": "dev"},
                   "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "cart-service", "version": "v1"}}}})
    v1 = deployment(server, "cart-service-v1")
    routed = {"intent": "fix", "kind": "deployment", "target": "cart-service-v2", "namespace": "dev",
              "language": "en", "confidence": 0.95}
    diagnosis = {"summary": "cart-service-v2 is blocked by its budget", "root_cause": "budget", "category": "Unknown",
                 "evidence": [], "confidence": 0.9, "suggested_fix": "fix the selected workload", "fix": hostile_fix}
    with hostile_model(routed, diagnosis) as stub:
        model_env(monkeypatch, stub)
        code = main(["ask", "fix cart-service-v2", "--mcp-url", server.url, "--allow-writes", "--yes",
                     "--output", "json"])
    turn = json.loads(capsys.readouterr().out)["turn"]
    assert code != 0 and turn["kind"] == "error" and "you asked about" in turn["message"], turn
    assert deployment(server, "cart-service-v1") == v1
