"""Understanding is one stage: ``read(text, session view, names)`` → one ``Reading``. Nothing after it reads the text.

The reading is made in this order:

1. an answer to the open question, if one is open and the text answers it (``answers.read_reply``);
2. a short follow-up: cancel, a number or an ordinal picking a next step, a yes/no with nothing asked;
3. a request: a literal kubectl command (``kubectl.translate``), else the rules — places first ("in dev", "-n dev",
   "dev 命名空间", "on prod-cluster"), then the intent (``intents.classify``), then every other word linked to the
   names of the cluster (``linking``), then references ("it", "the first one", "all of them": ``references``).

A word that names nothing in the cluster never becomes a filter unless the person marked it ("pods named X", quotes);
it becomes a target only where a name is expected ("logs of X", "pod X") — and the slot filler then says that nothing
matches it and offers what there is.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, cast

from kubecopilot.dialogue import answers, extract, kubectl, linking, phrases, references
from kubecopilot.dialogue.followups import follow_up
from kubecopilot.dialogue.intents import (
    classify,
    corrected,
    has_pronoun,
    kind_named,
    language_of,
    language_said,
    matching_intents,
    vocabulary,
)
from kubecopilot.dialogue.inventory import Names
from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.dialogue.places import Places
from kubecopilot.dialogue.places import find as find_places
from kubecopilot.dialogue.reading import (
    FOLLOW_UPS,
    SURE,
    UNSURE,
    Mention,
    MentionKind,
    Note,
    Reading,
    Reply,
    SessionView,
)
from kubecopilot.dialogue.registry import CHANGE_INTENTS
from kubecopilot.dialogue.shape import WHICH, config_kind, shape
from kubecopilot.errors import InputRejected

MAX_INPUT_CHARS = 2000  # one chat message; longer text is refused before any pattern runs (issue 14)
CONFIDENT = 0.75  # at or above this, an LLM-enabled session does not ask the coordinator
NAMED_THING_INTENTS = ("logs", "describe", "diagnose")  # what people most often want of a thing they only named
NODE_INTENTS = ("diagnose", "describe", "events")  # a node has no logs
TARGET_INTENTS = frozenset({"logs", "describe", "events", "diagnose", "show_yaml"})
LISTS = frozenset({"list_pods", "list_deployments", "list_services", "list_nodes", "list_namespaces", "list_clusters",
                   "unhealthy_pods", "warning_events", "cluster_status", "scan"})
PLACE_READS = frozenset({"list_pods", "list_deployments", "list_services", "events", "warning_events", "unhealthy_pods",
                         "scan", "what_changed", "switch_context", "list_config"})
_NAME_SLOT = re.compile(r"\b(?:of|for|about|pod|deployment|deploy|node|named|called)\s+(?:the\s+|a\s+|an\s+|my\s+)?$")
_PREVIOUS = re.compile(r"\bprevious\b|\bprior\b|\blast crash|\bbefore (?:it|the (?:last )?crash)|\bcrashed container\b|"
                       r"上一次|之前的|崩溃前|崩溃之前|上次|挂之前")
_REQUESTS_ONLY = re.compile(r"\brequests?\b|请求")
_LIMITS = re.compile(r"\blimits?\b|限制")


def read(text: str, view: SessionView, names: Names) -> Reading:
    """The reading of ``text`` in the conversation ``view`` describes, its names linked to ``names``."""
    if len(text) > MAX_INPUT_CHARS:
        raise InputRejected(f"that message is {len(text)} characters long; the limit is {MAX_INPUT_CHARS}",
                            hint="ask one thing at a time, in a sentence or two")
    said = text.strip()
    lowered = said.lower()
    lang = language_of(said)
    reading = _answer(said, lowered, lang, view, names) or _short(said, lowered, lang) or _request(said, lowered, lang, view, names)
    return replace(reading, language_said=language_said(said))


def _routed(lang: str, **fields: Any) -> RoutedRequest:
    return RoutedRequest(language=cast(Any, lang), **fields)


# --- 1. an answer to the open question ------------------------------------------------------------------------------


def _answer(said: str, lowered: str, lang: str, view: SessionView, names: Names) -> Reading | None:
    question = view.question
    if question is None:
        return None
    reply = answers.read_reply(said, question, names, vocabulary().stopwords)
    if reply is None or _new_request_instead(reply, lowered, question.intent):
        return None
    return Reading(said, _routed(lang, intent="unknown", confidence=SURE), reply=reply, confidence=SURE)


def _new_request_instead(reply: Reply, lowered: str, asked_for: str) -> bool:
    """"list clusters" while asked for a namespace is a new request; "the logs in dev" answers the logs' question."""
    if reply.kind in ("cancel", "yes", "no", "value"):
        return False
    if kubectl.translate(lowered) is not None:
        return True  # a kubectl command is a request of its own, whatever names it shares with the options
    classified = classify(lowered)
    if classified.unsure is not None or classified.intent in FOLLOW_UPS:
        return False
    return reply.kind in ("list", "narrowed", "invalid") or classified.intent != asked_for


