"""Context memory for one conversation: where we are, what was talked about, what we are waiting for, what was done.

``view()`` is the snapshot the reader gets: it never sees (or changes) the session itself.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kubecopilot.diagnosis.models import Diagnosis, FixSpec
from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.dialogue.reading import Previous, Question, Reading, Recent, SessionView
from kubecopilot.dialogue.registry import FREE_SLOTS
from kubecopilot.dialogue.turns import Option, Suggestion
from kubecopilot.messages import Language

if TYPE_CHECKING:
    from kubecopilot.plans.model import ResourceRef

MAX_RECENT = 12
YES_NO_SLOTS = frozenset({"confirm", "next_fix"})


@dataclass
class EntityRef:
    kind: str  # "pod", "deployment", …
    name: str
    namespace: str | None
    cluster: str | None = None
    owner: str | None = None  # a pod's workload: "deployment/billing-api"


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
    reading: Reading | None = None  # what the request was read as (its words go only to a model: the planner)


@dataclass
class Executed:
    """A plan this session executed: what it changed, whether it was verified, and the pod template it replaced."""

    plan_id: str
    ref: ResourceRef
    summary: str
    verified: bool | None
    template_before: dict[str, Any] | None = None  # the workload's pod template before the change
    undoes: str | None = None  # this plan undid that one ("undo that")


@dataclass
class Session:
    cluster: str | None = None
    namespace: str | None = None
    language: Language = "en"
    recent: list[EntityRef] = field(default_factory=list)  # most recent first
    rows: list[EntityRef] = field(default_factory=list)  # the rows of the last table shown
    rows_newer: bool = False  # the last table came after the last entity talked about
    pending: PendingRequest | None = None
    choices: list[Suggestion] = field(default_factory=list)  # what a bare number picks (menu or suggestions)
    choices_origin: str = "menu"
    offers: int = 0  # how many lists were offered so far: a turn that offered none leaves the quick menu
    history: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=20))
    last_diagnosis: Diagnosis | None = None
    diagnosed: EntityRef | None = None  # what the last diagnosis was about
    # What a fix of the last diagnosis may change (the diagnosed workload, its pods, the rules' own fix target).
    # Kept with the diagnosis, so a conversation resumed on this session is bound the same way; the model never sets it.
    fix_targets: list[ResourceRef] = field(default_factory=list)
    last_plan_id: str | None = None
    redaction_told: bool = False
    executed: list[Executed] = field(default_factory=list)  # most recent first
    last_fixes: list[FixSpec] = field(default_factory=list)  # the fixes of the last scan shown ("fix all of them")
    fix_queue: list[FixSpec] = field(default_factory=list)  # "fix all of them": the plans still to propose
    undo_plans: dict[str, str] = field(default_factory=dict)  # a proposed undo plan → the plan it undoes
    last_request: PendingRequest | None = None  # the last read or change run: what "and in production?" repeats

    def remember(self, kind: str, name: str, namespace: str | None, cluster: str | None = None,
                 owner: str | None = None) -> None:
        """Record the entity the conversation is now about; the namespace becomes the current one."""
        known = next((e for e in self.recent if (e.kind, e.name, e.namespace) == (kind, name, namespace)), None)
        entity = EntityRef(kind, name, namespace, cluster or self.cluster, owner or (known.owner if known else None))
        self.recent = [entity, *[e for e in self.recent if e is not known]][:MAX_RECENT]
        self.rows_newer = False
        if namespace:
            self.namespace = namespace

    def last(self, *kinds: str) -> EntityRef | None:
        """The most recent entity of one of ``kinds`` (any kind if none given)."""
        return next((e for e in self.recent if not kinds or e.kind in kinds), None)

    @property
    def entities(self) -> dict[str, EntityRef]:
        """The last entity of each kind (and "last": the most recent of all)."""
        found: dict[str, EntityRef] = {}
        for entity in reversed(self.recent):
            found[entity.kind] = entity
        if self.recent:
            found["last"] = self.recent[0]
        return found

    def show_rows(self, rows: list[EntityRef]) -> None:
        self.rows, self.rows_newer = list(rows), True

    def cured(self, kind: str, name: str, namespace: str | None) -> Executed | None:
        """The verified change of this session that cured this workload, if one did and was not undone."""
        for done in self.executed:
            ref = done.ref
            if (ref.kind.lower(), ref.name, ref.namespace) == (kind.lower(), name, namespace):
                return done if done.verified and done.undoes is None else None
        return None

    def broken_templates(self, kind: str, name: str, namespace: str | None) -> list[tuple[str, dict[str, Any]]]:
        """(plan id, pod template) of every template a verified change of this session moved this workload away from."""
        return [(d.plan_id, d.template_before) for d in self.executed
                if d.verified and d.undoes is None and d.template_before is not None
                and (d.ref.kind.lower(), d.ref.name, d.ref.namespace) == (kind.lower(), name, namespace)]

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
        self.offers += 1

    def view(self) -> SessionView:
        """The snapshot the reader reads a message against."""
        pending = self.pending
        question = None
        if pending is not None:
            question = Question(slot=pending.slot, intent=pending.request.intent, options=tuple(pending.options),
                                yes_no=pending.slot in YES_NO_SLOTS, free_text=pending.slot in FREE_SLOTS,
                                filled=dict(pending.filled))
        recent = tuple(Recent(e.kind, e.name, e.namespace, e.owner) for e in self.recent)
        if self.rows_newer and len(self.rows) == 1:  # "describe it" after a table of one row: that row
            only = self.rows[0]
            recent = (Recent(only.kind, only.name, only.namespace, only.owner), *recent)
        rows = tuple(Recent(e.kind, e.name, e.namespace, e.owner) for e in self.rows)
        return SessionView(cluster=self.cluster, namespace=self.namespace, language=self.language, question=question,
                           choices=len(self.choices), recent=recent, rows=rows, fixes=len(self.last_fixes),
                           plan_waiting=self.last_plan_id, previous=self._previous())

    def _previous(self) -> Previous | None:
        """The last request run, with the answer to its last question and the options it did not pick."""
        last = self.last_request
        if last is None:
            return None
        picked = last.filled.get(last.slot) if last.slot else None
        others = tuple(o.value for o in last.options if o.value != picked) if isinstance(picked, str) else ()
        return Previous(request=last.request, namespace=last.filled.get("namespace") or last.request.namespace,
                        slot=last.slot or None, picked=picked if isinstance(picked, str) else None, others=others,
                        reading=last.reading)

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
        self.recent.clear()
        self.rows.clear()
        self.pending = None

