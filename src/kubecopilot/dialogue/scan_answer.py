"""A scan report as the conversation hands it back: an ``Answer`` for the quick command "unhealthy" and for
``kubecopilot scan``. A report that could not check everything says so before anything else, and lists what it could
not read; "no problem" only ever comes from a complete scan."""

from __future__ import annotations

from kubecopilot import messages
from kubecopilot.diagnosis.models import ScanFinding, ScanReport
from kubecopilot.diagnosis.scan import scan
from kubecopilot.dialogue.turns import Answer, Block, Source, Suggestion, TextBlock
from kubecopilot.tools.ports import Gateway

MAX_EVIDENCE = 2
MAX_UNREAD = 8
MAX_SKIPPED_LINES = 8


def scan_answer(gateway: Gateway, namespace: str | None = None, *, cluster: str | None = None, language: str = "en",
                fresh: bool = False) -> Answer:
    return report_answer(scan(gateway, namespace=namespace, cluster=cluster, fresh=fresh, language=language), language)


def report_answer(report: ScanReport, language: str = "en") -> Answer:
    lang = messages.language(language)
    where = report.namespace or messages.say("all_namespaces", lang)
    blocks: list[Block] = [TextBlock(text=_group_text(g.severity, g.workload, g.findings, lang)) for g in report.groups]
    if not report.complete:  # never an all-clear: right after the findings (or first), then what was not checked
        blocks.append(TextBlock(text=messages.say("scan_incomplete", lang)))
    elif not blocks:
        blocks.append(TextBlock(text=messages.say("scan_nothing", lang, where=where)))
    if report.unread:
        shown = [f"  - {line.removeprefix('could not check ')}" for line in report.unread[:MAX_UNREAD]]
        more = [messages.say("scan_more", lang, count=len(report.unread) - len(shown))] if len(report.unread) > len(shown) else []
        blocks.append(TextBlock(text="\n".join([messages.say("scan_unread", lang), *shown, *more])))
    if report.skipped:
        blocks.append(TextBlock(text="\n".join([messages.say("scan_skipped", lang), *_skipped_lines(report, lang)])))
    fixes = [f for f in report.findings if f.fix_command]
    suggestions = [Suggestion(label=f"{f.fix_command}: {f.suggested_fix}", command=str(f.fix_command)) for f in fixes[:3]]
    return Answer(title=messages.say("scan_title", lang, where=where), blocks=blocks, suggestions=suggestions,
                  source=Source(tools=report.tools), data={"scan": report.model_dump(mode="json")})  # as `scan -o json`


def _skipped_lines(report: ScanReport, lang: messages.Language) -> list[str]:
    """One line per set of kinds the analyzers lacked (a server that cannot read Pods skips a dozen alike)."""
    by_needs: dict[tuple[str, ...], list[str]] = {}
    for skipped in report.skipped:
        by_needs.setdefault(tuple(skipped.needs), []).append(skipped.analyzer)
    lines = [f"  - {', '.join(ids)}" + (f" (need {', '.join(needs)})" if needs else "") for needs, ids in by_needs.items()]
    if len(lines) <= MAX_SKIPPED_LINES:
        return lines
    rest = sum(len(ids) for ids in list(by_needs.values())[MAX_SKIPPED_LINES:])
    return [*lines[:MAX_SKIPPED_LINES], messages.say("scan_more", lang, count=rest)]


def _group_text(severity: str, workload: str, findings: list[ScanFinding], lang: messages.Language) -> str:
    def word(key: str) -> str:
        return messages.say(key, lang)

    lines = [f"{severity.upper()}  {workload}"]
    for f in findings:
        lines.append(f"  • [{f.category}] {f.summary} ({word('scan_confidence')} {f.confidence:.2f})")
        lines += [f"      {word('scan_evidence')}\"{q.quote}\" ({q.object})" for q in f.evidence[:MAX_EVIDENCE]]
        lines.append(f"      {word('scan_next')}{f.follow_up}")
        lines.append(f"      {word('scan_fix')}{f.fix_command} — {f.suggested_fix}" if f.fix_command
                     else f"      {word('scan_by_hand')}{f.suggested_fix}")
    return "\n".join(lines)
