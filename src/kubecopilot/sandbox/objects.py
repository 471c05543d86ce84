"""Factories for Kubernetes-shaped objects, and the API server's defaulting of what a manifest leaves out."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from typing import Any

from kubecopilot.sandbox.store import Obj

# Kubernetes' rand.SafeEncodeString alphabet: no vowels, so generated names never spell words.
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"

_DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
]


def random_suffix(rng: random.Random, n: int = 5) -> str:
    return "".join(rng.choice(NAME_ALPHABET) for _ in range(n))


def template_hash(template: dict[str, Any]) -> str:
    """A stable 10-character hash of a pod template, as the Deployment controller's ``pod-template-hash``."""
    clean = copy.deepcopy(template)
    (clean.get("metadata") or {}).get("labels", {}).pop(HASH_LABEL, None)
    digest = hashlib.sha256(json.dumps(clean, sort_keys=True).encode()).digest()
    return "".join(NAME_ALPHABET[b % len(NAME_ALPHABET)] for b in digest[:10])


def owner_ref(owner: Obj, controller: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": controller,
        "blockOwnerDeletion": True,
    }


def controller_of(obj: Obj) -> dict[str, Any] | None:
    return next((r for r in obj["metadata"].get("ownerReferences") or () if r.get("controller")), None)


def namespace(name: str, labels: dict[str, str] | None = None) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name, **(labels or {})}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def node(spec: dict[str, Any], index: int, version: str) -> Obj:
    """A Ready node from a scenario's shorthand (name, cpu, memory, zone, role)."""
    name = spec["name"]
    role = spec.get("role", "worker")
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": spec.get("instanceType", "e2-standard-4"),
        "topology.kubernetes.io/zone": spec.get("zone", "zone-a"),
        f"node-role.kubernetes.io/{role}": "",
        **(spec.get("labels") or {}),
    }
    cpu, memory = str(spec.get("cpu", "4")), str(spec.get("memory", "16Gi"))
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels, "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
        "spec": {"podCIDR": f"10.244.{index}.0/24", "podCIDRs": [f"10.244.{index}.0/24"],
                 "providerID": f"sandbox://{name}"},
        "status": {
            "capacity": {"cpu": cpu, "memory": memory, "pods": "110", "ephemeral-storage": "100Gi"},
            "allocatable": {"cpu": str(spec.get("allocatableCpu", cpu)), "memory": str(spec.get("allocatableMemory", memory)),
                            "pods": "110", "ephemeral-storage": "92Gi"},
            "addresses": [{"type": "InternalIP", "address": f"10.0.1.{10 + index}"}, {"type": "Hostname", "address": name}],
            "nodeInfo": {
                "kubeletVersion": version,
                "kubeProxyVersion": version,
                "containerRuntimeVersion": "containerd://1.7.20",
                "osImage": "Ubuntu 22.04.4 LTS",
                "kernelVersion": "5.15.0-1062-gcp",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "conditions": [],
        },
    }


def replicaset_for(deployment: Obj, pod_hash: str, revision: int) -> Obj:
    meta, spec = deployment["metadata"], deployment["spec"]
    template = copy.deepcopy(spec["template"])
    template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
    annotations = {REVISION: str(revision), "deployment.kubernetes.io/desired-replicas": str(spec.get("replicas", 1))}
    if cause := (meta.get("annotations") or {}).get(CHANGE_CAUSE):
        annotations[CHANGE_CAUSE] = cause
    selector = copy.deepcopy(spec["selector"])
    selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{meta['name']}-{pod_hash}",
            "namespace": meta["namespace"],
            "labels": dict(template["metadata"]["labels"]),
            "annotations": annotations,
            "ownerReferences": [owner_ref(deployment)],
        },
        "spec": {"replicas": spec.get("replicas", 1), "selector": selector, "template": template},
        "status": {"replicas": 0, "observedGeneration": 1},
    }


def pod_from_template(owner: Obj, template: dict[str, Any], name: str, extra_labels: dict[str, str] | None = None) -> Obj:
    tmeta = template.get("metadata") or {}
    pod: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": owner["metadata"]["namespace"],
            "labels": {**(tmeta.get("labels") or {}), **(extra_labels or {})},
            "ownerReferences": [owner_ref(owner)],
        },
        "spec": copy.deepcopy(template.get("spec") or {}),
        "status": {"phase": "Pending"},
    }
    if tmeta.get("annotations"):
        pod["metadata"]["annotations"] = dict(tmeta["annotations"])
    if owner["kind"] in ("ReplicaSet", "DaemonSet", "Job", "StatefulSet"):
        pod["metadata"]["generateName"] = name[: name.rfind("-") + 1] if owner["kind"] != "StatefulSet" else owner["metadata"]["name"] + "-"
    default(pod)
    return pod


# --- defaulting -------------------------------------------------------------------------------------------------


def default(obj: Obj) -> Obj:
    """Fill in what the API server defaults, in place (the parts a reader of ``get -o json`` would notice)."""
    kind = obj.get("kind")
    obj.setdefault("metadata", {})
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"):
        spec = obj.setdefault("spec", {})
        _default_pod_spec(spec.setdefault("template", {}).setdefault("spec", {}), job=kind == "Job")
        if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
            spec.setdefault("replicas", 1)
        if kind != "Job":
            spec.setdefault("revisionHistoryLimit", 10)
        if kind == "Deployment":
            spec.setdefault("strategy", {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
            spec.setdefault("progressDeadlineSeconds", 600)
        if kind == "Job":
            spec.setdefault("backoffLimit", 6)
            spec.setdefault("completions", 1)
            spec.setdefault("parallelism", 1)
    elif kind == "CronJob":
        spec = obj.setdefault("spec", {})
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        job_spec = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
        _default_pod_spec(job_spec.setdefault("template", {}).setdefault("spec", {}), job=True)
    elif kind == "Pod":
        spec = obj.setdefault("spec", {})
        _default_pod_spec(spec, job=False)
        # Added to pods (not templates) by the DefaultTolerationSeconds admission plugin.
        spec.setdefault("tolerations", copy.deepcopy(_DEFAULT_TOLERATIONS))
    elif kind == "Service":
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports") or ():
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    elif kind == "Secret":
        obj.setdefault("type", "Opaque")
    elif kind == "Namespace":
        name = obj["metadata"].get("name", "")
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
    elif kind == "PersistentVolumeClaim":
        obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
    return obj


def _default_pod_spec(spec: dict[str, Any], job: bool) -> None:
    spec.setdefault("restartPolicy", "Never" if job else "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    for container in spec.get("containers") or ():
        image = str(container.get("image", ""))
        container.setdefault("imagePullPolicy", "Always" if image.endswith(":latest") or ":" not in image else "IfNotPresent")
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("terminationMessagePolicy", "File")
        container.setdefault("resources", {})
        for port in container.get("ports") or ():
            port.setdefault("protocol", "TCP")
