"""The cluster scan: read every kind the analyzers need once, run each analyzer, and group what they find by
workload, most severe first — like ``k8sgpt analyze``, with quoted evidence, a confidence, a follow-up command and,
where a whitelisted change cures it, the fix (a ``FixSpec`` the plan domain turns into an approvable plan).

Analyzers are data (``analyzers.yaml``): the kinds they need, their check (``checks.py``), severity, confidence,
fix builder (``fixes.py``) and texts. An analyzer whose kinds the server cannot list is skipped, and the report
says why.
"""

from __future__ import annotations

import functools
import time
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubecopilot import messages
from kubecopilot.diagnosis import pods as _pods  # noqa: F401 - registers the pod_runbooks check
from kubecopilot.diagnosis import workload_checks as _workload_checks  # noqa: F401 - registers the workload checks
from kubecopilot.diagnosis.checks import CHECKS, Match
from kubecopilot.diagnosis.fixes import FIXES
from kubecopilot.diagnosis.models import SEVERITY_RANK, ScanFinding, ScanReport, Skipped, WorkloadGroup
from kubecopilot.diagnosis.objects import ref
from kubecopilot.diagnosis.snapshot import Snapshot, read_snapshot
from kubecopilot.dialogue.models import Diagnosis
from kubecopilot.dialogue.ports import Gateway
from kubecopilot.errors import ConfigError
from kubecopilot.resources import read_yaml

ANALYZER_FILE = Path(__file__).with_name("analyzers.yaml")
CATEGORIES = set(typing.get_args(Diagnosis.model_fields["category"].annotation))
SYMPTOMS = {"service_no_ready_endpoints", "statefulset_not_ready"}
_CATEGORY_SEVERITY = {"NodeNotReady": "critical", "ImagePullBackOff": "critical", "Unschedulable": "critical",
                      "ConfigError": "critical", "CrashLoopBackOff": "high", "OOMKilled": "high", "ProbeFailure": "high"}


@dataclass(frozen=True)
class Analyzer:
    id: str
    category: str
    needs: tuple[str, ...]
    check: str
    severity: str
    confidence: float
    fix: str
    text: Mapping[str, Any]  # English templates; "zh": the Chinese ones (a missing one falls back to English)

    def texts(self, language: str) -> dict[str, str]:
        """The templates in ``language``: its own block over the English ones (a command reads the same in both)."""
        english = {k: v for k, v in self.text.items() if isinstance(v, str)}
        translated = self.text.get(language)
        return {**english, **translated} if isinstance(translated, Mapping) else english


@functools.cache
def _analyzer_file(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = read_yaml(path)
    return data


@functools.cache
def load_analyzers(path: Path = ANALYZER_FILE) -> tuple[Analyzer, ...]:
    """The analyzer file, checked: every check and fix must exist, every analyzer must have its texts."""
    data = _analyzer_file(path)
    analyzers = tuple(Analyzer(id=a["id"], category=a["category"], needs=tuple(a["needs"]), check=a["check"], severity=a["severity"],
                               confidence=float(a["confidence"]), fix=a.get("fix", "none"), text=a["text"])
                      for a in data["analyzers"])
    for a in analyzers:
        if a.check not in CHECKS:
            raise ConfigError(f"analyzer {a.id}: unknown check {a.check!r}")
        if a.fix not in FIXES:
            raise ConfigError(f"analyzer {a.id}: unknown fix {a.fix!r}")
        if a.category not in CATEGORIES and a.category != "runbook":
            raise ConfigError(f"analyzer {a.id}: unknown category {a.category!r}")
        if a.severity not in SEVERITY_RANK:
            raise ConfigError(f"analyzer {a.id}: unknown severity {a.severity!r}")
        missing = {"summary", "explanation", "manual_fix", "follow_up"} - set(a.text)
        if missing:
            raise ConfigError(f"analyzer {a.id}: texts missing: {', '.join(sorted(missing))}")
    return analyzers


@functools.cache
def load_phrases(path: Path = ANALYZER_FILE) -> dict[str, dict[str, str]]:
    """The file's ``phrases``: phrase → language → template (the words a check's values are said with)."""
    phrases: dict[str, dict[str, str]] = _analyzer_file(path).get("phrases") or {}
    return phrases


def _phrased(match: Match, values: _Values, language: str) -> _Values:
    """The values with each phrase the check named said in ``language`` (from the other values)."""
    phrases = load_phrases()
    said = {name: (phrases[key].get(language) or phrases[key]["en"]).format_map(values) for name, key in match.phrases.items()}
    return _Values({**values, **said})


def needed_kinds(analyzers: Iterable[Analyzer] | None = None) -> list[str]:
    return list(dict.fromkeys(k for a in (analyzers or load_analyzers()) for k in a.needs))


def scan(gateway: Gateway, *, namespace: str | None = None, cluster: str | None = None, fresh: bool = False,
         only: Iterable[str] | None = None, language: str = "en") -> ScanReport:
    """Read the cluster (or one namespace) once and run every analyzer (or the ``only`` ones) on it."""
    started = time.perf_counter()
    analyzers = [a for a in load_analyzers() if only is None or a.id in set(only)]
    snap = read_snapshot(gateway, needed_kinds(analyzers), namespace=namespace, cluster=cluster, fresh=fresh)
    snap.language = messages.language(language)
    report = analyze_snapshot(snap, analyzers)
    report.cluster = cluster
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def analyze_snapshot(snap: Snapshot, analyzers: Iterable[Analyzer] | None = None) -> ScanReport:
    findings: list[tuple[str, ScanFinding]] = []
    skipped: list[Skipped] = []
    for analyzer in analyzers or load_analyzers():
        absent = [k for k in analyzer.needs if not snap.has(k)]
        if absent:
            reasons = "; ".join(dict.fromkeys(snap.missing.get(k, f"{k} was not read") for k in absent))
            skipped.append(Skipped(analyzer=analyzer.id, reason=f"needs {', '.join(absent)}: {reasons}"))
            continue
        for match in CHECKS[analyzer.check](snap):
            findings.append((ref(match.workload), _finding(analyzer, snap, match)))
    return ScanReport(namespace=snap.namespace, groups=_grouped(findings), skipped=skipped,
                      objects_read=sum(len(v) for v in snap.objects.values()), tools=snap.tools)


def _finding(analyzer: Analyzer, snap: Snapshot, match: Match) -> ScanFinding:
    fix, fix_values = FIXES[analyzer.fix](snap, match)
    values = _phrased(match, _Values({**match.values, **fix_values}), snap.language)
    text = analyzer.texts(snap.language)
    diagnosis = match.data.get("diagnosis")
    severity = _CATEGORY_SEVERITY.get(diagnosis.category, analyzer.severity) if diagnosis else analyzer.severity
    suggested = text["suggested_fix"] if fix is not None and "suggested_fix" in text else text["manual_fix"]
    if diagnosis is not None:
        suggested = diagnosis.suggested_fix
    suggested_text = suggested.format_map(values)
    return ScanFinding(
        analyzer=analyzer.id,
        category=diagnosis.category if diagnosis else analyzer.category,
        severity=severity,  # type: ignore[arg-type]
        confidence=diagnosis.confidence if diagnosis else analyzer.confidence,
        object=ref(match.subject),
        summary=text["summary"].format_map(values),
        explanation=text["explanation"].format_map(values),
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
