"""Kubernetes API paths, parsed: ``/api/v1/namespaces/dev/pods/x/log`` → group "", version v1, namespace dev,
resource pods, name x, subresource log. The cluster prefix (``/k8s/<cluster>``) is stripped before this."""

from __future__ import annotations

from dataclasses import dataclass

from kubecopilot.sandbox.errors import NotFound


@dataclass(frozen=True)
class ResourcePath:
    group: str
    version: str
    resource: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


def parse(path: str) -> ResourcePath:
    """A resource path below ``/api/v1`` or ``/apis/<group>/<version>``; raises NotFound for anything else."""
    parts = [p for p in path.strip("/").split("/") if p]
    if len(parts) >= 3 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise _not_found(path)
    namespace: str | None = None
    # /namespaces/<ns>/<resource>… is namespaced; /namespaces and /namespaces/<ns>[/status] are the Namespace itself.
    if len(rest) >= 3 and rest[0] == "namespaces" and not (group == "" and rest[2] in ("status", "finalize")):
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        raise _not_found(path)
    padded = [*rest, None, None]
    return ResourcePath(group, version, rest[0], namespace, padded[1], padded[2])


def _not_found(path: str) -> NotFound:
    return NotFound(f"the server could not find the requested resource ({path})")
