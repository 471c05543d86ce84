"""A plan the idempotency guard refuses ends there: it never stays ``confirmed`` (listed as waiting to run) after
``plans apply`` said "not run again" — through the CLI, on a real sandbox and the ledger the CLI reads."""

from __future__ import annotations

import json

import pytest

from kubecopilot.cli import main
from kubecopilot.config import load_settings
from kubecopilot.plans.ledger import AuditLedger


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")


def cli(capsys, handle, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--mcp-url", handle.url, "--offline"])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_twin_plan_refused_as_already_executed_is_recorded_failed_and_leaves_the_list(sandbox, capsys):
    # two plans for the very same change (same object, same patch: the same idempotency key), both approved
    ids = []
    for _ in range(2):
        code, out, _ = cli(capsys, sandbox, "ask", "scale cart-service-v1 to 2", "--output", "json")
        assert code == 3
        ids.append(json.loads(out)["turn"]["plan_id"])
    first, twin = ids
    for plan_id in ids:
        code, _, err = cli(capsys, sandbox, "plans", "approve", plan_id[:8], "--yes", "--allow-writes", "--no-apply")
        assert code == 0, err
    code, out, err = cli(capsys, sandbox, "plans", "apply", first[:8])
    assert code == 0, err

    code, out, err = cli(capsys, sandbox, "plans", "apply", twin[:8])
    said = out + err
    assert "not run again" in said.lower() and first in said
    ledger = AuditLedger(load_settings().audit_url)
    assert ledger.latest(twin).status == "failed"
    assert ledger.history(twin)[-1].detail["reason"] == "already executed"

    code, out, _ = cli(capsys, sandbox, "plans", "--output", "json")
    assert [row["id"] for row in json.loads(out)] == []  # nothing waits: neither is "approved, waiting to run"
    code, _, err = cli(capsys, sandbox, "plans", "apply", twin[:8])
    assert code != 0 and "is failed" in err
