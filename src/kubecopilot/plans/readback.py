"""What a write did, read back from the cluster when its answer did not say: applied, not applied, or unknown.

A write whose answer was lost — the call timed out, the connection dropped — may still be applied by the server
later (a slow API server, an admission webhook taking its time). So nothing is said until the object is read back:
the step's values there → "applied"; the server refused the write and its values are not there → "not applied";
the answer was lost and the values did not appear within ``settle_s`` → "unknown", with what the server shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from kubecopilot.errors import KubeCopilotError
from kubecopilot.plans.model import ResourceRef, Step
from kubecopilot.plans.patches import resolve

Outcome = Literal["applied", "not applied", "unknown"]
_MISSING = object()


@dataclass(frozen=True)
class ReadBack:
    outcome: Outcome
    shows: dict[str, Any] = field(default_factory=dict)  # each path the step sets → what the server has there
    obj: dict[str, Any] | None = None  # the object as last read (None: gone, or could not be read)
    note: str = ""

    def describe(self) -> str:
        shown = ", ".join(f"{path} = {_short(value)}" for path, value in self.shows.items()) or "nothing readable"
        return f"the server shows {shown}" + (f" ({self.note})" if self.note else "")


def read_back(ops: Any, ref: ResourceRef, step: Step, expected: dict[str, Any] | None, *, lost: bool,
              settle_s: float, interval_s: float, clock: Callable[[], float],
              sleep: Callable[[float], None]) -> ReadBack:
    """Read the object until the step's values are there (applied) or — for a lost answer — ``settle_s`` passed.

    ``lost``: the call got no answer (timeout, dropped connection); else the server answered with an error."""
    deadline = clock() + (settle_s if lost else 0.0)
    while True:
        seen = _look(ops, ref, step, expected)
        if seen.outcome == "applied" or clock() >= deadline:
            break
        sleep(min(interval_s, max(0.0, deadline - clock())))
    if seen.outcome == "applied" or (seen.note and lost):
        return seen
    if not lost:  # the server said no, and its object agrees (or cannot be read: its answer is what we have)
        return ReadBack("not applied", seen.shows, seen.obj, seen.note)
    return ReadBack("unknown", seen.shows, seen.obj, f"not visible after {settle_s:g} s; it may still be applied")


def _look(ops: Any, ref: ResourceRef, step: Step, expected: dict[str, Any] | None) -> ReadBack:
    try:
        now = ops.read_object(ref)
    except KubeCopilotError as exc:
        if step.action == "delete" and "not found" in exc.message.lower():
            return ReadBack("applied", {"/": "not found"}, None)
        return ReadBack("unknown", {}, None, f"could not read it back: {exc.message}")
    if step.action == "delete":
        return ReadBack("unknown", {"/metadata/uid": (now.get("metadata") or {}).get("uid")}, now)
    paths = [op.path for op in step.patch or [] if op.op != "test"]
    shows = {path: resolve(now, path, None) for path in paths}
    landed = expected is not None and all(resolve(now, p, _MISSING) == resolve(expected, p, _MISSING) for p in paths)
    return ReadBack("applied" if landed else "unknown", shows, now)


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."
