"""A team on one ledger, through the CLI: Alice asks, Bob lists, shows and approves from his own terminal.

Every KubeCopilot here points at the same ledger URL (a SQLite file, then a database on a real PostgreSQL server) and
the same sandbox cluster over SSE; who is who is each person's signing key (KUBECOPILOT_SIGNING_KEY, as on each
person's machine) and the team file that lists alice, bob and carol; KUBECOPILOT_USER is only a display name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubecopilot.cli import main
from kubecopilot.errors import ExitCode
from kubecopilot.plans.builders import build_scale
from kubecopilot.plans.ledger import AuditLedger
from kubecopilot.testing.team import TeamSetup

from .fakes import deployment

MEMBERS = ("alice", "bob", "carol")


def share(monkeypatch, url: str, root) -> str:
    members = TeamSetup.create(root / "team", *MEMBERS)
    monkeypatch.setenv("KUBECOPILOT_AUDIT_URL", url)
    monkeypatch.setenv("KUBECOPILOT_TEAM_FILE", str(members.file))
    monkeypatch.setenv("COLUMNS", "160")
    return url


@pytest.fixture
def team(monkeypatch, postgres_server, tmp_path):
    """The team setup the README describes: every KubeCopilot on one PostgreSQL URL and one team file."""
    return share(monkeypatch, postgres_server.create_database(), tmp_path)


@pytest.fixture
def team_on_both(monkeypatch, ledger_url, tmp_path):
    """The same on SQLite (one shared file) and on PostgreSQL."""
    return share(monkeypatch, ledger_url, tmp_path)


def key_of(user: str) -> str:
    return str(Path(os.environ["KUBECOPILOT_TEAM_FILE"]).parent / user / "signing_key")


def as_user(monkeypatch, capsys, handle, user: str, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("KUBECOPILOT_USER", user)
    monkeypatch.setenv("KUBECOPILOT_SIGNING_KEY", key_of(user))
    code = main([*argv, "--mcp-url", handle.url, "--offline"])
    out, err = capsys.readouterr()
    return code, out, err


def replicas(handle, name: str = "cart-service-v1") -> int:
    return json.loads(handle.cluster.call("get_deployment", {"namespace": "dev", "deployment_name": name}))["spec"]["replicas"]


def alice_asks_for_a_high_risk_change(monkeypatch, capsys, handle) -> str:
    code, out, err = as_user(monkeypatch, capsys, handle, "alice", "ask", "scale cart-service-v1 to 0", "--allow-writes",
                             "--yes", "--output", "json")
    assert code == ExitCode.NOT_APPROVED
    plan_id = json.loads(out)["turn"]["plan_id"]
    assert "needs a second person (four-eyes policy: high risk needs a second person)" in err
    assert f"To approve it: kubecopilot plans approve {plan_id[:8]}" in err and "It expires at " in err
    return plan_id


def test_alice_asks_bob_reviews_and_approves_from_his_terminal(team_on_both, monkeypatch, capsys, sandbox):
    team = team_on_both
    plan_id = alice_asks_for_a_high_risk_change(monkeypatch, capsys, sandbox)
    code, out, _ = as_user(monkeypatch, capsys, sandbox, "bob", "plans", "--output", "json")
    [row] = json.loads(out)
    assert (row["id"], row["requestedBy"], row["status"], row["risk"]) == (plan_id, "user:alice", "pending", "high")
    assert row["fourEyes"] and row["next"] == f"kubecopilot plans approve {plan_id[:8]}" and row["expiresAt"]
    code, out, _ = as_user(monkeypatch, capsys, sandbox, "bob", "plans", "show", plan_id[:8])
    assert code == ExitCode.OK
    for layer in ("HIGH RISK  Scale Deployment dev/cart-service-v1 from 1 to 0 replicas", "Changes",
                  "YAML diff (before → after)", "-  replicas: 1", "Status: pending · requested by user:alice"):
        assert layer in out
    code, _, err = as_user(monkeypatch, capsys, sandbox, "alice", "plans", "approve", plan_id[:8], "--yes",
                           "--allow-writes", "--confirm-name", "cart-service-v1")
    assert code == ExitCode.NOT_APPROVED and "user:alice requested plan" in err and "cannot approve it" in err
    assert replicas(sandbox) == 1
    code, out, _ = as_user(monkeypatch, capsys, sandbox, "bob", "plans", "approve", plan_id[:8], "--yes",
                           "--allow-writes", "--confirm-name", "cart-service-v1", "--output", "json")
    assert code == ExitCode.OK and json.loads(out)["report"]["outcome"] == "executed"
    assert replicas(sandbox) == 0
    ledger = AuditLedger(team)
    events = [(e.event, e.actor) for e in ledger.history(plan_id)]
    assert events == [("created", "user:alice"), ("confirmed", "user:bob (--yes --allow-writes)"), ("executing", "system"),
                      ("executed", "system")]
    assert ledger.latest(plan_id).audit.confirmed_by == "user:bob (--yes --allow-writes)" and ledger.verify().ok
    assert main(["audit", "verify"]) == ExitCode.OK and "signed decisions: 2 of 2, each by a key that counts here\n" in capsys.readouterr().out


def test_yes_approves_only_with_allow_writes(team, monkeypatch, capsys, sandbox):
    plan_id = alice_asks_for_a_high_risk_change(monkeypatch, capsys, sandbox)
    code, _, err = as_user(monkeypatch, capsys, sandbox, "bob", "plans", "approve", plan_id[:8], "--yes",
                           "--confirm-name", "cart-service-v1")
    assert code == 2 and "--yes only approves together with --allow-writes" in err  # a usage error
    assert [e.event for e in AuditLedger(team).history(plan_id)] == ["created"] and replicas(sandbox) == 1


def test_high_risk_needs_the_typed_name_even_with_yes(team, monkeypatch, capsys, sandbox):
    plan_id = alice_asks_for_a_high_risk_change(monkeypatch, capsys, sandbox)
    code, out, err = as_user(monkeypatch, capsys, sandbox, "bob", "plans", "approve", plan_id[:8], "--yes", "--allow-writes")
    assert code == ExitCode.NOT_APPROVED and "--confirm-name cart-service-v1 is needed" in out
    assert "stays pending; nothing was changed" in err
    assert AuditLedger(team).latest(plan_id).status == "pending" and replicas(sandbox) == 1


def test_bob_rejects_from_his_terminal_and_the_list_empties(team, monkeypatch, capsys, sandbox):
    plan_id = alice_asks_for_a_high_risk_change(monkeypatch, capsys, sandbox)
    code, out, _ = as_user(monkeypatch, capsys, sandbox, "bob", "plans", "reject", plan_id[:8], "--reason", "not today")
    assert code == ExitCode.OK and out.startswith(f"Plan {plan_id[:8]} rejected by user:bob.")
    code, out, _ = as_user(monkeypatch, capsys, sandbox, "bob", "plans")
    assert "No plans are waiting" in out
    code, out, _ = as_user(monkeypatch, capsys, sandbox, "bob", "plans", "--all", "--output", "json")
    assert [(r["id"], r["status"]) for r in json.loads(out)] == [(plan_id, "rejected")]
    code, _, err = as_user(monkeypatch, capsys, sandbox, "bob", "plans", "approve", plan_id[:8], "--yes", "--allow-writes")
    assert code == ExitCode.PLAN_REFUSED and "is rejected; only a pending plan can be approved" in err


def test_approving_without_a_terminal_or_yes_fails_safe(team, monkeypatch, capsys, sandbox):
    plan_id = alice_asks_for_a_high_risk_change(monkeypatch, capsys, sandbox)
    code, _, err = as_user(monkeypatch, capsys, sandbox, "bob", "plans", "approve", plan_id[:8])
    assert code == ExitCode.NOT_APPROVED and "nobody can be asked here" in err
    assert AuditLedger(team).latest(plan_id).status == "pending"


def test_an_expired_plan_leaves_the_list_and_the_ledger_says_so(team, monkeypatch, capsys, sandbox):
    ledger = AuditLedger(team)
    stale = build_scale(deployment("cart"), 3, requested_by="user:alice")
    ledger.append(stale, "created", "user:alice", {"expiresAt": "2020-01-01T00:00:00.000Z"})
    code, out, _ = as_user(monkeypatch, capsys, sandbox, "bob", "plans", "--output", "json")
    assert json.loads(out) == []
    assert [(e.event, e.actor) for e in ledger.history(stale.plan_id)] == [("created", "user:alice"), ("expired", "system")]
    code, _, err = as_user(monkeypatch, capsys, sandbox, "bob", "plans", "approve", stale.plan_id[:8], "--yes", "--allow-writes")
    assert code == ExitCode.NOT_APPROVED and "expired before anyone approved it" in err


def test_approval_in_a_separate_process_with_only_the_ledger_url_in_common(team, monkeypatch, capsys, sandbox):
    plan_id = alice_asks_for_a_high_risk_change(monkeypatch, capsys, sandbox)
    env = {**os.environ, "KUBECOPILOT_USER": "bob", "KUBECOPILOT_AUDIT_URL": team, "KUBECOPILOT_SIGNING_KEY":
           key_of("bob")}
    proc = subprocess.run([sys.executable, "-m", "kubecopilot", "plans", "approve", plan_id[:8], "--yes",
                           "--allow-writes", "--confirm-name", "cart-service-v1", "--no-apply", "--mcp-url", sandbox.url, "--offline"],
                          env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert f"Apply it with: kubecopilot plans apply {plan_id[:8]}" in proc.stdout
    assert replicas(sandbox) == 1  # approved only
    code, _, err = as_user(monkeypatch, capsys, sandbox, "carol", "plans", "approve", plan_id[:8], "--yes", "--allow-writes")
    assert code == ExitCode.PLAN_REFUSED and "is already approved (by user:bob (--yes --allow-writes))" in err
    assert f"kubecopilot plans apply {plan_id[:8]}` executes it" in err
    code, out, _ = as_user(monkeypatch, capsys, sandbox, "alice", "plans", "apply", plan_id[:8])
    assert code == ExitCode.OK and "Done: Scale Deployment dev/cart-service-v1 from 1 to 0 replicas" in out and replicas(sandbox) == 0


@pytest.mark.parametrize("tamper", [
    "UPDATE kc_audit_events SET actor = 'user:mallory' WHERE seq = 2",
    "DELETE FROM kc_audit_events WHERE seq = 2",
    "UPDATE kc_audit_events SET seq = 100 WHERE seq = 2; UPDATE kc_audit_events SET seq = 2 WHERE seq = 3; "
    "UPDATE kc_audit_events SET seq = 3 WHERE seq = 100",
], ids=["edited", "deleted", "reordered"])
def test_audit_verify_on_the_teams_postgresql_ledger(team, tamper, capsys):
    ledger = AuditLedger(team)
    for name in ("a", "b", "c"):
        ledger.append(build_scale(deployment(name), 3), "created", "user:alice")
    assert main(["audit", "verify"]) == ExitCode.OK and "ok: 3 rows" in capsys.readouterr().out
    with ledger.engine.begin() as conn:
        for statement in tamper.split("; "):
            conn.exec_driver_sql(statement)
    assert main(["audit", "verify"]) == ExitCode.LEDGER_TAMPERED
    out = capsys.readouterr().out
    assert out.startswith("TAMPERED") and "row #2" in out


def test_in_the_repl_the_requester_is_told_to_ask_a_colleague_whose_repl_can_approve(team, sandbox):
    from kubecopilot.dialogue.turns import Answer, ErrorTurn, PlanProposal
    from kubecopilot.plans.model import ApprovalDecision
    from kubecopilot.testing.apps import app_for

    def yes(user):
        return lambda plan: ApprovalDecision(approved=True, by=f"user:{user}", typed_name=plan.resource.name)

    alice, bob = (app_for(sandbox, **{"session.user": user, "plans.signing_key": key_of(user)})
                  for user in ("alice", "bob"))
    try:
        proposal = alice.conversation.handle("scale cart-service-v1 to 0")
        assert isinstance(proposal, PlanProposal) and proposal.risk_level == "high"
        refused = alice.conversation.approve(proposal.plan_id, yes("alice"))
        assert isinstance(refused, ErrorTurn) and refused.code == "four_eyes_required"
        assert refused.hint == f"another person runs `kubecopilot plans approve {proposal.plan_id[:8]}`"
        assert alice.plans.get(proposal.plan_id).status == "pending" and replicas(sandbox) == 1
        assert isinstance(bob.conversation.approve(proposal.plan_id, yes("bob")), Answer)
        assert replicas(sandbox) == 0 and bob.plans.get(proposal.plan_id).audit.confirmed_by == "user:bob"
    finally:
        alice.close()
        bob.close()
