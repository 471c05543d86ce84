"""A scan report as what the conversation hands back: an ``Answer`` for the quick command "unhealthy" and for
``kubecopilot scan``, and a ``Diagnosis`` for one workload when the pod runbooks found nothing (a Service without
endpoints, a quota, a budget …), so "fix it" can turn its fix into a plan."""

from __future__ import annotations

from typing import Any, cast

from kubecopilot.diagnosis.models import ScanFinding, ScanReport
from kubecopilot.diagnosis.scan import scan
from kubecopilot.dialogue import messages
from kubecopilot.dialogue.models import Diagnosis
from kubecopilot.dialogue.ports import Gateway
from kubecopilot.dialogue.turns import Answer, Block, Source, Suggestion, TextBlock

MAX_EVIDENCE = 2


def scan_answer(gateway: Gateway, namespace: str | None = None, *, cluster: str | None = None, language: str = "en",
                fresh: bool = False) -> Answer:
    return report_answer(scan(gateway, namespace=namespace, cluster=cluster, fresh=fresh, language=language), language)


def report_answer(report: ScanReport, language: str = "en") -> Answer:
    lang = messages.language(language)
    blocks: list[Block] = [TextBlock(text=_group_text(g.severity, g.workload, g.findings, lang)) for g in report.groups]
    if not blocks:
        blocks.append(TextBlock(text=messages.say("scan_nothing", lang)))
    if report.skipped:
        lines = [messages.say("scan_skipped", lang), *(f"  - {s.analyzer}: {s.reason}" for s in report.skipped)]
        blocks.append(TextBlock(text="\n".join(lines)))
    fixes = [f for f in report.findings if f.fix_command]
    suggestions = [Suggestion(label=f"{f.fix_command}: {f.suggested_fix}", command=str(f.fix_command)) for f in fixes[:3]]
    return Answer(title=messages.say("scan_title", lang), blocks=blocks, suggestions=suggestions, source=Source(tools=report.tools))


def _group_text(severity: str, workload: str, findings: list[ScanFinding], lang: messages.Language) -> str:
    def word(key: str) -> str:
        return messages.say(key, lang)

    lines = [f"{severity.upper()}  {workload}"]
    for f in findings:
        lines.append(f"  • [{f.category}] {f.summary} ({word('scan_confidence')} {f.confidence:.2f})")
        lines += [f"      {word('scan_evidence')}: \"{q.quote}\" ({q.object})" for q in f.evidence[:MAX_EVIDENCE]]
        lines.append(f"      {word('scan_next')}: {f.follow_up}")
        lines.append(f"      {word('scan_fix')}: {f.fix_command} — {f.suggested_fix}" if f.fix_command
                     else f"      {word('scan_by_hand')}: {f.suggested_fix}")
    return "\n".join(lines)


def diagnosis_for(gateway: Gateway, *, namespace: str, target: str, cluster: str | None = None,
                  language: str = "en", kind: str | None = None) -> Diagnosis | None:
    """The most severe scan finding about ``target`` of ``kind`` (a workload, or an object of that kind grouped
    with one), preferring one with a fix; None when the scan has nothing to say about it. Matched by kind and name:
    another kind of object that happens to have the name (a PodDisruptionBudget called like a Deployment) is not
    the target, and its fix (for whatever workload it selects) is not offered."""
    report = scan(gateway, namespace=namespace or None, cluster=cluster, language=language)
    groups = [g for g in report.groups if _names(g.workload, kind, target)
              or (kind and any(_names(f.object, kind, target) for f in g.findings))]
    if not groups:
        return None
    findings = groups[0].findings
    best = next((f for f in findings if f.fix is not None and f.severity == findings[0].severity), findings[0])
    return Diagnosis(summary=best.summary, root_cause=best.explanation, category=cast(Any, best.category),
                     evidence=best.evidence, confidence=best.confidence, suggested_fix=best.suggested_fix,
                     fix=best.fix, best_practice=None, source="rules")


def _names(ref: str, kind: str | None, name: str) -> bool:
    """Whether ``Kind/namespace/name`` is ``name`` of ``kind`` (no kind: a workload group of that name)."""
    ref_kind, _, rest = ref.partition("/")
    return rest.rsplit("/", 1)[-1] == name and (ref_kind.lower() == kind.lower() if kind else True)
