"""The cluster scan: read every kind the analyzers need once, run each analyzer, and group what they find by
workload, most severe first — like ``k8sgpt analyze``, with quoted evidence, a confidence, a follow-up command and,
where a whitelisted change cures it, the fix (a ``FixSpec`` the plan domain turns into an approvable plan).

The scan runs the analyzers of ``analyzers.yaml`` that judge the cluster's objects: the kinds they need, their check
(``checks.py``, ``workload_checks.py``, ``pods.py``), severity, confidence, fix builder (``fixes.py``) and texts. An
analyzer whose kinds the server cannot list is skipped, and the report says why.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from kubecopilot import messages
from kubecopilot.diagnosis import pods as _pods  # noqa: F401 - registers the pod_analyzers check
from kubecopilot.diagnosis import workload_checks as _workload_checks  # noqa: F401 - registers the workload checks
from kubecopilot.diagnosis.analyzers import ANALYZER_FILE, Analyzer, load_analyzers
from kubecopilot.diagnosis.checks import CHECKS, Match
from kubecopilot.diagnosis.fixes import FIXES
from kubecopilot.diagnosis.models import SEVERITY_RANK, Diagnosis, ScanFinding, ScanReport, Skipped, WorkloadGroup
from kubecopilot.diagnosis.objects import ref
from kubecopilot.diagnosis.snapshot import Snapshot, read_snapshot
from kubecopilot.errors import ConfigError
from kubecopilot.tools.ports import Gateway

SYMPTOMS = {"service_no_ready_endpoints", "statefulset_not_ready"}


@functools.cache
def scan_analyzers(path: Path = ANALYZER_FILE) -> tuple[Analyzer, ...]:
    """The analyzers that judge the cluster's objects, each check known (the checks are all registered here)."""
    analyzers = load_analyzers(path).object_analyzers
    for a in analyzers:
        if a.check not in CHECKS:
            raise ConfigError(f"analyzer {a.id}: unknown check {a.check!r}")
    return analyzers


def _phrased(match: Match, values: _Values, language: str) -> _Values:
    """The values with each phrase the check named said in ``language`` (from the other values)."""
    phrases = load_analyzers().phrases
    said = {name: (phrases[key].get(messages.language(language)) or phrases[key]["en"]).format_map(values)
            for name, key in match.phrases.items()}
    return _Values({**values, **said})


def needed_kinds(analyzers: Iterable[Analyzer] | None = None) -> list[str]:
    return list(dict.fromkeys(k for a in (analyzers or scan_analyzers()) for k in a.needs))


def scan(gateway: Gateway, *, namespace: str | None = None, cluster: str | None = None, fresh: bool = False,
         only: Iterable[str] | None = None, language: str = "en") -> ScanReport:
    """Read the cluster (or one namespace) once and run every analyzer (or the ``only`` ones) on it."""
    started = time.perf_counter()
    analyzers = [a for a in scan_analyzers() if only is None or a.id in set(only)]
    snap = read_snapshot(gateway, needed_kinds(analyzers), namespace=namespace, cluster=cluster, fresh=fresh)
    snap.language = messages.language(language)
    report = analyze_snapshot(snap, analyzers)
    report.cluster = cluster
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def analyze_snapshot(snap: Snapshot, analyzers: Iterable[Analyzer] | None = None) -> ScanReport:
    findings: list[tuple[str, ScanFinding]] = []
    skipped: list[Skipped] = []
    for analyzer in analyzers or scan_analyzers():
        absent = [k for k in analyzer.needs if not snap.has(k)]
        if absent:
            reasons = "; ".join(dict.fromkeys(snap.missing.get(k, f"{k} was not read") for k in absent))
            skipped.append(Skipped(analyzer=analyzer.id, reason=f"needs {', '.join(absent)}: {reasons}", needs=absent))
            continue
        for match in CHECKS[str(analyzer.check)](snap):
            findings.append((ref(match.workload), _finding(analyzer, snap, match)))
    return ScanReport(namespace=snap.namespace, groups=_grouped(findings), skipped=skipped, unread=unread_of(snap),
                      objects_read=sum(len(v) for v in snap.objects.values()), calls=snap.calls, tools=snap.tools)


def unread_of(snap: Snapshot) -> list[str]:
    """What the scan could not read, once per reason: kinds that failed alike are named together (an API server that
    is down fails every kind the same way), then the single objects that could not be read."""
    kinds_by_reason: dict[str, list[str]] = {}
    for kind, why in snap.missing.items():
        kinds_by_reason.setdefault(" ".join(why.replace(f"could not list {kind}: ", "").split()), []).append(kind)
    lines = [f"could not check {', '.join(kinds)}: {why}" for why, kinds in kinds_by_reason.items()]
    return lines + [gap for gaps in snap.gaps.values() for gap in gaps]


def _finding(analyzer: Analyzer, snap: Snapshot, match: Match) -> ScanFinding:
    fix, fix_values = FIXES[analyzer.fix](snap, match)  # "matched": the fix of the pod analyzer that matched
    values = _phrased(match, _Values({**match.values, **fix_values}), snap.language)
    text = analyzer.texts(snap.language)
    diagnosis = match.data.get("diagnosis")
    severity = match.data.get("severity", analyzer.severity)  # pod_failures: the matched pod analyzer's
    suggested = text["suggested_fix"] if fix is not None and "suggested_fix" in text else text["manual_fix"]
    if diagnosis is not None:
        suggested = diagnosis.suggested_fix
    suggested_text = suggested.format_map(values)
    return ScanFinding(
        analyzer=analyzer.id,
        category=diagnosis.category if diagnosis else analyzer.category,
        severity=severity,
        confidence=diagnosis.confidence if diagnosis else analyzer.confidence,
        object=ref(match.subject),
        summary=text["summary"].format_map(values),
        explanation=text["root_cause"].format_map(values),
        evidence=match.quotes[:6],
        follow_up=text["follow_up"].format_map(values),
        suggested_fix=suggested_text,
        fix=fix.model_copy(update={"description": suggested_text}) if fix else None,
        fix_command=f"fix {fix.kind.lower()} {fix.name} -n {fix.namespace}" if fix else None,
    )


def _grouped(findings: list[tuple[str, ScanFinding]]) -> list[WorkloadGroup]:
    groups: dict[str, list[ScanFinding]] = {}
    for workload, finding in findings:
        groups.setdefault(workload, []).append(finding)
    built = []
    for workload, items in groups.items():
        # A Service without ready pods is the symptom when the pods' own failure is in the same group: cause first.
        items.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.analyzer in SYMPTOMS, -f.confidence))
        built.append(WorkloadGroup(workload=workload, severity=items[0].severity, findings=items))
    return sorted(built, key=lambda g: (-SEVERITY_RANK[g.severity], -len(g.findings), g.workload))


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


# --- what the scan says about one workload ------------------------------------------------------------------


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
