"""Context memory for one conversation: where we are, what was last talked about, what we are waiting for."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kubecopilot.diagnosis.models import Diagnosis
from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.dialogue.turns import Option, Suggestion
from kubecopilot.messages import Language

if TYPE_CHECKING:
    from kubecopilot.plans.model import ResourceRef


@dataclass
class EntityRef:
    kind: str  # "pod", "deployment", …
    name: str
    namespace: str | None
    cluster: str | None = None


@dataclass
class PendingRequest:
    """A request waiting for one slot. ``filled`` holds what is known; ``options`` what was offered."""

    request: RoutedRequest
    filled: dict[str, Any]
    slot: str
    options: list[Option] = field(default_factory=list)
    full_options: list[Option] = field(default_factory=list)  # before narrowing, for "list them"
    asked: int = 1  # how often we asked; a third failed answer gives up instead of looping
    target_object: dict[str, Any] | None = None  # the deployment being changed, read once per request
    recovered: bool = False  # a stale cached value was already re-read once for this request (no loops)


@dataclass
class Session:
    cluster: str | None = None
    namespace: str | None = None
    language: Language = "en"
    entities: dict[str, EntityRef] = field(default_factory=dict)  # last mentioned, by kind
    pending: PendingRequest | None = None
    choices: list[Suggestion] = field(default_factory=list)  # what a bare number picks (menu or suggestions)
    choices_origin: str = "menu"
    history: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=20))
    last_diagnosis: Diagnosis | None = None
    # What a fix of the last diagnosis may change (the diagnosed workload, its pods, the rules' own fix target).
    # Kept with the diagnosis, so a conversation resumed on this session is bound the same way; the model never sets it.
    fix_targets: list[ResourceRef] = field(default_factory=list)
    last_plan_id: str | None = None
    redaction_told: bool = False

    def remember(self, kind: str, name: str, namespace: str | None, cluster: str | None = None) -> None:
        """Record the entity the conversation is now about; the namespace becomes the current one."""
        self.entities[kind] = EntityRef(kind, name, namespace, cluster or self.cluster)
        self.entities["last"] = self.entities[kind]
        if namespace:
            self.namespace = namespace

    def last(self, *kinds: str) -> EntityRef | None:
        """The most recent entity of one of ``kinds`` (any kind if none given)."""
        if not kinds:
            return self.entities.get("last")
        last = self.entities.get("last")
        if last and last.kind in kinds:
            return last
        for kind in kinds:
            if kind in self.entities:
                return self.entities[kind]
        return None

    def set_namespace(self, namespace: str | None) -> None:
        if namespace != self.namespace:
            self.namespace = namespace
            self._forget_entities()

    def set_cluster(self, cluster: str | None) -> None:
        if cluster != self.cluster:
            self.cluster = cluster
            self.namespace = None
            self._forget_entities()

    def offer(self, choices: list[Suggestion], origin: str) -> None:
        self.choices = list(choices)
        self.choices_origin = origin

    def context(self) -> dict[str, Any]:
        """What ``/context`` shows."""
        return {
            "cluster": self.cluster,
            "namespace": self.namespace,
            "recent": {k: f"{v.namespace}/{v.name}" if v.namespace else v.name for k, v in self.entities.items() if k != "last"},
            "waiting_for": self.pending.slot if self.pending else None,
            "last_plan": self.last_plan_id,
            "language": self.language,
        }

    def _forget_entities(self) -> None:
        self.entities.clear()
        self.pending = None
