""""Check the health of my services": a complex request broken into a short list of tool steps.

The steps are shown for confirmation first (PRD 2.2.4), then run, then summarised per workload: one row for
billing-api with everything the checks found about it (its pod, its availability, its warning events), not three.
A check passes (✓) only on records that say what it judges; the others are counted as "?" and named ("could not
check …"), never as passing.
"""

from __future__ import annotations

from typing import Any

from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import Answer, TableBlock, TextBlock
from kubecopilot.dialogue.views import Reads, is_unhealthy, suggestion
from kubecopilot.k8s import workload_of
from kubecopilot.messages import say
from kubecopilot.tools.ports import Gateway

_STEPS = (  # (capability, what it checks: a message key)
    ("list_nodes", "check_nodes_ready"),
    ("list_pods", "check_pods_ready"),
    ("list_deployments", "check_deployments_available"),
    ("list_events", "title_warning_events"),
)

Key = tuple[str, str]  # (namespace, "kind/name") of the workload a finding belongs to


class HealthCheck:
    def __init__(self, gateway: Gateway, session: Session) -> None:
        self.gateway, self.session = gateway, session

    def steps(self) -> list[str]:
        lang = self.session.language
        return [f"{say(check, lang)} ({self.gateway.binding(cap).tool})" for cap, check in _STEPS if self.gateway.has(cap)]

    def run(self) -> Answer:
        lang = self.session.language
        reads = Reads(self.gateway, self.session.cluster)
        data = {cap: reads.records(cap) for cap, _ in _STEPS if self.gateway.has(cap)}
        findings: dict[Key, list[str]] = {}
        results = []
        unchecked: list[str] = []
        for capability, check in _STEPS:
            if capability in data:
                found = getattr(self, f"_{capability}")(data[capability], data.get("list_pods", []))
                for key, problem in found:
                    findings.setdefault(key, []).append(problem)
                unknown = [r for r in data[capability] if not _judgeable(capability, r)]
                if unknown:  # records the server gave without what this check judges: never counted as passing
                    unchecked.append(say("health_unknown", lang, count=len(unknown), check=say(check, lang),
                                         tool=self.gateway.binding(capability).tool))
                results.append([say(check, lang), _result(len(found), len(unknown))])
        blocks: list[Any] = [TextBlock(text=say("health_summary", lang, problems=len(findings), checks=len(results))),
                             TableBlock(columns=["CHECK", "RESULT"], rows=results)]
        blocks += [TextBlock(text=line) for line in unchecked]
        if findings:
            rows = [[ns, obj, "; ".join(dict.fromkeys(problems))] for (ns, obj), problems in sorted(findings.items())]
            blocks.append(TableBlock(title=say("title_problems", lang), columns=["NAMESPACE", "WORKLOAD", "PROBLEM"],
                                     rows=rows))
        suggestions = [suggestion("diagnose", lang, f"diagnose {obj.replace('/', ' ', 1)} -n {ns}", name=obj.split("/", 1)[1])
                       for ns, obj in sorted(findings) if not obj.startswith("node/")][:2]
        suggestions.append(suggestion("warnings", lang, "warning events"))
        return Answer(title=say("title_health_check", lang), blocks=blocks, source=reads.source,
                      suggestions=suggestions, tip=say("tip_events_first", lang) if findings else None)

    @staticmethod
    def _list_nodes(nodes: list[Any], pods: list[Any]) -> list[tuple[Key, str]]:
        return [(("", f"node/{r.name}"), r.status or "NotReady") for r in nodes if r.status != "Ready"]

    @staticmethod
    def _list_pods(records: list[Any], pods: list[Any]) -> list[tuple[Key, str]]:
        return [((r.namespace or "", workload_of(r.raw, r.name)), f"pod {r.status} ({r.ready} ready, {r.restarts or 0} restarts)")
                for r in records if is_unhealthy(r)]

    @staticmethod
    def _list_deployments(records: list[Any], pods: list[Any]) -> list[tuple[Key, str]]:
        found = []
        for r in records:
            ready, _, total = str(r.ready or "").partition("/")
            if total and ready != total:
                found.append(((r.namespace or "", f"deployment/{r.name}"), f"{r.ready} available"))
        return found

    @staticmethod
    def _list_events(records: list[Any], pods: list[Any]) -> list[tuple[Key, str]]:
        """Warning events, grouped per workload; events about pods that no longer exist are history, not health."""
        live = {(p.namespace, p.name): p for p in pods}
        reasons: dict[Key, set[str]] = {}
        for e in records:
            obj = e.raw.get("involvedObject") or {}
            if e.raw.get("type") != "Warning":
                continue
            namespace = str(obj.get("namespace") or e.namespace or "")
            if obj.get("kind") == "Pod":
                pod = live.get((namespace, obj.get("name")))
                if pod is None:
                    continue
                key = (namespace, workload_of(pod.raw, pod.name))
            else:
                key = (namespace, f"{str(obj.get('kind', '')).lower()}/{obj.get('name', '')}")
            reasons.setdefault(key, set()).add(str(e.raw.get("reason", "")))
        return [(key, "warnings: " + ", ".join(sorted(found))) for key, found in reasons.items()]


_JUDGED_BY = {"list_nodes": "status", "list_pods": "status", "list_deployments": "ready"}


def _judgeable(capability: str, record: Any) -> bool:
    """Whether a record carries what its check judges (a deployment's READY, an event's type …)."""
    if capability == "list_events":
        return bool(record.raw.get("type"))
    return bool(getattr(record, _JUDGED_BY[capability]))


def _result(problems: int, unknown: int) -> str:
    marks = ([f"✗ {problems}"] if problems else []) + ([f"? {unknown}"] if unknown else [])
    return " ".join(marks) or "✓"
