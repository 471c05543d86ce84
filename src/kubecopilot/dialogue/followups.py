"""A follow-up that says only what changes: the last request again, with a new place or target.

"and in production?", "what about prod-cluster?", "production 呢", "换成 production 看看", "switch back to dev", "no, I
meant production", "and report-worker?" — a message with no request of its own that names a place or a thing, said
as a follow-up (or nothing but the place: "production?"). "no, the other one" / "另一个" is the last question's
other option; "how many?" / "有几个" after a list is that list, counted. A read is repeated; a change is only
offered ("did you mean …?"), never planned from an ellipsis.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from kubecopilot.dialogue import linking, phrases
from kubecopilot.dialogue.intents import vocabulary
from kubecopilot.dialogue.places import Places
from kubecopilot.dialogue.reading import SURE, UNSURE, Mention, Note, Previous, Reading, SessionView
from kubecopilot.dialogue.registry import CHANGE_INTENTS
from kubecopilot.dialogue.shape import COUNTABLE

_MARKER = re.compile(
    r"^\s*(?:and|and what about|and how about|what about|how about|what of|now|then|also|same(?: thing)?|ok(?:ay)?|"
    r"try|do the same|same for|same in|instead)\b|\b(?:too|as well|instead|also)\s*[?.!]*\s*$|"
    r"呢\s*[？?]?\s*$|^\s*那\s*|换成|换到|改成|改为|也看看|也看一下|也查一下|再看看|再看一下|还有", re.I)
_BACK = re.compile(r"\b(?:switch|go|come|move|change|get) back\b|\bback to\b|切回|换回|回到", re.I)
_OTHER = re.compile(r"\bthe other(?: one)?\b|\banother one\b|\bnot that one\b|另一个|另外一个|别的那个|其他那个|另外那个", re.I)
_HOW_MANY = re.compile(r"^\s*(?:and\s+|so\s+)?(?:how many(?: (?:are there|of them|is that|in total|pods|deployments|nodes))?|"
                       r"(?:那\s*)?(?:一共|总共)?有?(?:几个|多少个?)(?:呢|啊|吗)?)\s*[?？]?\s*$", re.I)
_REFERENCE = ("reference", "owner", "successor", "row")
_SLOT_TARGETS = ("pod", "deployment", "object", "workload")


def follow_up(reading: Reading, view: SessionView, lowered: str, places: Places, target: Mention | None) -> Reading | None:
    """The last request with what this message changes, or None when the message is a request of its own."""
    previous = view.previous
    if previous is None or view.question is not None or reading.intent not in ("unknown", "switch_context"):
        return None
    if _OTHER.search(lowered):
        return _the_other(reading, previous)
    if _HOW_MANY.match(lowered) and previous.request.intent in COUNTABLE:  # "how many?" after a list: counted
        return _as_reading(reading, previous.request.model_copy(update={"language": reading.request.language}),
                           {**_flags(previous), "count": True}, reading.notes, None)
    thing = target if target is not None and target.linked and target.how not in _REFERENCE else None
    if places.namespace is None and places.cluster is None and thing is None and not places.unknown:
        return None
    said = bool(_MARKER.search(lowered) or _BACK.search(lowered) or phrases.correction(lowered))
    bare = thing is None and not linking.words(lowered, vocabulary().stopwords, (), skip=places.spans)
    if not said and not bare or reading.intent == "switch_context" and not _BACK.search(lowered):
        return None  # "switch to production": a switch, not the last request again
    if reading.intent == "switch_context" and previous.request.intent in CHANGE_INTENTS:
        return None  # "switch back to dev" after a change: the switch only
    if places.cluster is not None and thing is None and _about_a_node(previous):
        return None  # a node belongs to its cluster: "switch back to dev-cluster" after prod-node-3's pods is the switch
    return _again(reading, previous, places, thing)


def _again(reading: Reading, previous: Previous, places: Places, thing: Mention | None) -> Reading | None:
    request = previous.request
    update: dict[str, Any] = {"uses_context": False, "language": reading.request.language}
    if places.cluster is not None:
        update.update(cluster=places.cluster.name, namespace=None)
    if places.namespace is not None:
        update["namespace"] = places.namespace.name
    elif places.unknown:
        update["namespace"] = None
    flags = _flags(previous)
    if thing is not None:
        update.update(target=thing.name, kind=thing.kind if thing.kind in ("pod", "deployment", "node") else request.kind)
        if flags.get("on_node"):
            flags["on_node"] = thing.name if thing.kind == "node" else None
    if places.namespace is not None or places.unknown:
        flags["everywhere"] = False
    place = (places.namespace or places.cluster or thing)
    notes = (*reading.notes, Note.of("follow_up", place=place.name if place else str(places.unknown)))
    return _as_reading(reading, request.model_copy(update=update), flags, notes, places.unknown)


def _about_a_node(previous: Previous) -> bool:
    request = previous.request
    return bool(_flags(previous).get("on_node")) or request.kind == "node" and bool(request.target)


def _the_other(reading: Reading, previous: Previous) -> Reading | None:
    """"no, the other one": the last question's other option (several: asked again, without the one picked)."""
    if previous.slot is None or not previous.others:
        return None
    request, flags = previous.request, _flags(previous)
    other = previous.others[0] if len(previous.others) == 1 else None
    update: dict[str, Any] = {"namespace": previous.namespace, "uses_context": False,
                              "language": reading.request.language}
    if previous.slot == "namespace":
        update["namespace"] = other
    elif previous.slot in _SLOT_TARGETS and other is not None:
        kind, _, name = other.rpartition("/")
        update.update(target=name, kind=kind or request.kind)
    elif previous.slot == "intent" and other is not None:
        update["intent"] = other
    notes = (*reading.notes, Note.of("follow_up", place=other)) if other else reading.notes
    return _as_reading(reading, request.model_copy(update=update), flags, notes, None)


def _as_reading(reading: Reading, request: Any, flags: dict[str, Any], notes: tuple[Note, ...],
                unknown_place: str | None) -> Reading:
    if request.intent in CHANGE_INTENTS:  # a change from an ellipsis is only offered: "did you mean …?"
        offered = request.model_copy(update={"confidence": UNSURE})
        return replace(reading, request=offered, unsure="not_imperative", candidates=(request.intent,), notes=notes,
                       confidence=UNSURE)
    request = request.model_copy(update={"confidence": SURE})
    return replace(reading, request=request, unsure=None, candidates=(), notes=notes, confidence=SURE,
                   unknown_place=unknown_place, **flags)


def _flags(previous: Previous) -> dict[str, Any]:
    """What the last reading asked beyond intent and slots (only the unhealthy, sorted, counted, on a node)."""
    last = previous.reading
    if last is None:
        return {}
    return {"only_unhealthy": last.only_unhealthy, "sort": last.sort, "count": last.count, "on_node": last.on_node,
            "everywhere": last.everywhere}
