"""Score a file of scripted conversations (the held-out set's format) against a served sandbox, offline.

Each conversation starts on the sandbox world as it was built and a fresh session. A turn says something (or answers
the pending plan's approval question); its expectations are checked against everything the turn shows and, for
``cluster:`` checks, against the sandbox's objects read directly. The format is documented in
``tests/dialogue/heldout/README.md``; ``benchmarks/heldout.py`` prints the score.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubecopilot.plans.model import ApprovalDecision
from kubecopilot.resources import read_yaml
from kubecopilot.testing.apps import app_for


@dataclass
class Outcome:
    id: str
    theme: str
    lang: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_conversations(path: Path) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = read_yaml(path)
    return cases


def turn_text(turn: Any) -> str:
    """Everything a turn shows (its title or question, blocks, options, suggestions, notices), one string per line."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(turn.model_dump(mode="json"))
    return "\n".join(out)


def run_conversation(case: dict[str, Any], handle: Any) -> Outcome:
    """One conversation on the world as built, with a fresh session and a ledger of its own: a fresh sandbox is a
    fresh cluster, and a change executed in an earlier conversation was executed on another one."""
    outcome = Outcome(str(case.get("id")), str(case.get("theme", "")), str(case.get("lang", "")))
    handle.cluster.reset()
    with tempfile.TemporaryDirectory(prefix="kubecopilot-conversation-") as home, \
            app_for(handle, **{"audit.url": f"sqlite:///{Path(home) / 'audit.sqlite'}"}) as app:
        undecided: str | None = None  # the plan the previous turn proposed, its approval question open
        for number, step in enumerate(case.get("turns") or [], 1):
            before = _versions(handle)
            try:
                turn = _say(app, step, undecided)
            except Exception as exc:  # a crash is a failure of the product, not of the runner
                outcome.failures.append(f"turn {number} {step.get('say')!r}: raised {type(exc).__name__}: {exc}")
                break
            undecided = turn.plan_id if turn.kind == "plan" else None
            where = f"turn {number} {step.get('say')!r} → {turn.kind}: {_headline(turn)[:100]!r}"
            outcome.failures += [f"{where}: {f}" for f in check(turn, step.get("expect") or {}, handle, before)]
    return outcome


def _say(app: Any, step: dict[str, Any], undecided: str | None) -> Any:
    """What the person says. With ``approve``: the answer at the approval question — of the plan the previous turn
    proposed ("y" on a turn of its own), or of the plan this turn's request proposes (the request and the "y" in one
    step). The REPL's y/n, with the typed name a high-risk plan asks for."""
    if "approve" not in step:
        return app.conversation.handle(str(step.get("say", "")))
    yes = bool(step["approve"])

    def decide(plan: Any) -> ApprovalDecision:
        return ApprovalDecision(approved=yes, by="user:heldout", typed_name=plan.resource.name if yes else None)

    if undecided is not None:
        return app.conversation.approve(undecided, decide)
    turn = app.conversation.handle(str(step.get("say", "")))
    return app.conversation.approve(turn.plan_id, decide) if turn.kind == "plan" else turn


def check(turn: Any, expect: dict[str, Any], handle: Any, before: dict[str, str]) -> Iterator[str]:
    text = turn_text(turn).lower()
    kinds = expect.get("kind")
    if kinds and turn.kind not in ([kinds] if isinstance(kinds, str) else kinds):
        yield f"kind {turn.kind}, expected {kinds}"
    for want in expect.get("contains") or []:
        if str(want).lower() not in text:
            yield f"does not show {want!r}"
    any_of = expect.get("contains_any") or []
    if any_of and not any(str(w).lower() in text for w in any_of):
        yield f"shows none of {any_of}"
    for unwanted in expect.get("not_contains") or []:
        if str(unwanted).lower() in text:
            yield f"shows {unwanted!r}"
    yield from _options(turn, expect.get("options_contain") or [])
    yield from _plan(turn, expect.get("plan"))
    if expect.get("writes") == "none" and _versions(handle) != before:
        yield "changed the cluster"
    for item in expect.get("cluster") or []:
        yield from _cluster(handle, item)


def _options(turn: Any, wanted: list[Any]) -> Iterator[str]:
    options = [f"{o.value} {o.label}".lower() for o in getattr(turn, "options", [])]
    for want in wanted:
        if not any(str(want).lower() in o for o in options):
            yield f"offers no option {want!r}"


def _plan(turn: Any, want: dict[str, Any] | None) -> Iterator[str]:
    if not want:
        return
    if turn.kind != "plan":
        yield "no plan"
        return
    plan, resource = turn.plan, turn.plan.get("resource") or {}
    got = {"action": plan.get("action"), "kind": resource.get("kind"), "namespace": resource.get("namespace"),
           "name": resource.get("name")}
    for key, value in want.items():
        if got.get(key) != value:
            yield f"plan {key} is {got.get(key)!r}, expected {value!r}"


def _cluster(handle: Any, item: dict[str, Any]) -> Iterator[str]:
    kind, name, ns = item.get("kind"), item.get("name"), item.get("namespace")
    with handle.cluster.lock:
        obj = handle.cluster.cluster(item.get("cluster")).store.peek(kind, name, ns)
        value = _path(obj, str(item.get("path", ""))) if obj is not None else None
    what = f"{kind} {ns}/{name} {item.get('path', '')}"
    if obj is None and item.get("exists", True):
        yield f"{kind} {ns}/{name} does not exist"
    elif "equals" in item and str(value) != str(item["equals"]):
        yield f"{what} is {value!r}, expected {item['equals']!r}"
    elif "not_equals" in item and str(value) == str(item["not_equals"]):
        yield f"{what} is still {value!r}"
    elif item.get("exists") is False and obj is not None:
        yield f"{kind} {ns}/{name} still exists"


def _path(obj: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            obj = obj[index] if isinstance(obj, list) and index < len(obj) else None
        else:
            obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def _versions(handle: Any) -> dict[str, str]:
    with handle.cluster.lock:
        return {name: str(c.store.revision) for name, c in handle.cluster.clusters.items()}


def _headline(turn: Any) -> str:
    return str(getattr(turn, "title", None) or getattr(turn, "question", None) or getattr(turn, "summary", None)
               or getattr(turn, "message", None) or "")
