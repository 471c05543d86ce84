"""The intent registry: every intent's data, once, from ``intents.yaml`` (pydantic, ``extra="forbid"``).

An intent has a group, a line of help for the coordinator model, the slots it needs, for a direct change the plan
action and kind (checked against the whitelist before any question is asked), and its "did you mean …?" label per
language. The rule engine's vocabulary (keywords per rule, kinds, pronouns, stopwords) lives in the same file and is
checked here too: a rule naming an intent the registry does not know is a ``ConfigError``, not a silent miss.
Python keeps only the handlers (``handlers.py``), keyed by these names.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema, field_validator, model_validator

from kubecopilot.diagnosis.models import FixAction
from kubecopilot.errors import ConfigError
from kubecopilot.messages import Language, say
from kubecopilot.resources import package_path, read_yaml

INTENT_FILE = package_path("dialogue", "intents.yaml")
Group = Literal["read", "analysis", "change", "session", "follow_up"]


class Slot(StrEnum):
    """What a request can need filled. A StrEnum, so a value doubles as the key in ``PendingRequest.filled``."""

    NAMESPACE = "namespace"
    POD = "pod"
    DEPLOYMENT = "deployment"
    OBJECT = "object"  # a pod or a deployment, whichever the name says (describe/events)
    WORKLOAD = "workload"  # a deployment, else a pod, or a node when the user said node (diagnose/fix)
    CONTAINER = "container"
    REPLICAS = "replicas"
    IMAGE = "image"
    RESOURCES = "resources"


# Answered by typing a value; options are only suggestions.
FREE_SLOTS: frozenset[Slot] = frozenset({Slot.REPLICAS, Slot.IMAGE, Slot.RESOURCES})


@dataclass(frozen=True)
class Need:
    """One slot an intent needs; an optional one is left empty rather than asked for."""

    slot: Slot
    optional: bool = False


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Change(_Strict):
    """A direct change: the plan action and kind it is, and the fix it builds from the filled slots."""

    action: Literal["create", "update", "delete", "scale", "restart"]
    kind: Literal["Deployment", "StatefulSet", "Pod"]
    fix: FixAction


class IntentSpec(_Strict):
    group: Group
    help: str
    slots: tuple[Need, ...] = ()
    change: Change | None = None
    label: dict[Language, str] | None = None

    @field_validator("slots", mode="before")
    @classmethod
    def _needs(cls, names: object) -> tuple[Need, ...]:
        """``[namespace, "object?"]``: a slot name each, "?" for an optional one."""
        if not isinstance(names, list):
            raise ValueError("slots must be a list of slot names")
        try:
            return tuple(Need(Slot(str(n).rstrip("?")), optional=str(n).endswith("?")) for n in names)
        except ValueError as exc:
            raise ValueError(f"{exc}; slots: {', '.join(Slot)}") from None


class Keywords(_Strict):
    en: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)


class Rule(Keywords):
    intent: str
    needs: list[Keywords] = Field(default_factory=list)
    first: bool = False  # wins over every other match (symptoms: "keeps restarting" is never a restart)
    noun: bool = False  # only a kind ("pods", "deployment"): loses to any rule that says what to do with it


class KindWords(Keywords):
    kind: str  # the Kubernetes kind ("Pod")


class Stopwords(_Strict):
    en: str  # one string, split on spaces (a YAML list would turn on/off/yes/no into booleans)
    zh: str = ""


class IntentFile(_Strict):
    intents: dict[str, IntentSpec]
    rules: list[Rule]
    kinds: dict[str, KindWords]
    pronouns: Keywords
    stopwords: Stopwords

    @model_validator(mode="after")
    def _rules_name_known_intents(self) -> IntentFile:
        unknown = sorted({r.intent for r in self.rules} - set(self.intents))
        if unknown:
            raise ValueError(f"rules name unknown intents: {', '.join(unknown)}")
        return self

    def of(self, group: Group) -> frozenset[str]:
        return frozenset(name for name, spec in self.intents.items() if spec.group == group)


@functools.cache
def registry() -> IntentFile:
    try:
        return IntentFile.model_validate(read_yaml(INTENT_FILE))
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ConfigError(f"{INTENT_FILE.name}: {'.'.join(str(p) for p in error['loc'])}: {error['msg']}") from None


def _known(name: str) -> str:
    if name not in registry().intents:
        raise ValueError(f"unknown intent {name!r}")
    return name


# An intent's name, checked against the registry; its JSON schema (what a model is told) lists them all.
Intent = Annotated[str, AfterValidator(_known), WithJsonSchema({"type": "string", "enum": list(registry().intents)})]
CHANGE_INTENTS = registry().of("change")  # never acted on without an imperative, always through a plan
READ_INTENTS = registry().of("read")


def spec(intent: str) -> IntentSpec:
    return registry().intents[intent]


def intent_help() -> dict[str, str]:
    """Every intent and what it means, for the coordinator model."""
    return {name: intent.help for name, intent in registry().intents.items()}


def kind_name(resource_kind: str | None) -> str | None:
    """The Kubernetes kind of a kind the request named ("pod" → "Pod")."""
    words = registry().kinds.get(resource_kind or "")
    return words.kind if words else None


# The word the REPL's prompt shows for an open question ("(namespace) ❯", "(y/n) ❯"): never an internal slot name.
SLOT_WORDS = {"namespace": "slot_namespace", "pod": "slot_pod", "deployment": "slot_deployment", "object": "slot_object",
              "workload": "slot_workload", "node": "slot_node", "container": "slot_container", "replicas": "slot_replicas",
              "image": "slot_image", "resources": "slot_resources", "intent": "slot_intent", "confirm": "slot_confirm",
              "fix_choice": "slot_fix_choice", "next_fix": "slot_next_fix"}


def slot_word(slot: str, lang: Language) -> str:
    """What an open question asks for, in the person's language ("namespace", "命名空间", "y/n")."""
    return say(SLOT_WORDS.get(slot, "slot_intent"), lang)


def intent_label(intent: str, lang: Language, *, target: str | None = None, namespace: str | None = None) -> str:
    """"Show the logs of cart" / "查看 cart 的日志": the intent's label with the named target and namespace, if any."""
    labels = spec(intent).label if intent in registry().intents else None
    text = (labels or {}).get(lang) or (labels or {}).get("en") or intent.replace("_", " ")
    values = {"of": say("label_of", lang, target=target) if target else "",
              "it": say("label_it", lang, target=target) if target else "",
              "in": say("label_in", lang, namespace=namespace) if namespace else ""}
    return text.format(**values)
