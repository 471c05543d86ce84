"""Scoring: each expectation of a case becomes a list of failure messages (empty = passed). No LLM judge.

Turn checks read the turn itself (pydantic data) and the plan service; end-state checks read the sandbox directly
through ``handle.cluster.call`` so the assistant's own view (and cache) cannot hide a wrong result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kubecopilot.dialogue.turns import Answer, Ask, DiagnosisBlock, ErrorTurn, PlanProposal
from kubecopilot.testing.conversations import turn_text

from .casefile import DiagnosisExpect, EndCheck, Expect, OptionsExpect, PlanExpect, Strings, ToolsExpect

plain_text = turn_text  # every string in the turn, one per line (the held-out runner's rendering)

KINDS = {"ask": Ask, "answer": Answer, "plan": PlanProposal, "error": ErrorTurn}


def headline(turn: Any) -> str:
    return (getattr(turn, "title", None) or getattr(turn, "question", None) or getattr(turn, "summary", None)
            or getattr(turn, "message", None) or "")


def describe(turn: Any) -> str:
    """One line for failure messages: the turn's kind and headline."""
    return f"{turn.kind}: {headline(turn)[:160]!r}"


def check_turn(turn: Any, expect: Expect, *, plans: Any, llm_calls: int) -> list[str]:
    failures: list[str] = []
    if expect.kind and turn.kind != expect.kind:
        detail = f" ({turn.code}: {turn.message})" if isinstance(turn, ErrorTurn) else ""
        return [f"expected a {expect.kind} turn, got {describe(turn)}{detail}"]  # the rest would only add noise
    if expect.slot is not None and getattr(turn, "slot", None) != expect.slot:
        failures.append(f"expected a question about {expect.slot!r}, got {getattr(turn, 'slot', None)!r}")
    if expect.steps_min is not None and len(getattr(turn, "steps", [])) < expect.steps_min:
        failures.append(f"expected at least {expect.steps_min} steps shown, got {getattr(turn, 'steps', [])}")
    failures += _strings("text", plain_text(turn), expect.text)
    failures += _strings("headline", headline(turn), expect.title)
    failures += _options(getattr(turn, "options", []), expect.options)
    failures += _tools(turn, expect.tools)
    failures += _diagnosis(turn, expect.diagnosis)
    failures += _plan(turn, expect.plan, plans)
    if expect.error_code is not None and getattr(turn, "code", None) != expect.error_code:
        failures.append(f"expected error code {expect.error_code!r}, got {getattr(turn, 'code', None)!r}")
    failures += _strings("notices", "\n".join(turn.notices), expect.notices)
    failures += _strings("suggestions", "\n".join(s.command for s in getattr(turn, "suggestions", [])),
                         expect.suggestions)
    if expect.llm_calls is not None and llm_calls != expect.llm_calls:
        failures.append(f"expected {expect.llm_calls} LLM agent call(s) in this turn, got {llm_calls}")
    return failures


def check_session(session: Any, expect: Expect) -> list[str]:
    want = expect.session
    if want is None:
        return []
    failures = [f"session {field}: expected {getattr(want, field)!r}, got {getattr(session, field)!r}"
                for field in ("namespace", "cluster") if getattr(want, field) is not None
                and getattr(session, field) != getattr(want, field)]
    if want.pending is not None and (session.pending is not None) != want.pending:
        failures.append(f"session pending question: expected {want.pending}, got {session.pending is not None}")
    return failures


def _strings(where: str, text: str, want: Strings | None) -> list[str]:
    if want is None:
        return []
    missing = [f"{where} should contain {s!r}" for s in want.contains if s not in text]
    present = [f"{where} must not contain {s!r}" for s in want.absent if s in text]
    return [f"{m} (got {text[:300]!r})" for m in missing] + present


