""""Check the health of my services": a complex request broken into a short list of tool steps.

The steps are shown for confirmation first (PRD 2.2.4), then run, then summarised as problems with next steps.
"""

from __future__ import annotations

from typing import Any

from kubecopilot.dialogue.messages import say
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import Answer, TableBlock, TextBlock
from kubecopilot.dialogue.views import Reads, is_unhealthy, suggestion

_STEPS = (  # (capability, English, Chinese)
    ("list_nodes", "Nodes Ready", "节点是否 Ready"),
    ("list_pods", "Pods running and ready, in all namespaces", "所有命名空间中 Pod 是否运行且就绪"),
    ("list_deployments", "Deployments fully available", "Deployment 是否全部可用"),
    ("list_events", "Recent warning events", "最近的告警事件"),
)


class HealthCheck:
    def __init__(self, gateway: Any, session: Session) -> None:
        self.gateway, self.session = gateway, session

    def steps(self) -> list[str]:
        lang = self.session.language
        return [f"{zh if lang == 'zh' else en} ({self.gateway.binding(cap).tool})"
                for cap, en, zh in _STEPS if self.gateway.has(cap)]

    def run(self) -> Answer:
        lang = self.session.language
        reads = Reads(self.gateway, self.session.cluster)
        problems: list[list[str]] = []
        results: list[list[str]] = []
        for capability, en, zh in _STEPS:
            if not self.gateway.has(capability):
                continue
            found = getattr(self, f"_{capability}")(reads.records(capability))
            problems += found
            results.append([zh if lang == "zh" else en, "✓" if not found else f"✗ {len(found)}"])
        blocks: list[Any] = [TextBlock(text=say("health_summary", lang, problems=len(problems), checks=len(results))),
                             TableBlock(columns=["CHECK", "RESULT"], rows=results)]
        if problems:
            blocks.append(TableBlock(title="Problems" if lang == "en" else "问题", columns=["NAMESPACE", "OBJECT", "PROBLEM"],
                                     rows=problems[:15]))
        workloads = list(dict.fromkeys((row[0], row[1]) for row in problems if row[1].startswith("pod/")))
        suggestions = [suggestion("diagnose", lang, f"diagnose {obj.replace('/', ' ', 1)} -n {ns}", name=obj.split("/", 1)[1])
                       for ns, obj in workloads[:2]]
        suggestions.append(suggestion("warnings", lang, "warning events"))
        return Answer(title="Health check" if lang == "en" else "健康检查", blocks=blocks, source=reads.source,
                      suggestions=suggestions[:3], tip=say("tip_events_first", lang) if problems else None)

    @staticmethod
    def _list_nodes(records: list[Any]) -> list[list[str]]:
        return [["", f"node/{r.name}", r.status or "NotReady"] for r in records if r.status != "Ready"]

    @staticmethod
    def _list_pods(records: list[Any]) -> list[list[str]]:
        return [[r.namespace or "", f"pod/{r.name}", f"{r.status} ({r.ready} ready, {r.restarts or 0} restarts)"]
                for r in records if is_unhealthy(r)]

    @staticmethod
    def _list_deployments(records: list[Any]) -> list[list[str]]:
        out = []
        for r in records:
            ready, _, total = str(r.ready or "").partition("/")
            if total and ready != total:
                out.append([r.namespace or "", f"deployment/{r.name}", f"{r.ready} available"])
        return out

    @staticmethod
    def _list_events(records: list[Any]) -> list[list[str]]:
        warnings: dict[tuple[str, str], list[str]] = {}
        for e in records:
            if e.raw.get("type") != "Warning":
                continue
            obj = e.raw.get("involvedObject") or {}
            key = (str(obj.get("namespace") or e.namespace or ""), f"{str(obj.get('kind', '')).lower()}/{obj.get('name', '')}")
            warnings.setdefault(key, []).append(str(e.raw.get("reason", "")))
        return [[ns, obj, "warnings: " + ", ".join(sorted(set(reasons)))] for (ns, obj), reasons in warnings.items()]
