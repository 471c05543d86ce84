"""Score any ``understand`` callable on a table of utterances with the expected intent and targets.

The table (``tests/dialogue/utterances.yaml``) holds what people type — English and Chinese, typos, follow-ups,
questions that must not become writes — and what each means. The rule engine is scored offline on every run; the
coordinator (``Brain.understand``) can be scored the same way: ``score(brain.understand, load_table(path))``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kubecopilot.dialogue.inventory import StaticNames
from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.dialogue.reader import read
from kubecopilot.dialogue.reading import SessionView
from kubecopilot.dialogue.registry import CHANGE_INTENTS
from kubecopilot.errors import KubeCopilotError

Understand = Callable[[str, dict[str, Any]], RoutedRequest]
ALWAYS_CHECKED = ("target", "namespace", "cluster")  # a row that does not name them expects none
OPTIONAL_FIELDS = ("kind", "replicas", "image", "memory_limit", "cpu_limit", "memory_request", "cpu_request",
                   "previous", "uses_context", "choice", "container")


@dataclass(frozen=True)
class Utterance:
    say: str
    intents: tuple[str, ...]  # acceptable intents; "unknown" among them means abstaining is right too
    fields: Mapping[str, Any]  # expected values of ALWAYS_CHECKED and any OPTIONAL_FIELDS the row names
    error: str | None = None  # an expected typed error code instead of a request (e.g. "input_rejected")


@dataclass(frozen=True)
class Table:
    context: dict[str, Any]  # what the understand callable gets: known names, as a session would pass them
    utterances: tuple[Utterance, ...]


@dataclass
class Score:
    total: int = 0
    correct: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (utterance, what was wrong)
    wrong_writes: list[str] = field(default_factory=list)  # a write intent where none was meant: the worst error

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def load_table(path: Path) -> Table:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = []
    for row in data["utterances"]:
        expected = row.get("intent", "unknown")
        intents = tuple(expected) if isinstance(expected, list) else (expected,)
        fields = {name: row.get(name) for name in ALWAYS_CHECKED}
        fields.update({name: row[name] for name in OPTIONAL_FIELDS if name in row})
        rows.append(Utterance(say=str(row["say"]), intents=intents, fields=fields, error=row.get("error")))
    return Table(context=dict(data.get("context") or {}), utterances=tuple(rows))


def check(utterance: Utterance, request: RoutedRequest) -> list[str]:
    """What the request got wrong about the utterance (empty: right)."""
    if utterance.error:
        return [f"expected the error {utterance.error}, got intent {request.intent}"]
    problems = [] if request.intent in utterance.intents else [f"intent {request.intent}, expected {utterance.intents}"]
    for name, value in utterance.fields.items():
        if request.intent == "unknown" and name not in ALWAYS_CHECKED:
            continue  # abstaining: only the names must still be read right
        got = getattr(request, name)
        if got != value:
            problems.append(f"{name} {got!r}, expected {value!r}")
    return problems


def score(understand_fn: Understand, table: Table) -> Score:
    result = Score()
    for utterance in table.utterances:
        result.total += 1
        try:
            request = understand_fn(utterance.say, dict(table.context))
        except KubeCopilotError as exc:
            if exc.code == utterance.error:
                result.correct += 1
            else:
                result.failures.append((utterance.say, f"raised {exc.code}: {exc.message}"))
            continue
        problems = check(utterance, request)
        if not problems:
            result.correct += 1
            continue
        result.failures.append((utterance.say, "; ".join(problems)))
        if request.intent in CHANGE_INTENTS and not set(utterance.intents) & CHANGE_INTENTS:
            result.wrong_writes.append(utterance.say)
    return result


def rules_understand(text: str, context: dict[str, Any]) -> RoutedRequest:
    """The offline reader as an ``Understand``, on a fresh session: the cluster's names come from ``context['known']``
    (``namespaces``, ``clusters``, ``nodes``, ``deployments``, ``pods``)."""
    known = context.get("known") or {}
    names = StaticNames({kind: known.get(key, ()) for kind, key in _KNOWN.items()})
    return read(text, SessionView(), names).request


_KNOWN = {"namespace": "namespaces", "cluster": "clusters", "node": "nodes", "deployment": "deployments", "pod": "pods"}
