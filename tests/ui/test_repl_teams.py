"""Teams in the REPL: the requester of a plan that needs a second person sees her plan — summary, changes, risk —
and the exact command a colleague runs, instead of an error line; nobody is asked to approve it."""

from __future__ import annotations

import re

from plans.test_teams_cli import key_of, replicas, share

from kubecopilot.testing.apps import app_for

from .driver import ReplDriver


def test_the_requester_sees_her_plan_and_what_it_waits_for(monkeypatch, sandbox, tmp_path):
    share(monkeypatch, f"sqlite:///{tmp_path / 'audit.sqlite'}", tmp_path)
    app = app_for(sandbox, **{"session.user": "alice", "plans.signing_key": key_of("alice")})
    app.mcp_url = sandbox.url
    alice = ReplDriver(app)
    try:
        alice.start()
        shown = alice.send("scale cart-service-v1 to 0")
        assert "HIGH RISK  Scale Deployment dev/cart-service-v1 from 1 to 0 replicas" in shown
        assert "/spec/replicas" in shown and "1 → 0" in shown and "Risk: high" in shown  # the three layers
        [plan] = app.plans.list()
        flat = re.sub(r"\s+", " ", shown)
        assert "Waiting for a second person (" in flat
        assert f"`kubecopilot plans approve {plan.plan_id[:8]}` (or /approve {plan.plan_id[:8]} in their REPL)" in flat
        assert "✗" not in shown  # no error line
        assert re.search(r"^Namespaces$", alice.send("list namespaces"), re.M)  # nobody was asked: a new request
        assert plan.status == "pending" and replicas(sandbox) == 1
        assert "Waiting for a second person" in alice.send(f"/approve {plan.plan_id[:8]}")  # the same, on /approve
    finally:
        alice.close()
        app.close()