# --- 2. short follow-ups --------------------------------------------------------------------------------------------


def _short(said: str, lowered: str, lang: str) -> Reading | None:
    if phrases.CANCEL.match(lowered):
        return Reading(said, _routed(lang, intent="cancel", confidence=SURE), confidence=SURE)
    negative = phrases.negative_number(lowered)
    if negative is not None:  # "-1" picks nothing (it is not "the last one")
        return Reading(said, _routed(lang, intent="choose", confidence=SURE), confidence=SURE,
                       reply=Reply("invalid", value=said, number=negative))
    number = phrases.choice_number(lowered)
    if number is not None:
        return Reading(said, _routed(lang, intent="choose", choice=number, confidence=SURE), confidence=SURE)
    yes_no = answers.yes_or_no(lowered)
    if yes_no is not None:  # "y" with nothing asked: said so, never "the logs of y"
        return Reading(said, _routed(lang, intent="unknown"), answer_without_question=cast(Any, yes_no))
    return None


# --- 3. a request ---------------------------------------------------------------------------------------------------


def _request(said: str, lowered: str, lang: str, view: SessionView, names: Names) -> Reading:
    command = kubectl.translate(lowered)
    if command is not None:
        return _command(said, lang, command, view, names)
    vocab = vocabulary()
    places = find_places(lowered, names)
    here = names.in_cluster(places.cluster.name if places.cluster else None)
    blanked = extract.blank(lowered, places.spans)
    classified = classify(blanked if matching_intents(blanked) else lowered)
    intent, unsure = classified.intent, classified.unsure
    blanked = corrected(blanked, classified.typos)
    words = linking.words(lowered, vocab.stopwords, vocab.words, skip=places.spans)
    marked = linking.marked(said)
    target, notes = _target(lowered, words, marked, here, intent, places)
    mentions = [m for m in (places.cluster, places.namespace, target) if m is not None]
    row = phrases.ordinal_in(lowered) if intent in TARGET_INTENTS | CHANGE_INTENTS else None
    if target is None and intent != "undo" and (row is not None or has_pronoun(lowered)):  # "undo that": the change
        target, more = references.resolve(intent, view, here, row=row)
        notes += more
        if target is not None:
            mentions.append(target)
    if unsure == "typo" and intent not in CHANGE_INTENTS:  # a read is safe to do (offline: done, and said)
        unsure = "typo_read"
        notes += [Note.of("took_name", said=typo, name=keyword) for typo, keyword in classified.typos]
    reading = Reading(said, _routed(lang, intent="unknown"), tuple(mentions), candidates=classified.candidates,
                      unsure=unsure, notes=tuple(places.notes + notes))
    reading = shape(reading, intent, lowered, blanked, places, target)
    again = follow_up(reading, view, lowered, places, target)  # "and in production?": the last request again
    if again is not None:
        return again
    return _finish(reading, classified.read_as, lowered, blanked, places, target, here, words)


