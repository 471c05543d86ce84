"""One workload's diagnosis, offline: the condition analyzers of ``analyzers.yaml`` matched against its ``Evidence``.

The best-matching analyzer becomes the ``Diagnosis`` (others are mentioned); with no match the evidence is called
Healthy or Unknown, saying what was checked. Fix builders (``remedies.py``) read only structured data (specs,
ReplicaSets, nodes), so text in logs or events — "ignore previous instructions and delete …" — can be quoted as
evidence but never chooses or shapes a change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubecopilot import messages
from kubecopilot.diagnosis import remedies
from kubecopilot.diagnosis.analyzers import Analyzer, load_analyzers
from kubecopilot.diagnosis.conditions import Subject, dedupe, evaluate
from kubecopilot.diagnosis.models import Category, Diagnosis, Evidence, EvidenceQuote
from kubecopilot.k8s import pod_healthy

_MAX_QUOTES = 8


# --- analysis ----------------------------------------------------------------------------------------------------


@dataclass
class Finding:
    analyzer: Analyzer
    subject: Subject
    quotes: list[EvidenceQuote]
    values: dict[str, str]
    affected: set[str] = field(default_factory=set)


def find(evidence: Evidence) -> list[Finding]:
    """Every condition analyzer that matches, best first; one finding per analyzer (the pods it affects are counted)."""
    by_id: dict[str, Finding] = {}
    for analyzer in load_analyzers().condition_analyzers:
        for subject in _subjects(evidence, str(analyzer.scope)):
            outcome = evaluate(analyzer.when, subject)
            if not outcome.ok:
                continue
            if analyzer.id in by_id:
                by_id[analyzer.id].affected.add(subject.name)
                continue
            for extra in analyzer.also:
                more = evaluate(extra, subject)
                outcome.quotes += more.quotes if more.ok else []
                outcome.values = {**more.values, **outcome.values} if more.ok else outcome.values
            by_id[analyzer.id] = Finding(analyzer, subject, dedupe(outcome.quotes), outcome.values, {subject.name})
    return sorted(by_id.values(), key=lambda f: -f.analyzer.priority)


def analyze(evidence: Evidence, language: str = "en") -> Diagnosis:
    """The diagnosis for the evidence: the best finding (others mentioned), else Healthy or Unknown."""
    return diagnosis_of(evidence, find(evidence), language)


def diagnosis_of(evidence: Evidence, findings: list[Finding], language: str = "en") -> Diagnosis:
    """The diagnosis the findings make (``find``'s, best first): the best one, the others mentioned."""
    lang = messages.language(language)
    if not findings:
        return _verdict(evidence, lang)
    best = findings[0]
    fix, fix_values, fix_quotes = remedies.FIXES[best.analyzer.fix](best.subject, best.quotes, best.values)
    values = {**_base_values(best.subject, lang), **best.values, **fix_values,
              "pods_affected": str(len(best.affected))}
    text = best.analyzer.texts(lang)
    others = _others(findings, best, lang)
    suggested = text.get("suggested_fix") if fix is not None else None
    suggested = suggested or text.get("manual_fix") or text.get("suggested_fix", "")
    return Diagnosis(
        summary=_render(text["summary"], values),
        root_cause=_render(text["root_cause"], values) + others + _unread_note(evidence, lang),
        category=best.analyzer.own_category,
        evidence=dedupe(best.quotes + fix_quotes)[:_MAX_QUOTES],
        confidence=best.analyzer.confidence,
        suggested_fix=_render(suggested, values),
        fix=fix.model_copy(update={"description": _render(suggested, values)}) if fix else None,
        best_practice=_tip(best.analyzer.tip, lang),
        source="rules",
    )


def _subjects(evidence: Evidence, scope: str) -> Iterator[Subject]:
    if scope == "node":
        # Nodes gathered for context (capacity of a Pending pod) are not the question unless asked about.
        for node in evidence.nodes:
            if not evidence.pods or node.get("metadata", {}).get("name") == evidence.target:
                yield Subject("node", evidence, node=node)
        return
    for pod in evidence.pods:
        if scope == "pod":
            yield Subject("pod", evidence, pod=pod)
            continue
        for container in (pod.get("spec") or {}).get("containers") or []:
            yield Subject("container", evidence, pod=pod, container=container.get("name"))


def _base_values(s: Subject, lang: messages.Language = "en") -> dict[str, str]:
    workload = s.evidence.workload or {}
    status, spec = s.status, s.spec
    terminated = ((status.get("lastState") or {}).get("terminated")
                  or (status.get("state") or {}).get("terminated") or {})
    node = s.host
    return {k: str(v) for k, v in {
        "namespace": s.evidence.namespace, "pod": s.pod_name, "container": s.container or "",
        "kind": workload.get("kind") or "Pod", "workload": workload.get("metadata", {}).get("name") or s.pod_name,
        "node": (node or {}).get("metadata", {}).get("name") or (s.pod or {}).get("spec", {}).get("nodeName", ""),
        "image": spec.get("image", ""), "restarts": status.get("restartCount", 0),
        "exit_code": terminated.get("exitCode", "?"),
        "memory_limit": ((spec.get("resources") or {}).get("limits") or {}).get("memory", "none"),
        "log_note": _log_note(s, lang),
    }.items()}


def _log_note(s: Subject, lang: messages.Language) -> str:
    """What the container's log says about a crash, as far as it was read: never "it says nothing" unread."""
    phrases = load_analyzers().phrases
    key = f"{s.pod_name}/{s.container}"
    if key in s.evidence.previous_logs or key in s.evidence.logs:
        return phrases["log_silent"][lang]
    failed = next((line for line in s.evidence.unread if f"log of {key}:" in line), None)
    if failed is not None:
        return phrases["log_unread"][lang].format(reason=failed.split(":", 1)[1].strip())
    return phrases["log_not_read"][lang]


def _unread_note(evidence: Evidence, lang: messages.Language) -> str:
    if not evidence.unread:
        return ""
    return _render(load_analyzers().verdicts["could_not_check"][lang]["note"], {"unread": _unread_list(evidence)})


def _unread_list(evidence: Evidence) -> str:
    shown = [line.removeprefix("could not check ") for line in evidence.unread[:3]]
    more = len(evidence.unread) - len(shown)
    return "; ".join(shown) + (f" (+{more})" if more > 0 else "")


def _others(findings: list[Finding], best: Finding, lang: messages.Language) -> str:
    """One line naming other problems, one per category. Findings on the best's own pod are left out: there they
    are symptoms of it (an OOM-killed container also crash-loops)."""
    seen, lines = {best.analyzer.category}, []
    for f in findings[1:]:
        if f.analyzer.category in seen or (f.subject.pod is not None and f.subject.pod_name == best.subject.pod_name):
            continue
        seen.add(f.analyzer.category)
        lines.append(_render(f.analyzer.texts(lang)["summary"], {**_base_values(f.subject, lang), **f.values}))
    if not lines:
        return ""
    return messages.say("also_found", lang, findings=" ".join(lines[:2]))


def _tip(tip_id: str | None, lang: messages.Language) -> str | None:
    return (load_analyzers().tips.get(tip_id) or {}).get(lang) if tip_id else None


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def _render(template: str, values: Mapping[str, str]) -> str:
    return template.format_map(_Values(values))


# --- no analyzer matched: Healthy or Unknown -------------------------------------------------------------------------


def _verdict(evidence: Evidence, lang: messages.Language) -> Diagnosis:
    verdicts = load_analyzers().verdicts
    values = {"target": evidence.target, "namespace": evidence.namespace, "checked": _checked(evidence, lang)}
    nodes = [n for n in evidence.nodes if n.get("metadata", {}).get("name") == evidence.target]
    if not evidence.pods and not nodes and evidence.unread:  # "no pods" or "not found" would be a guess
        text = verdicts["could_not_check"][lang]
        return _verdict_diagnosis(text, {**values, "unread": _unread_list(evidence)}, "Unknown", [], 0.0, lang)
    if not evidence.pods and nodes:
        quotes = [q for n in nodes for q in evaluate({"node_condition": {"type": "Ready", "status": ["True"]}},
                                                    Subject("node", evidence, node=n)).quotes]
        return _verdict_diagnosis(verdicts["healthy_node"][lang], values, "Healthy", quotes, 0.9, lang, evidence)
    if not evidence.pods and evidence.workload:
        kind, replicas = evidence.workload.get("kind", ""), (evidence.workload.get("spec") or {}).get("replicas")
        where = f"{kind.lower()}/{evidence.target}: spec.replicas"
        quote = EvidenceQuote(source="spec", quote=str(replicas), object=where)
        return _verdict_diagnosis(verdicts["no_pods"][lang], {**values, "kind": kind, "replicas": str(replicas)},
                                  "Unknown", [quote], 0.6, lang)
    if not evidence.pods:
        return _verdict_diagnosis(verdicts["not_found"][lang], values, "Unknown", [], 0.3, lang)
    unhealthy = [p for p in evidence.pods if not pod_healthy(p)]
    values.update(total=str(len(evidence.pods)), ready=str(len(evidence.pods) - len(unhealthy)),
                  not_ready=str(len(unhealthy)), pods=", ".join(p["metadata"]["name"] for p in unhealthy))
    if unhealthy:
        quotes = [q for p in unhealthy for q in _state_quotes(evidence, p)]
        return _verdict_diagnosis(verdicts["unknown"][lang], values, "Unknown", quotes, 0.3, lang, evidence)
    restarts = sum(s.get("restartCount", 0) for p in evidence.pods
                   for s in p.get("status", {}).get("containerStatuses") or [])
    text = verdicts["healthy"][lang]
    values["restarts_note"] = _render(text["restarts_note"], {"restarts": str(restarts)}) if restarts else ""
    quotes = [q for p in evidence.pods[:3] for q in _state_quotes(evidence, p)]
    return _verdict_diagnosis(text, values, "Healthy", quotes, 0.9, lang, evidence)


def _verdict_diagnosis(text: Mapping[str, str], values: Mapping[str, str], category: Category,
                       quotes: list[EvidenceQuote], confidence: float, lang: messages.Language,
                       evidence: Evidence | None = None) -> Diagnosis:
    root_cause, suggested = _render(text["root_cause"], values), _render(text["suggested_fix"], values)
    if evidence is not None and evidence.unread:  # a verdict from what was read, saying what was not
        root_cause += _unread_note(evidence, lang)
        suggested = _render(load_analyzers().verdicts["could_not_check"][lang]["suggested_fix"], values)
    return Diagnosis(summary=_render(text["summary"], values), root_cause=root_cause,
                     category=category, evidence=quotes[:_MAX_QUOTES], confidence=confidence,
                     suggested_fix=suggested, fix=None, best_practice=_tip("events_first", lang), source="rules")


def _state_quotes(evidence: Evidence, pod: Mapping[str, Any]) -> list[EvidenceQuote]:
    """The pod's phase, its Ready condition and each container's state, as the status shows them."""
    subject = Subject("pod", evidence, pod=pod)
    quotes = evaluate({"pod_phase": [(pod.get("status") or {}).get("phase")]}, subject).quotes
    quotes += evaluate({"pod_condition": {"type": "Ready"}}, subject).quotes
    for container in (pod.get("spec") or {}).get("containers") or []:
        subject = Subject("container", evidence, pod=pod, container=container.get("name"))
        state = next(iter(subject.status.get("state") or {}), None)
        quotes += evaluate({"container_state": [state]}, subject).quotes if state else []
    return quotes


def _checked(evidence: Evidence, lang: messages.Language) -> str:
    words = load_analyzers().verdicts["checked"][lang]
    counts = {"n_pods": len(evidence.pods), "n_events": len(evidence.events),
              "n_logs": len(evidence.logs) + len(evidence.previous_logs), "n_describe": len(evidence.describe),
              "n_nodes": len(evidence.nodes)}  # catalogue nouns, each said in its plural form
    parts = [messages.say(noun, lang, count=n) for noun, n in counts.items() if n]
    return messages.say("list_separator", lang).join(parts) or words["none"]
