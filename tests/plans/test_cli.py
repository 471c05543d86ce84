"""``kubecopilot plans``, ``audit list|verify`` and the fail-safe paths of ``rollback`` (no cluster needed)."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from kubecopilot.cli import main
from kubecopilot.config import load_settings
from kubecopilot.errors import ExitCode
from kubecopilot.plans.builders import build_restart, build_scale
from kubecopilot.plans.ledger import AuditLedger

from .fakes import deployment


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # rich folds long cells at its 80-column default when not on a tty


@pytest.fixture
def ledger():
    led = AuditLedger(load_settings().audit_url)
    yield led
    led.close()


@pytest.fixture
def two_plans(ledger):
    scale = build_scale(deployment("cart"), 5, requested_by="user:alice")
    restart = build_restart(deployment("checkout", "production"), requested_by="user:bob")
    ledger.append(scale, "created", "user:alice")
    ledger.append(restart, "created", "user:bob")
    ledger.append(restart.transition("rejected"), "rejected", "user:bob", {"reason": "declined"})
    return scale, restart


def test_plans_all_lists_each_plan_once_with_its_latest_status(two_plans, capsys):
    scale, restart = two_plans
    assert main(["plans", "--all", "--output", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["action"], r["resource"], r["risk"], r["status"]) for r in rows] == [
        (scale.plan_id, "scale", "Deployment dev/cart", "medium", "pending"),
        (restart.plan_id, "restart", "Deployment production/checkout", "medium", "rejected")]
    assert rows[0]["created"].endswith("Z")
    assert main(["plans", "--all"]) == 0
    text = capsys.readouterr().out
    assert scale.plan_id[:8] in text and re.search(r"Deployment production/checkout\s+medium\s+rejected", text)


def test_plans_lists_the_plans_waiting_for_a_decision(two_plans, capsys):
    scale, _ = two_plans
    assert main(["plans", "--output", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["id"], row["status"], row["requestedBy"]) == (scale.plan_id, "pending", "user:alice")
    assert row["next"] == f"kubecopilot plans approve {scale.plan_id[:8]}"
    assert main(["plans"]) == 0
    text = capsys.readouterr().out
    assert "Plans waiting" in text and re.search(rf"{scale.plan_id[:8]}\s+user:alice\s+scale\s+Deployment dev/cart", text)


def test_plans_on_an_empty_ledger(capsys):
    assert main(["plans", "--all"]) == 0 and "No plans yet." in capsys.readouterr().out
    assert main(["plans"]) == 0 and "No plans are waiting." in capsys.readouterr().out


def test_audit_list_all_and_for_one_plan(two_plans, capsys):
    scale, restart = two_plans
    assert main(["audit", "list", "--output", "json"]) == 0
    assert [(r["seq"], r["event"]) for r in json.loads(capsys.readouterr().out)] == [
        (1, "created"), (2, "created"), (3, "rejected")]
    assert main(["audit", "list", "--plan", restart.plan_id[:8], "--output", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["event"] for r in rows] == ["created", "rejected"] and rows[1]["detail"] == {"reason": "declined"}
    assert main(["audit", "list"]) == 0
    assert "rejected" in capsys.readouterr().out


def test_audit_verify_ok_then_tampered(two_plans, ledger, capsys):
    assert main(["audit", "verify"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert out.startswith("ok: 3 rows, hash chain intact (head ")
    head = out.splitlines()[0].split("head ")[1].rstrip(")")
    assert out.splitlines()[1] == "signed decisions: 0 of 3, each by a key that counts here (the others predate signing)"
    assert main(["audit", "verify", "--expect-head", head]) == ExitCode.OK
    capsys.readouterr()
    with sqlite3.connect(ledger.engine.url.database) as conn:
        conn.execute("UPDATE kc_audit_events SET actor = 'user:mallory' WHERE seq = 2")
    assert main(["audit", "verify"]) == ExitCode.LEDGER_TAMPERED
    out = capsys.readouterr().out
    assert "TAMPERED" in out and "row #2: row #2 was edited" in out
    assert main(["audit", "verify", "--output", "json"]) == ExitCode.LEDGER_TAMPERED
    assert json.loads(capsys.readouterr().out)["problems"][0]["seq"] == 2


def test_audit_verify_against_a_noted_head(two_plans, capsys):
    assert main(["audit", "verify", "--expect-head", "f" * 64]) == ExitCode.LEDGER_TAMPERED
    assert "not the expected" in capsys.readouterr().out


def test_rollback_refuses_before_touching_any_cluster(two_plans, capsys):
    scale, _ = two_plans
    assert main(["rollback", scale.plan_id[:8]]) == ExitCode.PLAN_REFUSED
    assert "is pending; only an executed plan can be rolled back" in capsys.readouterr().err
    assert main(["rollback", "abcdef12"]) == ExitCode.ERROR
    assert "no plan matches" in capsys.readouterr().err


def test_yes_without_allow_writes_is_not_an_approval(two_plans, capsys):
    scale, _ = two_plans
    assert main(["rollback", scale.plan_id, "--yes"]) == ExitCode.NEEDS_INPUT  # a usage error, as for ask
    assert "--yes only approves together with --allow-writes" in capsys.readouterr().err
