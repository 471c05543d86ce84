"""A kubeconfig for the sandbox's Kubernetes API: one cluster, user and context per sandbox cluster (named like the
cluster), the current context is the sandbox's current cluster, namespace ``default``. No credentials: the API is
plain http on loopback."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from kubecopilot.sandbox.world import ClusterSet

PREFIX = "/k8s"
USER = "sandbox-user"


def api_url(base: str, cluster: str) -> str:
    """``http://127.0.0.1:8001`` + ``dev-cluster`` → ``http://127.0.0.1:8001/k8s/dev-cluster``."""
    return f"{base.rstrip('/')}{PREFIX}/{cluster}"


def kubeconfig(world: ClusterSet, base: str) -> dict[str, Any]:
    names = list(world.clusters)
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": n, "cluster": {"server": api_url(base, n)}} for n in names],
        "users": [{"name": USER, "user": {}}],
        "contexts": [{"name": n, "context": {"cluster": n, "user": USER, "namespace": "default"}} for n in names],
        "current-context": world.current,
    }


def write_kubeconfig(world: ClusterSet, base: str, path: str | os.PathLike[str]) -> Path:
    """Write the kubeconfig (mode 0600, as kubectl writes its own); returns the path."""
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(kubeconfig(world, base), sort_keys=False)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    return target
