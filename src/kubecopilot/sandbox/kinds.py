"""The resource kinds the sandbox serves, and how people and tools name them ("deploy", "deployments.apps")."""

from __future__ import annotations

from dataclasses import dataclass

from kubecopilot.sandbox.errors import BadRequest


@dataclass(frozen=True)
class Kind:
    kind: str
    api_version: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ("create", "delete", "get", "list", "patch", "update", "watch")

    @property
    def group(self) -> str:
        return self.api_version.split("/")[0] if "/" in self.api_version else ""

    @property
    def resource(self) -> str:
        """The name the API server uses in messages: ``pods``, ``deployments.apps``."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"


KINDS: tuple[Kind, ...] = (
    Kind("Namespace", "v1", "namespaces", False, ("ns",)),
    Kind("Node", "v1", "nodes", False, ("no",)),
    Kind("Pod", "v1", "pods", True, ("po",)),
    Kind("Service", "v1", "services", True, ("svc",)),
    Kind("Endpoints", "v1", "endpoints", True, ("ep",)),
    Kind("ConfigMap", "v1", "configmaps", True, ("cm",)),
    Kind("Secret", "v1", "secrets", True),
    Kind("PersistentVolumeClaim", "v1", "persistentvolumeclaims", True, ("pvc",)),
    Kind("PersistentVolume", "v1", "persistentvolumes", False, ("pv",)),
    Kind("Event", "v1", "events", True, ("ev",)),
    Kind("Deployment", "apps/v1", "deployments", True, ("deploy",)),
    Kind("ReplicaSet", "apps/v1", "replicasets", True, ("rs",)),
    Kind("StatefulSet", "apps/v1", "statefulsets", True, ("sts",)),
    Kind("DaemonSet", "apps/v1", "daemonsets", True, ("ds",)),
    Kind("Job", "batch/v1", "jobs", True),
    Kind("CronJob", "batch/v1", "cronjobs", True, ("cj",)),
    Kind("Ingress", "networking.k8s.io/v1", "ingresses", True, ("ing",)),
    Kind("HorizontalPodAutoscaler", "autoscaling/v2", "horizontalpodautoscalers", True, ("hpa",)),
    Kind("PodDisruptionBudget", "policy/v1", "poddisruptionbudgets", True, ("pdb",)),
    Kind("ResourceQuota", "v1", "resourcequotas", True, ("quota",)),
    Kind("StorageClass", "storage.k8s.io/v1", "storageclasses", False, ("sc",)),
)

_BY_KIND = {k.kind: k for k in KINDS}
_ALIASES: dict[str, Kind] = {}
for _k in KINDS:
    for _alias in (_k.kind, _k.plural, _k.plural.rstrip("s"), _k.resource, *_k.short_names):
        _ALIASES[_alias.lower()] = _k
_ALIASES["endpoints"] = _BY_KIND["Endpoints"]
_ALIASES["ingress"] = _BY_KIND["Ingress"]


def by_kind(kind: str) -> Kind:
    return _BY_KIND[kind]


def resolve(name: str, api_version: str | None = None) -> Kind:
    """Accept ``Deployment``, ``deployment``, ``deployments``, ``deploy``, ``deployments.apps``, ``apps/v1/Deployment``."""
    text = (name or "").strip()
    if "/" in text and api_version is None:
        api_version, text = text.rsplit("/", 1)
    found = _ALIASES.get(text.lower())
    if found is None:
        raise BadRequest(
            f'the server doesn\'t have a resource type "{text}"',
            hint="known kinds: " + ", ".join(k.kind for k in KINDS),
        )
    if api_version and api_version != found.api_version:
        raise BadRequest(
            f'no matches for kind "{found.kind}" in version "{api_version}"',
            hint=f"{found.kind} is served as {found.api_version}",
        )
    return found
