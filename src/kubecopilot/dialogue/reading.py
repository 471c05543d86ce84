"""The one typed reading of a message: what the person wants, which things of the cluster they named, and — when a
question is open — how the message answers it.

``reader.read`` makes a ``Reading`` from the text, a ``SessionView`` (what the conversation knows and asked) and the
names of the cluster; nothing after it reads the text again. Routing, slot filling and handlers work on the reading.
The ``RoutedRequest`` inside is the model-facing schema (the coordinator model returns one); ``Reading.of_model``
turns the model's reading into one of these, with its names linked like the rules' names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.dialogue.turns import Option

SURE, UNSURE = 0.9, 0.6  # a reading's confidence: the rules are sure / they offer what they read as one choice
FOLLOW_UPS = frozenset({"unknown", "choose", "cancel"})  # the conversation's own intents (no handler)
ROUTED_UNSURE = frozenset({"unresolved_target", "typo_read"})  # not sure, yet routed as read when no model decides
MentionKind = Literal["cluster", "namespace", "node", "deployment", "pod", "object"]
HowMatched = Literal["exact", "prefix", "part", "fuzzy", "marked", "unlinked", "reference", "owner", "successor", "row"]
ReplyKind = Literal["pick", "list", "cancel", "yes", "no", "value", "narrowed", "correction", "invalid"]
Scope = Literal["one", "all"]
Sort = Literal["restarts"]


@dataclass(frozen=True)
class Mention:
    """One thing of the cluster the message names, and how the name was matched.

    ``kind`` is what the inventory says it is ("object": the name matched nothing of a known kind). ``name`` is the
    name in the cluster (for a part such as "cart-service", the part itself: several objects contain it).
    """

    kind: MentionKind
    name: str
    how: HowMatched
    said: str = ""  # as typed ("prodution" for a fuzzy "production")
    span: tuple[int, int] | None = None
    namespace: str | None = None
    candidates: int = 1  # how many objects the name matched

    @property
    def linked(self) -> bool:
        return self.how not in ("unlinked", "marked")


@dataclass(frozen=True)
class Note:
    """Something the reading took for granted, to be said to the person: a message key and its values."""

    key: str
    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, key: str, **values: str) -> Note:
        return cls(key, tuple(values.items()))


@dataclass(frozen=True)
class Reply:
    """How a message answers the open question."""

    kind: ReplyKind
    option: Option | None = None  # pick
    options: tuple[Option, ...] = ()  # narrowed
    value: str = ""  # value (an open question), correction (the corrected value), invalid (what was typed)
    slot: str | None = None  # correction: the slot it corrects (an earlier one, or the one asked)
    note: str | None = None  # a fuzzy pick: the name that was typed
    number: int | None = None  # invalid: the number that picks nothing


@dataclass(frozen=True)
class Question:
    """The open question, as the reader needs it: its slot, its options and what an answer can be."""

    slot: str
    intent: str = "unknown"  # the request the question is for
    options: tuple[Option, ...] = ()
    yes_no: bool = False
    free_text: bool = False
    filled: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Recent:
    """An entity the conversation talked about (most recent first in ``SessionView.recent``)."""

    kind: str
    name: str
    namespace: str | None
    owner: str | None = None  # a pod's workload, "deployment/billing-api"


@dataclass(frozen=True)
class Previous:
    """The last request the conversation ran, for a follow-up that repeats it ("and in production?", "production 呢",
    "no, the other one"): as read, the namespace it ran in, and the answer to its last question with the options
    that were not picked."""

    request: RoutedRequest
    namespace: str | None = None
    slot: str | None = None  # the last slot asked
    picked: str | None = None  # how it was answered
    others: tuple[str, ...] = ()  # the options not picked
    reading: Reading | None = None


@dataclass(frozen=True)
class SessionView:
    """What the reader may know of the session: a snapshot, never the session itself."""

    cluster: str | None = None
    namespace: str | None = None
    language: str = "en"
    question: Question | None = None
    choices: int = 0  # numbered next steps on screen
    recent: tuple[Recent, ...] = ()
    rows: tuple[Recent, ...] = ()  # the rows of the last table, in order
    fixes: int = 0  # fixes of the last scan on screen ("fix all of them")
    plan_waiting: str | None = None  # a proposed plan still waiting for its approval
    previous: Previous | None = None  # the last request run (a follow-up may repeat it)


@dataclass(frozen=True)
class Reading:
    """The reading of one message. ``request`` carries the intent and the slots as the handlers take them."""

    text: str  # the words, for a model (the planner) only; never parsed again
    request: RoutedRequest
    mentions: tuple[Mention, ...] = ()
    reply: Reply | None = None  # set only when a question is open and the message answers it
    confidence: float = 0.0
    candidates: tuple[str, ...] = ()  # nearest intents, best first (for "did you mean …?")
    # "unknown" | "question" | "not_imperative" | "typo" | "unresolved_target" | "typo_read" (a read through a typo:
    # done offline, and said; with a model configured, the model reads it)
    unsure: str | None = None
    scope: Scope = "one"  # "fix all of them"
    only_unhealthy: bool = False  # "which deployments are not available", "nodes that are not ready"
    sort: Sort | None = None  # "which pods restart the most"
    everywhere: bool = False  # "where is cart-service running", "kubectl get pods -A": every namespace
    count: bool = False  # "how many pods are in dev", "dev 里有几个 pod": the number, and the list
    on_node: str | None = None  # "what runs on dev-node-1": the pods of one node (every namespace)
    unknown_place: str | None = None  # "in staging": a place the person named that the cluster does not have
    notes: tuple[Note, ...] = ()  # what the reading took for granted, to be said ("prodution" → production)
    language_said: str | None = None  # the language the message is written in (None: a bare name, number or "y")
    answer_without_question: Literal["yes", "no"] | None = None  # "y" with nothing asked

    @property
    def intent(self) -> str:
        return self.request.intent

    @property
    def sure(self) -> bool:
        return self.unsure is None

    def target(self) -> Mention | None:
        return next((m for m in self.mentions if m.kind not in ("cluster", "namespace")), None)

    def with_request(self, request: RoutedRequest, **changes: Any) -> Reading:
        return replace(self, request=request, **changes)
