"""Label selectors, as kubectl's ``-l`` and a Deployment's ``spec.selector`` express them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kubecopilot.sandbox.errors import BadRequest

_NAME = r"[A-Za-z0-9][-A-Za-z0-9_./]*"
_SET = re.compile(rf"^\s*(?P<key>{_NAME})\s+(?P<op>in|notin)\s+\((?P<values>[^)]*)\)\s*$")
_EQ = re.compile(rf"^\s*(?P<key>{_NAME})\s*(?P<op>==|=|!=)\s*(?P<value>[-A-Za-z0-9_.]*)\s*$")
_EXISTS = re.compile(rf"^\s*(?P<neg>!?)\s*(?P<key>{_NAME})\s*$")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # In, NotIn, Exists, DoesNotExist
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        if self.op == "Exists":
            return self.key in labels
        if self.op == "DoesNotExist":
            return self.key not in labels
        if self.op == "In":
            return labels.get(self.key) in self.values
        return labels.get(self.key) not in self.values


@dataclass(frozen=True)
class Selector:
    requirements: tuple[Requirement, ...]

    def matches(self, labels: dict[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    @classmethod
    def parse(cls, text: str | None) -> Selector:
        """``app=cart,tier!=db``, ``env in (dev,qa)``, ``release``, ``!canary``."""
        return cls(tuple(_requirement(part) for part in _split(text or "") if part.strip()))

    @classmethod
    def from_labels(cls, labels: dict[str, str]) -> Selector:
        return cls(tuple(Requirement(k, "In", (v,)) for k, v in sorted(labels.items())))

    @classmethod
    def from_spec(cls, spec: dict[str, Any] | None) -> Selector:
        """A ``LabelSelector`` object (matchLabels + matchExpressions)."""
        spec = spec or {}
        reqs = [Requirement(k, "In", (v,)) for k, v in sorted((spec.get("matchLabels") or {}).items())]
        for expr in spec.get("matchExpressions") or ():
            reqs.append(Requirement(expr["key"], expr["operator"], tuple(expr.get("values") or ())))
        return cls(tuple(reqs))


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _requirement(part: str) -> Requirement:
    if m := _SET.match(part):
        values = tuple(v.strip() for v in m["values"].split(",") if v.strip())
        return Requirement(m["key"], "In" if m["op"] == "in" else "NotIn", values)
    if m := _EQ.match(part):
        return Requirement(m["key"], "NotIn" if m["op"] == "!=" else "In", (m["value"],))
    if m := _EXISTS.match(part):
        return Requirement(m["key"], "DoesNotExist" if m["neg"] else "Exists")
    raise BadRequest(f"unable to parse requirement: {part.strip()!r}", hint="use forms like app=cart,tier!=db or env in (dev,qa)")
