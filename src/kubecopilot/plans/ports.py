"""What the plan domain needs from the outside world, as Protocols, so it never imports the tool layer.

``kubecopilot.tools.ops.ClusterOps`` and ``kubecopilot.tools.gate.ApprovalRegistry`` satisfy these; tests use
small in-memory fakes.
"""

from __future__ import annotations

from typing import Any, Protocol

from kubecopilot.plans.model import ResourceRef


class ClusterOps(Protocol):
    def read_object(self, ref: ResourceRef) -> dict[str, Any]:
        """The object as the cluster has it now (never cached). Raises a ``KubeCopilotError`` when missing."""

    def apply_patch(self, ref: ResourceRef, patch: list[dict[str, Any]], after: dict[str, Any],
                    approval: Any) -> Any:
        """Apply an RFC 6902 patch (``after`` is the full resulting object, for servers without a patch tool)."""

    def delete(self, ref: ResourceRef, approval: Any) -> Any:
        """Delete the object."""

    def planned_patch(self, ref: ResourceRef, patch: list[dict[str, Any]], current: dict[str, Any],
                      after: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The exact (tool, arguments) ``apply_patch`` will send when the object is ``current``."""

    def planned_delete(self, ref: ResourceRef) -> tuple[str, dict[str, Any]]:
        """The exact (tool, arguments) ``delete`` will send."""

    def revisions_of(self, ref: ResourceRef) -> list[dict[str, Any]]:
        """The workload's own revisions (ReplicaSets it controls, by owner uid), fresh; [] when it has none."""

    def pods_of(self, ref: ResourceRef) -> list[dict[str, Any]]:
        """The pods a workload (Deployment, StatefulSet, ReplicaSet) owns, fresh."""


class ApprovalRegistry(Protocol):
    def grant(self, plan_id: str, *, kind: str, namespace: str | None, name: str, cluster: str | None = None,
              ttl_s: float = 600, calls: Any = None) -> Any:
        """Issue the token the gateway demands for a write on this one resource, for exactly ``calls``."""

    def revoke(self, approval: Any) -> Any:
        """Withdraw a token ``grant`` issued (after the execution: approvals are single use)."""
