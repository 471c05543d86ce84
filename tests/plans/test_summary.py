"""Layers 1–3 as data: the sentence, the change rows and the YAML diff are computed from the patch."""

from __future__ import annotations

from datetime import UTC, datetime

from kubecopilot.plans.builders import build_delete_pod, build_json_patch, build_restart, build_scale, build_set_image, build_set_resources
from kubecopilot.plans.summary import ChangeRow, change_rows, describe_rollback, summarize, yaml_diff

from .fakes import deployment

OWNED_POD = {"kind": "Pod", "metadata": {"name": "x", "namespace": "dev", "uid": "p1", "managedFields": [{"m": 1}],
                                         "ownerReferences": [{"kind": "ReplicaSet", "name": "x-rs",
                                                              "controller": True}]},
             "spec": {"containers": [{"name": "c", "image": "i:1"}]}, "status": {"phase": "Running"}}


def test_sentences_for_each_kind_of_change():
    assert summarize(build_scale(deployment("cart", replicas=2), 5)) == "Scale Deployment dev/cart from 2 to 5 replicas"
    assert summarize(build_set_resources(deployment("report-worker", memory="64Mi", container="worker"), "worker",
                                         limits={"memory": "256Mi"})) == (
        "Raise memory limit of container worker in Deployment dev/report-worker from 64Mi to 256Mi")
    assert summarize(build_set_resources(deployment("w", memory="1Gi"), "app", limits={"memory": "512Mi"})) == (
        "Lower memory limit of container app in Deployment dev/w from 1Gi to 512Mi")
    assert summarize(build_set_resources(deployment("w"), "app", requests={"cpu": "100m"})) == (
        "Set cpu request of container app in Deployment dev/w to 100m")
    assert summarize(build_restart(deployment("cart", replicas=2))) == (
        "Restart Deployment dev/cart (rolling restart of 2 pods)")
    assert summarize(build_delete_pod(OWNED_POD)) == "Delete Pod dev/x (its ReplicaSet recreates it)"
    assert summarize(build_set_image(deployment("web-frontend", container="web"), "web", "nginx:1.27-alpine")) == (
        "Set image of container web in Deployment dev/web-frontend to nginx:1.27-alpine")


def test_several_changes_become_one_update_sentence_with_clauses():
    plan = build_set_resources(deployment("w", memory="64Mi"), "app", limits={"memory": "128Mi"},
                               requests={"memory": "64Mi"})
    assert summarize(plan) == ("Update Deployment dev/w: set memory request of container app to 64Mi; "
                               "raise memory limit of container app from 64Mi to 128Mi")


def test_a_generic_patch_is_described_by_its_paths():
    plan = build_json_patch(deployment("w"), [{"op": "add", "path": "/metadata/labels/tier", "value": "gold"}])
    assert summarize(plan) == "Update Deployment dev/w: set /metadata/labels/tier to gold"


def test_the_cluster_is_part_of_the_name_when_set():
    assert summarize(build_scale(deployment("cart"), 3, cluster="eu-1")) == (
        "Scale Deployment eu-1:dev/cart from 2 to 3 replicas")


def test_change_rows_show_before_and_after_and_skip_guards():
    plan = build_set_image(deployment("web", image="nginx:1.25", container="web"), "web", "nginx:1.27-alpine")
    assert change_rows(plan) == [ChangeRow("replace", "/spec/template/spec/containers/0/image", "nginx:1.25",
                                           "nginx:1.27-alpine")]
    restart = build_restart(deployment("cart"), datetime(2025, 1, 12, 6, 20, tzinfo=UTC))
    assert change_rows(restart) == [ChangeRow("add", "/spec/template/metadata/annotations", None,
                                              {"kubectl.kubernetes.io/restartedAt": "2025-01-12T06:20:00Z"})]
    assert change_rows(build_delete_pod(OWNED_POD)) == [ChangeRow("delete", "(whole object)", "Pod x", None)]


def test_yaml_diff_shows_only_the_change_without_status_or_managed_fields():
    dep = deployment("cart", replicas=2)
    dep["status"] = {"readyReplicas": 2}
    dep["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    diff = yaml_diff(build_scale(dep, 5))
    assert diff.startswith("--- deployment/cart (before)\n+++ deployment/cart (after)")
    changed = [line for line in diff.splitlines()[2:] if line[:1] in "+-"]
    assert changed == ["-  replicas: 2", "+  replicas: 5"]
    assert "readyReplicas" not in diff and "managedFields" not in diff and "resourceVersion" not in diff


def test_yaml_diff_of_a_delete_removes_every_line():
    lines = yaml_diff(build_delete_pod(OWNED_POD)).splitlines()[2:]
    assert lines and all(line[:1] in "-@" for line in lines) and "-kind: Pod" in lines


def test_rollback_description():
    assert "restores /spec/replicas" in describe_rollback(build_scale(deployment("cart"), 3))
    assert "cannot be undone; its ReplicaSet recreates it" in describe_rollback(build_delete_pod(OWNED_POD))
