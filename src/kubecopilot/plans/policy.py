"""The four-eyes policy: which plans need a second person, and who counts as "the same person".

A rule matches a plan when its risk level is one of ``risk`` (empty: any level) and its namespace matches one of
``namespaces`` (shell patterns, empty: any namespace). A plan matched by any rule cannot be approved by the person who
requested it. Without rules (the default for one person on a laptop) approvals work as they always did; the rules a
team turns on by default are in ``kubecopilot.config`` (high risk anywhere, anything in a production namespace).

The requirement is also written into the plan's "created" row (``fourEyes``), so a colleague whose own configuration
has no policy still cannot approve it for the requester: the strictest wins. A team's rules come from its team file
(``plans.team``); whether two signers are one person is decided by their keys there (``plans.trust``), never by
the names they give.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from kubecopilot.plans.model import OperationPlan


@dataclass(frozen=True)
class FourEyesRule:
    risk: frozenset[str] = frozenset()
    namespaces: tuple[str, ...] = ()

    def matches(self, plan: OperationPlan) -> bool:
        if self.risk and plan.risk.level not in self.risk:
            return False
        return not self.namespaces or any(fnmatchcase(plan.resource.namespace, p) for p in self.namespaces)

    def describe(self) -> str:
        parts = []
        if self.risk:
            parts.append(f"{'/'.join(sorted(self.risk))} risk")
        if self.namespaces:
            parts.append(f"namespace {' | '.join(self.namespaces)}")
        return " in ".join(parts) or "every change"


@dataclass(frozen=True)
class FourEyesPolicy:
    rules: tuple[FourEyesRule, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, rules: Iterable[tuple[Sequence[str], Sequence[str]]]) -> FourEyesPolicy:
        """From (risk levels, namespace patterns) pairs, as the settings hold them."""
        return cls(tuple(FourEyesRule(frozenset(risk), tuple(namespaces)) for risk, namespaces in rules))

    def reason(self, plan: OperationPlan) -> str | None:
        """Why this plan needs a second person (the first matching rule), or None when it does not."""
        for rule in self.rules:
            if rule.matches(plan):
                return f"four-eyes policy: {rule.describe()} needs a second person"
        return None
