"""Discovery as client-go reads it (legacy, not aggregated): ``/version``, ``/api``, ``/apis`` and one
APIResourceList per group version, with the subresources kubectl looks for (``pods/log``, ``deployments/scale`` as
``autoscaling/v1 Scale``, ``…/status``). The stored kinds come from ``sandbox.kinds``; three groups are served
without being stored: ``authorization.k8s.io`` (access reviews, always allowed), ``metrics.k8s.io`` (``kubectl top``,
from ``sandbox.metrics``) and ``events.k8s.io`` (the core events in the newer shape)."""

from __future__ import annotations

from typing import Any

from kubecopilot.sandbox import kinds
from kubecopilot.sandbox.errors import NotFound

READ_VERBS = ["get", "list", "watch"]
ALL_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
SUBRESOURCE_VERBS = ["get", "patch", "update"]
SCALABLE = ("deployments", "replicasets", "statefulsets")
WITH_STATUS = ("pods", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs", "nodes",
               "namespaces", "services", "persistentvolumeclaims", "persistentvolumes", "horizontalpodautoscalers",
               "poddisruptionbudgets", "resourcequotas", "ingresses")
# `kubectl get all` lists the resources in category "all".
CATEGORY_ALL = ("pods", "services", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs",
                "horizontalpodautoscalers")

AUTHORIZATION = "authorization.k8s.io/v1"
METRICS = "metrics.k8s.io/v1beta1"
EVENTS = "events.k8s.io/v1"


def _entry(name: str, kind: str, namespaced: bool, verbs: list[str], **extra: Any) -> dict[str, Any]:
    singular = kind.lower() if "/" not in name else ""
    return {"name": name, "singularName": singular, "namespaced": namespaced, "kind": kind, "verbs": verbs, **extra}


def _stored(k: kinds.Kind) -> list[dict[str, Any]]:
    extra: dict[str, Any] = {}
    if k.short_names:
        extra["shortNames"] = list(k.short_names)
    if k.plural in CATEGORY_ALL:
        extra["categories"] = ["all"]
    entries = [_entry(k.plural, k.kind, k.namespaced, sorted(k.verbs), **extra)]
    if k.plural in WITH_STATUS:
        entries.append(_entry(f"{k.plural}/status", k.kind, k.namespaced, SUBRESOURCE_VERBS))
    if k.plural in SCALABLE:
        entries.append(_entry(f"{k.plural}/scale", "Scale", True, SUBRESOURCE_VERBS, group="autoscaling", version="v1"))
    if k.plural == "pods":
        entries.append(_entry("pods/log", "Pod", True, ["get"]))
    return entries


def _extra_groups() -> dict[str, list[dict[str, Any]]]:
    return {
        AUTHORIZATION: [_entry("selfsubjectaccessreviews", "SelfSubjectAccessReview", False, ["create"]),
                        _entry("selfsubjectrulesreviews", "SelfSubjectRulesReview", False, ["create"])],
        METRICS: [_entry("pods", "PodMetrics", True, ["get", "list"]), _entry("nodes", "NodeMetrics", False, ["get", "list"])],
        EVENTS: [_entry("events", "Event", True, READ_VERBS, shortNames=["ev"])],
    }


def resource_lists() -> dict[str, list[dict[str, Any]]]:
    """APIResource entries by group version, in the order the groups are listed."""
    lists: dict[str, list[dict[str, Any]]] = {}
    for k in kinds.KINDS:
        lists.setdefault(k.api_version, []).extend(_stored(k))
    lists.update(_extra_groups())
    return lists


_LISTS = resource_lists()


def resource_list(group_version: str) -> dict[str, Any]:
    resources = _LISTS.get(group_version)
    if resources is None:
        raise NotFound(f"the server could not find the requested resource (get {group_version})")
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}


def core_versions(server_address: str) -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def group_list() -> dict[str, Any]:
    groups = []
    for group_version in _LISTS:
        if "/" not in group_version:
            continue
        name, version = group_version.split("/")
        gv = {"groupVersion": group_version, "version": version}
        groups.append({"name": name, "versions": [gv], "preferredVersion": gv})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(name: str) -> dict[str, Any]:
    for entry in group_list()["groups"]:
        if entry["name"] == name:
            return {"kind": "APIGroup", "apiVersion": "v1", **entry}
    raise NotFound(f"the server could not find the requested resource (get {name})")


def version_info(git_version: str) -> dict[str, Any]:
    major, minor, _ = git_version.lstrip("v").split(".")
    return {"major": major, "minor": minor, "gitVersion": git_version, "gitCommit": "0" * 40, "gitTreeState": "clean",
            "buildDate": "2024-08-14T00:00:00Z", "goVersion": "go1.22.5", "compiler": "gc", "platform": "linux/amd64"}


def stored_kind(group_version: str, resource: str) -> kinds.Kind | None:
    """The sandbox kind served at ``group_version``/``resource``, or None (a non-stored or unknown resource)."""
    return next((k for k in kinds.KINDS if k.api_version == group_version and k.plural == resource), None)