def _options(options: list[Any], want: OptionsExpect | None) -> list[str]:
    if want is None:
        return []
    values = [o.value for o in options]
    failures = [f"options should include {v!r}, got {values}" for v in want.contain if v not in values]
    failures += [f"options must not include {v!r}, got {values}" for v in want.exclude if v in values]
    failures += [f"no option contains {v!r}, got {values}" for v in want.any_contain if not any(v in x for x in values)]
    if want.all_contain and not (values and all(want.all_contain in v for v in values)):
        failures.append(f"every option should contain {want.all_contain!r}, got {values}")
    if want.count is not None and len(values) != want.count:
        failures.append(f"expected {want.count} options, got {len(values)}: {values}")
    if want.min is not None and len(values) < want.min:
        failures.append(f"expected at least {want.min} options, got {len(values)}: {values}")
    return failures


def _tools(turn: Any, want: ToolsExpect | None) -> list[str]:
    if want is None:
        return []
    if not isinstance(turn, Answer):
        return [f"tool expectations need an answer, got {describe(turn)}"]
    used = turn.source.tools
    failures = [f"tool {t!r} should have answered, tools were {used}" for t in want.contain if t not in used]
    failures += [f"tool {t!r} must not have been used, tools were {used}" for t in want.exclude if t in used]
    if want.from_cache is not None and turn.source.from_cache != want.from_cache:
        failures.append(f"expected from_cache={want.from_cache}, got {turn.source.from_cache}")
    return failures


def diagnosis_of(turn: Any) -> Any:
    if isinstance(turn, PlanProposal):
        return turn.diagnosis
    return next((b.diagnosis for b in getattr(turn, "blocks", []) if isinstance(b, DiagnosisBlock)), None)


def _diagnosis(turn: Any, want: DiagnosisExpect | None) -> list[str]:
    if want is None:
        return []
    found = diagnosis_of(turn)
    if found is None:
        return [f"expected a diagnosis, got {describe(turn)}"]
    failures = []
    if want.category and found.category != want.category:
        failures.append(f"diagnosis category: expected {want.category}, got {found.category} ({found.summary!r})")
    if want.source and found.source != want.source:
        failures.append(f"diagnosis source: expected {want.source}, got {found.source}")
    action = found.fix.action if found.fix else "none"
    if want.fix_action and action != want.fix_action:
        failures.append(f"diagnosis fix: expected {want.fix_action}, got {action}")
    sources = {e.source for e in found.evidence}
    failures += [f"no evidence quoted from {s} (sources: {sorted(sources)})" for s in want.evidence_sources
                 if s not in sources]
    return failures


def _plan(turn: Any, want: PlanExpect | None, plans: Any) -> list[str]:
    if want is None:
        return []
    if isinstance(turn, PlanProposal):
        plan_id, summary, risk, ref = turn.plan_id, turn.summary, turn.risk_level, turn.plan["resource"]
        resource = f"{ref.get('namespace')}/{ref.get('name')}"
    else:  # after an approval: the plan the case proposed last
        plan_id = plans.last_id
        if plan_id is None:
            return ["expected a plan, none was proposed"]
        stored = plans.service.get(plan_id)
        summary, risk = "", stored.risk.level
        resource = f"{stored.resource.namespace}/{stored.resource.name}"
    failures = [f"plan summary should contain {s!r}, got {summary!r}" for s in want.summary_contains
                if s not in summary]
    if want.resource and resource != want.resource:
        failures.append(f"plan resource: expected {want.resource}, got {resource}")
    if want.risk and risk != want.risk:
        failures.append(f"plan risk: expected {want.risk}, got {risk}")
    if want.status and (status := plans.service.get(plan_id).status) != want.status:
        failures.append(f"plan status: expected {want.status}, got {status}")
    if want.ledger is not None:
        events = [e.event for e in plans.service.ledger.history(plan_id)]
        if events != want.ledger:
            failures.append(f"ledger events: expected {want.ledger}, got {events}")
    return failures


# --- end state ------------------------------------------------------------------------------------------------


def read(handle: Any, tool: str, args: dict[str, Any], cluster: str | None) -> Any:
    return json.loads(handle.cluster.call(tool, {**args, **({"cluster": cluster} if cluster else {})}))


def deployment_object(handle: Any, ref: str, cluster: str | None = None) -> dict[str, Any] | None:
    namespace, name = ref.split("/", 1)
    try:
        return read(handle, "get_deployment", {"namespace": namespace, "deployment_name": name}, cluster)
    except Exception:  # noqa: BLE001 - the sandbox says "not found" by raising; that is an answer here
        return None


