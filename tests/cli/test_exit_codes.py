"""The exit-code table, outcome by outcome, through ``cli.main`` exactly as the console script runs it, against a real
sandbox over SSE: each outcome's exit code, and with ``--output json|yaml`` stdout is exactly one document (errors
included) whose ``outcome`` and ``exitCode`` say the same as ``$?``, with the fields a script needs.

The table itself (``errors.EXIT_CODES``) is also what ``kubecopilot --help`` prints and what the README shows.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
from pathlib import Path

import pytest
import yaml

from kubecopilot.cli import build_parser, main
from kubecopilot.config import load_settings
from kubecopilot.errors import EXIT_CODES, ExitCode, KubeCopilotError
from kubecopilot.outcomes import INTENT_SLOT, NAMES, Outcome, of_error_code, outcome_of

README = Path(__file__).resolve().parents[2] / "README.md"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(capsys, *argv: str, fmt: str = "json") -> tuple[int, dict, str]:
    """``kubecopilot ARGV -o FMT --offline``: the exit code, the ONE document on stdout (parsed), stderr."""
    code = main([*argv, "--output", fmt, "--offline"])
    out, err = capsys.readouterr()
    documents = list(yaml.safe_load_all(out)) if fmt == "yaml" else [json.loads(out)]  # json.loads: one, or it raises
    assert len(documents) == 1, out
    return code, documents[0], err


def said(document: dict, code: int, outcome: str) -> None:
    assert (document["outcome"], document["exitCode"]) == (outcome, code)
    assert NAMES[outcome] == code


def plan_id_of(capsys, url: str, text: str) -> str:
    code, document, _ = run(capsys, "ask", text, "--mcp-url", url)
    assert code == ExitCode.NOT_APPROVED
    return str(document["turn"]["plan_id"])


# --- one row per outcome of the table -------------------------------------------------------------------------------


def test_ok_a_list_answer_carries_its_records_as_data(capsys, shared_sandbox):
    code, document, _ = run(capsys, "ask", "list pods in dev", "--mcp-url", shared_sandbox.url)
    said(document, 0, "ok")
    pods = {p["name"].rsplit("-", 2)[0]: p for p in document["turn"]["data"]["pods"]}
    billing = pods["billing-api"]
    assert (billing["status"], billing["ready"], billing["containers"]) == ("CrashLoopBackOff", 0, 1)
    assert isinstance(billing["restarts"], int) and billing["restarts"] > 0  # a number, not "27"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", billing["created"]) and isinstance(billing["ageSeconds"], int)
    assert billing["namespace"] == "dev"


def test_the_unhealthy_quick_command_carries_the_scan_as_data(capsys, shared_sandbox):
    """The same findings `kubecopilot scan -o json` gives: objects with category and confidence, not rendered lines."""
    code, document, _ = run(capsys, "ask", "unhealthy pods", "--mcp-url", shared_sandbox.url)
    data = document["turn"]["data"]
    assert "lines" not in data and data["scan"]["unread"] == []
    categories = {f["category"] for g in data["scan"]["groups"] for f in g["findings"]}
    assert {"ImagePullBackOff", "OOMKilled", "CrashLoopBackOff"} <= categories
    assert all(isinstance(f["confidence"], float) for g in data["scan"]["groups"] for f in g["findings"])


def test_ok_as_yaml_is_the_same_document(capsys, shared_sandbox):
    code, as_yaml, _ = run(capsys, "ask", "list namespaces", "--mcp-url", shared_sandbox.url, fmt="yaml")
    said(as_yaml, 0, "ok")
    code, as_json, _ = run(capsys, "ask", "list namespaces", "--mcp-url", shared_sandbox.url)
    names = [n["name"] for n in as_yaml["turn"]["data"]["namespaces"]]
    assert "production" in names and names == [n["name"] for n in as_json["turn"]["data"]["namespaces"]]


def test_ok_a_diagnosis_is_the_diagnosis_model(capsys, shared_sandbox):
    code, document, _ = run(capsys, "diagnose", "deployment", "billing-api", "-n", "dev", "--mcp-url", shared_sandbox.url)
    said(document, 0, "ok")
    diagnosis = document["turn"]["data"]["diagnosis"]
    assert diagnosis["category"] == "CrashLoopBackOff" and 0 < diagnosis["confidence"] <= 1 and diagnosis["evidence"]


def test_nothing_to_do_scaling_to_the_current_count_is_success_said_so(capsys, sandbox):
    code, document, _ = run(capsys, "ask", "scale cart-service-v1 to 1", "--mcp-url", sandbox.url)
    said(document, 0, "nothing_to_do")
    assert document["turn"]["kind"] == "answer" and document["turn"]["outcome"] == "nothing_to_do"
    assert document["turn"]["title"].startswith("Nothing to change: Deployment dev/cart-service-v1 already looks like that")
    assert main(["plans", "--all", "-o", "json"]) == 0 and json.loads(capsys.readouterr().out) == []  # nothing planned


def test_nothing_to_do_rolling_back_what_someone_already_undid(capsys, sandbox):
    code, document, _ = run(capsys, "ask", "scale cart-service-v1 to 2", "--allow-writes", "--yes", "--mcp-url", sandbox.url)
    said(document, 0, "ok")
    assert main(["plans", "--all", "-o", "json"]) == 0
    [plan] = json.loads(capsys.readouterr().out)
    sandbox.cluster.call("scale_deployment", {"namespace": "dev", "deployment_name": "cart-service-v1", "replicas": 1})
    code, document, _ = run(capsys, "rollback", plan["id"][:8], "--yes", "--allow-writes", "--mcp-url", sandbox.url)
    said(document, 0, "nothing_to_do")
    assert "nothing to roll back" in document["message"] and "error" not in document
    assert main(["rollback", plan["id"][:8], "--yes", "--allow-writes", "--mcp-url", sandbox.url, "--offline"]) == 0
    assert capsys.readouterr().out.startswith("nothing to do: nothing to roll back")


def test_needs_input_an_ask_carries_the_question_and_its_options(capsys, shared_sandbox):
    code, document, _ = run(capsys, "ask", "show logs of cart-service", "--mcp-url", shared_sandbox.url)
    said(document, 2, "needs_input")
    turn = document["turn"]
    assert turn["kind"] == "ask" and turn["slot"] == "namespace" and "**" not in turn["question"]
    assert {"dev", "production"} <= {o["value"] for o in turn["options"]}


@pytest.mark.parametrize("argv", [
    ["ask", ""],
    ["ask", "scale cart-service-v1 to 2", "--yes"],
    ["ask", "list pods", "--no-such-flag"],
    ["audit", "verify", "--expect-head"],
])
def test_usage_bad_usage_is_a_document_too(capsys, argv):
    code, document, err = run(capsys, *argv, "--mcp-url", f"http://127.0.0.1:{closed_port()}/sse")
    said(document, 2, "usage")
    assert document["error"]["code"] == "usage_error" and document["error"]["message"]
    assert err.startswith("error: ")


def test_needs_approval_the_plan_is_in_the_document(capsys, sandbox):
    code, document, err = run(capsys, "ask", "scale cart-service-v1 to 2", "--mcp-url", sandbox.url)
    said(document, 3, "needs_approval")
    plan = document["turn"]["plan"]
    assert plan["status"] == "pending" and plan["action"] == "scale" and plan["diff"]["patch"]
    assert "needs approval" in err


def test_plan_refused_rolling_back_a_plan_that_never_ran(capsys, sandbox):
    plan_id = plan_id_of(capsys, sandbox.url, "scale cart-service-v1 to 2")
    code, document, _ = run(capsys, "rollback", plan_id[:8], "--mcp-url", sandbox.url)
    said(document, 4, "plan_refused")
    assert "only an executed plan can be rolled back" in document["error"]["message"]


def test_verification_failed_the_change_ran_and_its_post_check_saw_otherwise(capsys, sandbox, monkeypatch):
    plan_id = plan_id_of(capsys, sandbox.url, "set the image of cart-service-v1 to nginx:doesnotexist")
    monkeypatch.setenv("KUBECOPILOT_VERIFY_TIMEOUT", "0")  # check once, right away: the image cannot be pulled
    code, document, _ = run(capsys, "plans", "approve", plan_id[:8], "--yes", "--allow-writes", "--confirm-name",
                              "cart-service-v1", "--mcp-url", sandbox.url)  # an image it never ran: high risk
    said(document, 6, "verification_failed")
    report = document["report"]
    assert report["outcome"] == "executed" and report["plan"]["status"] == "executed"
    assert report["verified"] is False and not report["conditions"][0]["met"]


def test_refused_by_policy_outside_the_whitelist(capsys, shared_sandbox):
    code, document, _ = run(capsys, "ask", "delete namespace production", "--mcp-url", shared_sandbox.url)
    said(document, 7, "refused_by_policy")
    assert "outside the action whitelist" in document["turn"]["title"]


def test_not_understood_says_what_it_asks_back(capsys, shared_sandbox):
    code, document, _ = run(capsys, "ask", "blorp fizzle wibble", "--mcp-url", shared_sandbox.url)
    said(document, 8, "not_understood")
    options = document["turn"]["data"]["options"]
    assert {"label": "List all namespaces", "command": "list namespaces"} in options


def test_error_a_read_the_server_refuses(capsys, shared_sandbox):
    code, document, _ = run(capsys, "ask", "show logs of web-frontend -n dev", "--mcp-url", shared_sandbox.url)
    said(document, 1, "error")  # its container waits for its image: the server has no log to give
    assert document["turn"]["kind"] == "error" and "web-frontend" in document["turn"]["message"]


def test_ledger_tampered_vs_ledger_unavailable(capsys, monkeypatch, tmp_path):
    ledger = tmp_path / "audit.sqlite"
    monkeypatch.setenv("KUBECOPILOT_AUDIT_URL", f"sqlite:///{ledger}")
    from kubecopilot.plans.builders import build_scale
    from kubecopilot.plans.ledger import AuditLedger

    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 1},
                  "metadata": {"name": "cart", "namespace": "dev", "uid": "u1", "resourceVersion": "1"}}
    for event in ("created", "rejected"):
        AuditLedger(f"sqlite:///{ledger}").append(build_scale(deployment, 2), event, "user:alice")
    code, document, _ = run(capsys, "audit", "verify")
    said(document, 0, "ok")
    with sqlite3.connect(ledger) as conn:
        conn.execute("UPDATE kc_audit_events SET actor = 'user:mallory' WHERE seq = 1")
    code, document, _ = run(capsys, "audit", "verify")
    said(document, 65, "ledger_tampered")
    assert document["problems"][0]["seq"] == 1
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("KUBECOPILOT_AUDIT_URL", f"sqlite:///{garbage}")
    code, document, _ = run(capsys, "audit", "verify")
    said(document, 74, "ledger_unavailable")
    assert document["error"]["code"] == "audit_unreadable"


def test_unavailable_the_server_cannot_be_reached(capsys):
    code, document, err = run(capsys, "ask", "list pods", "--mcp-url", f"http://127.0.0.1:{closed_port()}/sse")
    said(document, 69, "unavailable")
    assert document["error"]["code"] == "mcp_unavailable" and err.startswith("error: cannot reach the MCP server")


def test_config_error(capsys, monkeypatch):
    monkeypatch.setenv("KUBECOPILOT_TURN_DEADLINE", "-5")
    code, document, _ = run(capsys, "tools")
    said(document, 78, "config_error")
    assert "llm.turn_deadline" in document["error"]["message"]


# --- the outcomes no sandbox run reaches here, and the table itself --------------------------------------------------


def test_outcomes_of_reports_and_interruptions():
    class Check:
        def __init__(self, met: bool, state: str | None = None) -> None:
            self.met, self.state = met, state

    class Report:
        applied_steps = ["step-1"]

        def __init__(self, outcome: str, verified: bool | None, *checks: Check) -> None:
            self.outcome, self.verified, self.conditions = outcome, verified, list(checks)

    assert outcome_of(Report("executed", True, Check(True))) == Outcome("ok")
    assert outcome_of(Report("executed", False, Check(False))) == Outcome("verification_failed")
    assert outcome_of(Report("executed", False, Check(False, "unverified"))) == Outcome("incomplete")
    assert outcome_of(Report("reverted", None)) == Outcome("plan_refused")
    assert outcome_of(Report("already-executed", None)) == Outcome("nothing_to_do")
    assert outcome_of(KeyboardInterrupt()) == Outcome("interrupted") and Outcome("interrupted").code == 130
    assert of_error_code("plan_unverified").code == ExitCode.INCOMPLETE
    assert of_error_code("plan_not_verified").code == ExitCode.VERIFICATION_FAILED
    assert of_error_code("nothing_to_change") == Outcome("nothing_to_do")
    assert of_error_code("no_such_code") == Outcome("error")


def test_every_error_class_has_a_row_in_the_table():
    codes = {code for code, _, _ in EXIT_CODES}
    pending: list[type[KubeCopilotError]] = [KubeCopilotError]
    while pending:
        cls = pending.pop()
        assert int(cls.exit_code) in codes, cls
        pending.extend(cls.__subclasses__())


def test_the_table_is_in_help_and_in_the_readme(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    shown = capsys.readouterr().out
    readme = README.read_text(encoding="utf-8")
    for code, names, meaning in EXIT_CODES:
        assert re.search(rf"^\s+{code}\s+{re.escape(', '.join(names))}\s", shown, re.M), (code, shown)
        row = next((line for line in readme.splitlines() if line.startswith(f"| {code} |")), None)
        assert row is not None and meaning in row and all(f"`{name}`" in row for name in names), (code, row)


def test_the_intent_slot_is_the_dialogues():
    from kubecopilot.dialogue.clarify import INTENT_SLOT as DIALOGUE_INTENT_SLOT

    assert INTENT_SLOT == DIALOGUE_INTENT_SLOT


def test_a_settings_free_command_runs_with_a_broken_config(capsys, monkeypatch):
    monkeypatch.setenv("KUBECOPILOT_TURN_DEADLINE", "-5")
    assert main(["completion", "bash"]) == 0
    assert "_ARGCOMPLETE" in capsys.readouterr().out
    with pytest.raises(Exception, match="turn_deadline"):
        load_settings()
