"""The rules' reading of a message, sharpened by the names the cluster is known to have.

Names cost nothing when cached; a list is read only when the text seems to name a place, or when a target must be
checked (a model could do better, or the rules would offer what to do with a thing they only saw named).
"""

from __future__ import annotations

import re
from typing import Any

from kubecopilot.dialogue import intents
from kubecopilot.dialogue.intents import Understood
from kubecopilot.errors import KubeCopilotError
from kubecopilot.tools.ports import Gateway

# "in dev", "-n dev", "namespace dev", "on prod-cluster", "在 dev", "dev 命名空间", "集群": the text may name a place
_NAMES_A_PLACE = re.compile(r"\b(in|from|on|within|namespace|ns|cluster|to|use)\b|(^|\s)-n\s|--(namespace|cluster)|"
                            r"在|命名空间|集群|切换", re.I)
NO_NAMES_NEEDED = frozenset({"refresh_cache", "menu", "help", "context", "choose", "cancel"})
TARGET_CAPABILITIES = ("list_deployments", "list_pods", "list_nodes")


class KnownNames:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def read(self, text: str, *, cluster: str | None, model_configured: bool) -> Understood:
        understood = intents.understand(text)
        if understood.request.intent in NO_NAMES_NEEDED:
            return understood
        names_something = bool(_NAMES_A_PLACE.search(text))
        known_ns = [r.name for r in self.records("list_namespaces", read=names_something, cluster=cluster)]
        known_clusters = [r.name for r in self.records("list_clusters", read=names_something, cluster=cluster)]
        first = intents.understand(text, known_namespaces=known_ns, known_clusters=known_clusters)
        check = first.request.target and (model_configured or first.unsure == "unknown")
        names = (self.targets(first.request.cluster or cluster) or None) if check else None  # unreadable: not judged
        return intents.understand(text, known_namespaces=known_ns, known_clusters=known_clusters, known_names=names)

    def targets(self, cluster: str | None) -> list[str]:
        """Names a target may be a part of: pods, workloads and nodes (cached lists, read once when missing)."""
        return [r.name for capability in TARGET_CAPABILITIES for r in self.records(capability, read=True, cluster=cluster)]

    def records(self, capability: str, *, read: bool, cluster: str | None) -> list[Any]:
        """Cached records for free; a (cached) read only when ``read``; nothing when the server cannot say."""
        try:
            cached = self.gateway.cached_records(capability, cluster=cluster)
            if cached is not None or not read:
                return list(cached or [])
            return list(self.gateway.records(capability, cluster=cluster).records)
        except KubeCopilotError:
            return []
