"""The one approver (``ui.approval``): the --yes policy decided in one place, for every entry point."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from kubecopilot.errors import UsageError
from kubecopilot.plans.builders import build_scale
from kubecopilot.ui.approval import HIGH_RISK_YES, INTERACTIVE, NO_TERMINAL, Approver, WriteFlags


def deployment(name: str, namespace: str, replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "uid": "0b3c5d7e-0000-4000-8000-000000000001",
                         "resourceVersion": "1", "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "example/app:1.0"}]}}}}


def low_risk():
    return build_scale(deployment("cart", "dev", 1), 2)


def high_risk():
    return build_scale(deployment("checkout", "production", 3), 0)


def approver(flags: WriteFlags, read_line=None) -> tuple[Approver, io.StringIO]:
    out = io.StringIO()
    return Approver(Console(file=out, width=100), user="alice", flags=flags, read_line=read_line), out


def test_the_plans_here_have_the_risks_the_policy_is_about():
    assert (low_risk().risk.level, high_risk().risk.level) == ("low", "high")


@pytest.mark.parametrize("flags", [dict(yes=True), dict(yes=True, confirm_name="checkout"),
                                   dict(allow_writes=True, confirm_name="checkout")])
def test_flags_that_do_not_go_together_are_a_usage_error(flags):
    with pytest.raises(UsageError):
        WriteFlags(**flags)


def test_yes_approves_low_risk_and_says_so_in_the_ledger_actor():
    yes, out = approver(WriteFlags(allow_writes=True, yes=True))
    decision = yes(low_risk())
    assert decision.approved and decision.by == "user:alice (--yes --allow-writes)"
    assert "YAML diff" in out.getvalue()  # nobody could press d: the diff is in the record of what was approved


@pytest.mark.parametrize("names_plan", [False, True])
def test_yes_alone_never_approves_high_risk_and_the_plan_stays_pending(names_plan):
    yes, out = approver(WriteFlags(allow_writes=True, yes=True, names_plan=names_plan))
    assert yes.blocker("high") == HIGH_RISK_YES and yes.blocker("medium") is None
    decision = yes(high_risk())
    assert not decision.approved and decision.interrupted  # interrupted: not rejected, it stays pending
    said = out.getvalue()
    assert ("--confirm-name checkout is needed" in said) is names_plan
    assert ("--yes never approves it" in said) is not names_plan


def test_high_risk_with_yes_needs_exactly_the_resource_name():
    wrong, _ = approver(WriteFlags(allow_writes=True, yes=True, confirm_name="checkuot", names_plan=True))
    assert not wrong(high_risk()).approved
    right, _ = approver(WriteFlags(allow_writes=True, yes=True, confirm_name="checkout", names_plan=True))
    assert right.blocker("high") is None
    decision = right(high_risk())
    assert decision.approved and decision.typed_name == "checkout"


def test_without_yes_the_person_at_the_terminal_answers_and_high_risk_asks_for_the_name():
    answers = iter(["y", "checkout"])
    asked: list[str] = []

    def read_line(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    approved: list[bool] = []
    person = Approver(Console(file=io.StringIO()), user="bob", flags=INTERACTIVE, read_line=read_line,
                      on_approved=lambda: approved.append(True))
    decision = person(high_risk())
    assert decision.approved and decision.by == "user:bob" and decision.typed_name == "checkout"
    assert len(asked) == 2 and approved == [True]


def test_with_no_terminal_and_no_yes_nobody_is_asked():
    nobody, _ = approver(WriteFlags(allow_writes=True))
    assert not nobody.can_ask() and nobody.blocker("low") == NO_TERMINAL
    decision = nobody(low_risk())
    assert not decision.approved and decision.interrupted