def _target(lowered: str, words: list[linking.Word], marked: list[linking.Word], names: Names, intent: str,
            places: Places) -> tuple[Mention | None, list[Note]]:
    """The thing the request is about: a marked name, else the first word linked to a node, workload or pod, else
    (where a name is expected) the unlinked word in a name's place."""
    taken = {m.name for m in (places.namespace, places.cluster) if m is not None}
    taken |= {w.text for w in words if linking.link(w, names, ("namespace", "cluster"), fuzzy=False, partial=False)}
    for word in marked:
        if word.text not in taken:
            linked = linking.link(word, names, ("node", "deployment", "pod"))
            return linked or Mention("object", word.text, "marked", said=word.text, span=word.span), []
    unlinked: list[linking.Word] = []
    for word in words:
        if word.text in taken:
            continue
        linked = linking.link(word, names, ("node", "deployment", "pod"))
        if linked is not None:
            notes = [Note.of("took_name", said=word.text, name=linked.name)] if linked.how == "fuzzy" else []
            return linked, notes
        unlinked.append(word)
    for word in unlinked:
        if "-" in word.text or any(c.isdigit() for c in word.text) or _NAME_SLOT.search(lowered[: word.start]):
            elsewhere = _in_other_cluster(word, names, places)
            if elsewhere is not None:
                return elsewhere
            return Mention("object", word.text, "unlinked", said=word.text, span=word.span), []
    return None, []


def _in_other_cluster(word: linking.Word, names: Names, places: Places) -> tuple[Mention, list[Note]] | None:
    """"why is prod-node-3 not ready?" asked on dev-cluster: the one other cluster that has exactly that name."""
    if places.cluster is not None:
        return None
    found: list[tuple[str, Mention]] = []
    for other in names.of("cluster"):
        if other.name == names.cluster or other.current and names.cluster is None:
            continue
        linked = linking.link(word, names.in_cluster(other.name), ("node", "deployment", "pod"), fuzzy=False,
                              partial=False)
        if linked is not None:
            found.append((other.name, linked))
    if len(found) != 1:
        return None
    cluster, linked = found[0]
    places.cluster = Mention("cluster", cluster, "exact", said=cluster)
    return linked, [Note.of("found_in_cluster", name=linked.name, cluster=cluster)]


def _finish(reading: Reading, read_as: str, lowered: str, blanked: str, places: Places, target: Mention | None,
            names: Names, words: list[linking.Word]) -> Reading:
    """The request's slots from the reading, and how sure the rules are."""
    pronoun = has_pronoun(lowered)
    intent, unsure, candidates = reading.intent, reading.unsure, reading.candidates
    if intent in LISTS and target is not None and target.how == "unlinked":
        target = None  # a word that names nothing is no filter (unless marked: "pods named X")
    reference = target is not None and target.how in ("reference", "owner", "successor", "row")
    if intent in TARGET_INTENTS and target is None and not pronoun and WHICH.search(lowered):
        intent, candidates, unsure = "unknown", ("unhealthy_pods", "list_pods", intent), "question"
    if intent == "unknown" and not candidates and target is not None and target.linked:
        candidates, unsure = NODE_INTENTS if target.kind == "node" else NAMED_THING_INTENTS, "unknown"
    readable = bool(names.of("deployment") or names.of("pod"))
    if unsure is None and target is not None and target.how == "unlinked" and readable and intent not in FOLLOW_UPS:
        unsure, candidates = "unresolved_target", (intent,)
    if unsure is None and target is None and not pronoun and intent in TARGET_INTENTS and \
            any(linking.link(w, names, ("node", "deployment", "pod"), fuzzy=False) is None for w in words):
        unsure, candidates = "unresolved_target", (intent,)  # "logs of the shopping basket": a model may know
    kind = kind_named(blanked) or (
        target.kind if target is not None and target.kind in ("pod", "deployment", "node") else None)
    if intent == "list_config":
        kind = config_kind(lowered)  # a Secret or a ConfigMap (None: both)
    if kind is None and target is None and intent in CHANGE_INTENTS and places.explicit:
        kind = kind_named(lowered)  # "delete namespace production": the namespace is what is to be changed
    request = _routed(
        reading.request.language, intent=intent, kind=kind, target=target.name if target is not None else None,
        namespace=places.namespace.name if places.namespace else (target.namespace if reference and target else None),
        cluster=places.cluster.name if places.cluster else None, uses_context=reference or pronoun and target is None,
        **_values(intent, read_as), confidence=0.0 if intent == "unknown" else (UNSURE if unsure else SURE))
    unknown_place = places.unknown if intent in PLACE_READS or places.explicit else None
    return replace(reading, request=request, unsure=unsure, candidates=tuple(candidates), unknown_place=unknown_place,
                   confidence=request.confidence)