def pods_of(handle: Any, deployment: dict[str, Any], cluster: str | None) -> list[dict[str, Any]]:
    """The deployment's pods by its selector, not counting pods already on their way out."""
    meta, selector = deployment["metadata"], deployment["spec"]["selector"]["matchLabels"]
    items = read(handle, "list_pods", {"namespace": meta["namespace"]}, cluster)["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")
            and all((p["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())]


def pod_ready(pod: dict[str, Any]) -> bool:
    statuses = pod["status"].get("containerStatuses") or []
    return pod["status"].get("phase") == "Running" and bool(statuses) and all(c.get("ready") for c in statuses)


def check_end_state(handle: Any, checks: Iterable[EndCheck], before: dict[str, str]) -> list[str]:
    failures: list[str] = []
    for check in checks:
        failures += _namespace_state(handle, check) if check.namespace else _deployment_state(handle, check, before)
    return failures


def _namespace_state(handle: Any, check: EndCheck) -> list[str]:
    names = {n["metadata"]["name"] for n in read(handle, "list_namespaces", {}, check.cluster)["items"]}
    exists = check.namespace in names
    if check.exists is not None and exists != check.exists:
        return [f"namespace {check.namespace}: expected exists={check.exists}, got {exists}"]
    return []


def _deployment_state(handle: Any, check: EndCheck, before: dict[str, str]) -> list[str]:
    ref = check.deployment or ""
    obj = deployment_object(handle, ref, check.cluster)
    if obj is None:
        return [f"deployment {ref} is gone"] if check.exists is not False else []
    if check.exists is False:
        return [f"deployment {ref} should not exist"]
    container = obj["spec"]["template"]["spec"]["containers"][0]
    resources = container.get("resources") or {}
    actual = {
        "replicas": obj["spec"].get("replicas"),
        "image": container.get("image"),
        "memory_limit": (resources.get("limits") or {}).get("memory"),
        "probe_path": ((container.get("readinessProbe") or {}).get("httpGet") or {}).get("path"),
    }
    failures = []
    for field in ("replicas", "image", "probe_path"):
        want = getattr(check, field)
        if want is not None and actual[field] != want:
            failures.append(f"{ref} {field}: expected {want!r}, got {actual[field]!r}")
    if check.memory_limit is not None and actual["memory_limit"] not in check.memory_limit:
        failures.append(f"{ref} memory_limit: expected one of {check.memory_limit}, got {actual['memory_limit']!r}")
    failures += _pods_state(handle, check, obj)
    if check.unchanged is not None:
        same = obj["metadata"]["resourceVersion"] == before.get(ref)
        if same != check.unchanged:
            failures.append(f"{ref}: expected unchanged={check.unchanged} (resourceVersion {before.get(ref)} → "
                            f"{obj['metadata']['resourceVersion']})")
    return failures


def _pods_state(handle: Any, check: EndCheck, obj: dict[str, Any]) -> list[str]:
    if check.pod_count is None and check.pods_ready is None:
        return []
    pods = pods_of(handle, obj, check.cluster)
    failures = []
    if check.pod_count is not None and len(pods) != check.pod_count:
        failures.append(f"{check.deployment}: expected {check.pod_count} pods, got {len(pods)}")
    ready = bool(pods) and all(pod_ready(p) for p in pods)
    if check.pods_ready is not None and ready != check.pods_ready:
        phases = [(p["metadata"]["name"], p["status"].get("phase")) for p in pods]
        failures.append(f"{check.deployment}: expected pods_ready={check.pods_ready}, pods: {phases}")
    return failures


def snapshot_versions(handle: Any, checks: Iterable[EndCheck]) -> dict[str, str]:
    """resourceVersions before the conversation, for ``unchanged`` checks."""
    versions = {}
    for check in checks:
        if check.deployment and check.unchanged is not None:
            obj = deployment_object(handle, check.deployment, check.cluster)
            versions[check.deployment] = obj["metadata"]["resourceVersion"] if obj else ""
    return versions
