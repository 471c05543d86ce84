"""The sandbox's tool implementations: one function per tool, named like it, taking the ``Cluster`` first.

Importing this package registers them all in ``OPERATIONS``.
"""

from kubecopilot.sandbox.ops import clusters, deployments, generic, pods, resources  # noqa: F401  (registration)
from kubecopilot.sandbox.ops.common import OPERATIONS

__all__ = ["OPERATIONS"]
