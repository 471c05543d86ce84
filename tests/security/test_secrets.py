"""Secrets stay out of what KubeCopilot prints and stores: URL passwords in settings, errors and logs; env
passwords, tokens, JWTs and Secret data in the plan snapshots of the audit ledger."""

from __future__ import annotations

import json
import socket

import pytest

from kubecopilot.cli import main
from kubecopilot.plans.builders import build_scale, build_set_resources
from kubecopilot.plans.model import ApprovalDecision, ResourceRef
from kubecopilot.plans.redact import redact_object

PASSWORD = "hunter2-Sup3rS3cret"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyZXBvcnQtd29ya2VyIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
WORKER = ResourceRef(kind="Deployment", namespace="dev", name="report-worker")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_config_show_masks_url_credentials(monkeypatch, capsys):
    monkeypatch.setenv("KUBECOPILOT_MCP_URL", f"http://kc:{PASSWORD}@127.0.0.1:8001/sse")
    monkeypatch.setenv("KUBECOPILOT_AUDIT_URL", f"postgresql://audit:{PASSWORD}@db.internal:5432/kc")
    monkeypatch.setenv("KUBECOPILOT_LLM_BASE_URL", f"https://u:{PASSWORD}@llm.internal/v1")
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert PASSWORD not in out
    assert "kc:***@127.0.0.1" in out and "audit:***@db.internal" in out


def test_an_mcp_connection_error_masks_the_password(capsys):
    url = f"http://kc:{PASSWORD}@127.0.0.1:{closed_port()}/sse"
    code = main(["--verbose", "tools", "--mcp-url", url])
    captured = capsys.readouterr()
    assert code != 0
    assert PASSWORD not in captured.err + captured.out
    assert "kc:***@127.0.0.1" in captured.err


def test_an_audit_connection_error_masks_the_password(monkeypatch, capsys):
    monkeypatch.setenv("KUBECOPILOT_AUDIT_URL", f"postgresql://audit:{PASSWORD}@127.0.0.1:{closed_port()}/kc")
    code = main(["--verbose", "audit", "verify"])
    captured = capsys.readouterr()
    assert code != 0 and "\nerror: the audit ledger" in "\n" + captured.err  # after -v's own lines
    assert PASSWORD not in captured.err + captured.out


def test_log_records_mask_url_credentials(caplog):
    import logging

    from kubecopilot.cli import _configure_logging

    _configure_logging(verbose=False)
    with caplog.at_level(logging.WARNING):
        logging.getLogger("kubecopilot.test").warning("retrying %s", f"https://kc:{PASSWORD}@example.invalid/sse")
    assert PASSWORD not in caplog.text and "kc:***@example.invalid" in caplog.text


def add_secrets(server) -> None:
    """Give report-worker the env a real service has (through the sandbox itself, not KubeCopilot)."""
    env = [{"name": "QUEUE", "value": "reports"}, {"name": "DB_PASSWORD", "value": PASSWORD},
           {"name": "API_TOKEN", "value": JWT}, {"name": "DATABASE_URL", "value": f"postgres://app:{PASSWORD}@db/x"}]
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/env", "value": env},
             {"op": "add", "path": "/spec/template/spec/containers/0/args", "value": [f"--auth=Bearer {JWT}"]}]
    server.cluster.call("patch_resource", {"kind": "Deployment", "namespace": "dev", "name": "report-worker",
                                           "patch": patch})


def yes(plan):
    return ApprovalDecision(approved=True, by="user:alice", typed_name=plan.resource.name)


def test_plan_snapshots_in_the_ledger_hold_no_secrets_and_still_execute(service, ledger, server):
    add_secrets(server)
    plan = service.propose(WORKER, lambda obj: build_scale(obj, 2))
    assert service.decide(plan, yes)
    assert service.execute(plan.plan_id).outcome == "executed"  # the drift check is not fooled by redaction
    rows = [entry.plan_json for entry in ledger.history(plan.plan_id)]
    assert rows and all(PASSWORD not in row and JWT not in row for row in rows)
    stored = ledger.latest(plan.plan_id)
    assert stored.diff.before["spec"]["replicas"] == 1  # what rollback needs is kept
    env = {e["name"]: e["value"] for e in stored.diff.before["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["QUEUE"] == "reports" and env["DB_PASSWORD"] == "[REDACTED]"
    rollback = service.rollback(plan.plan_id)
    assert service.decide(rollback, yes) and service.execute(rollback.plan_id).outcome == "executed"
    assert server.cluster and json.loads(server.cluster.call(
        "get_deployment", {"namespace": "dev", "deployment_name": "report-worker"}))["spec"]["replicas"] == 1


def test_a_patched_secret_value_is_kept_for_rollback(service, ledger, server):
    add_secrets(server)
    plan = service.propose(WORKER, lambda obj: build_set_resources(obj, "report-worker", limits={"memory": "128Mi"}))
    stored = ledger.latest(plan.plan_id)
    assert PASSWORD not in stored.to_json()
    assert stored.diff.before["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] == "64Mi"


def test_secret_data_is_redacted_from_a_snapshot():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "dev"},
              "data": {"password": "aHVudGVyMg=="}, "stringData": {"token": PASSWORD}}
    clean = redact_object(secret)
    assert clean["data"] == {"password": "[REDACTED]"} and clean["stringData"] == {"token": "[REDACTED]"}
    assert redact_object(secret, ["/data/password"])["data"] == {"password": "aHVudGVyMg=="}


@pytest.mark.parametrize("text", [f"Authorization: Bearer {JWT}", f"--password={PASSWORD}",
                                  f"https://u:{PASSWORD}@host/x"])
def test_secret_strings_in_a_snapshot_are_redacted(text):
    obj = {"kind": "Deployment", "metadata": {"annotations": {"note": text}}}
    assert PASSWORD not in json.dumps(redact_object(obj)) and JWT not in json.dumps(redact_object(obj))


def test_a_proposed_plan_in_json_output_holds_no_secrets(server, capsys):
    """What `ask --output json` prints about a proposed plan carries the snapshot redacted, as the ledger does."""
    from kubecopilot.cli import main

    add_secrets(server)
    code = main(["ask", "scale report-worker to 2 -n dev", "--mcp-url", server.url, "--offline", "--output", "json"])
    out = capsys.readouterr().out
    turn = json.loads(out)["turn"]
    assert code != 0 and turn["kind"] == "plan"  # needs approval; nothing ran
    assert PASSWORD not in out and JWT not in out
    before = turn["plan"]["diff"]["before"]
    assert before["spec"]["replicas"] == 1  # the changed path itself is shown as it is