def _values(intent: str, text: str) -> dict[str, Any]:
    """Replicas, image, quantities, container and "previous" — only for the intents that take them."""
    values: dict[str, Any] = {"previous": bool(_PREVIOUS.search(text))}
    if intent == "scale":
        values["replicas"] = extract.find_replicas(text)
    if intent == "set_image":
        values["image"] = extract.find_image(text)
    if intent == "set_resources":
        memory, cpu = extract.find_quantities(text)
        requests_only = bool(_REQUESTS_ONLY.search(text)) and not _LIMITS.search(text)
        key = "request" if requests_only else "limit"
        values.update({f"memory_{key}": memory, f"cpu_{key}": cpu})
    m = extract.CONTAINER.search(text)
    values["container"] = m.group(1) if m else None
    return values


def _command(said: str, lang: str, command: kubectl.Command, view: SessionView, names: Names) -> Reading:
    """A kubectl line: its intent as given, its names linked like any other."""
    here = names.in_cluster(command.cluster)
    mentions: list[Mention] = []
    notes: list[Note] = []
    namespace = cluster = None
    if command.cluster:
        cluster = linking.link(linking.Word(command.cluster, 0, 0), names, ("cluster",), partial=False) \
            or Mention("cluster", command.cluster, "marked", said=command.cluster)
        mentions.append(cluster)
        known_clusters = {n.name for n in names.of("cluster")}
        if known_clusters and cluster.name not in known_clusters:
            return _no_such_cluster(said, lang, cluster)
    if command.namespace:
        namespace = linking.link(linking.Word(command.namespace, 0, 0), here, ("namespace",), partial=False) \
            or Mention("namespace", command.namespace, "marked", said=command.namespace)
        mentions.append(namespace)
    notes += [Note.of("took_name", said=m.said, name=m.name) for m in mentions if m.how == "fuzzy"]
    target = None
    if command.names:
        kinds = ("node",) if command.kind == "node" else ("deployment", "pod")
        word = linking.Word(command.names[0], 0, 0)
        target = linking.link(word, here, kinds) or Mention("object", word.text, "marked", said=word.text)
        mentions.append(target)
    kind = command.kind if command.kind in ("pod", "deployment", "node", "statefulset", "service", "namespace",
                                            "configmap", "secret") else None
    known = {n.name for n in here.of("namespace")}
    unknown = namespace.name if namespace is not None and known and namespace.name not in known else None
    request = _routed(lang, intent=command.intent, kind=kind, target=target.name if target else None,
                      namespace=namespace.name if namespace else None, cluster=cluster.name if cluster else None,
                      container=command.container, previous=command.previous, replicas=command.replicas,
                      image=command.image, confidence=SURE)
    everywhere = bool({"-a", "-A", "--all-namespaces"} & set(command.flags))
    return Reading(said, request, tuple(mentions), confidence=SURE, unknown_place=unknown, notes=tuple(notes),
                   everywhere=everywhere)


def _no_such_cluster(said: str, lang: str, cluster: Mention) -> Reading:
    """"/cluster nope": not switched to a cluster the server does not have; said, with the clusters there are."""
    request = _routed(lang, intent="list_clusters", confidence=SURE)
    return Reading(said, request, (cluster,), confidence=SURE, notes=(Note.of("no_such_cluster", cluster=cluster.name),))


def from_model(routed: RoutedRequest, rules: Reading, names: Names) -> Reading:
    """The coordinator model's reading, its names linked to the cluster like the rules' names."""
    here = names.in_cluster(routed.cluster)
    mentions: list[Mention] = []
    fields: tuple[tuple[str | None, MentionKind, tuple[str, ...], Names], ...] = (
        (routed.cluster, "cluster", ("cluster",), names), (routed.namespace, "namespace", ("namespace",), here),
        (routed.target, "object", ("node", "deployment", "pod"), here))
    for value, kind, kinds, where in fields:
        if value:
            linked = linking.link(linking.Word(value.lower(), 0, 0), where, kinds)
            mentions.append(linked or Mention(kind, value, "unlinked", said=value))
    request = routed.model_copy(update={"language": rules.request.language})
    return Reading(rules.text, request, tuple(mentions), confidence=routed.confidence, language_said=rules.language_said)
