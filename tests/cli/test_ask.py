"""``kubecopilot ask`` and ``kubecopilot diagnose``: one turn each, against a real sandbox over SSE (in-process),
through ``cli.main`` exactly as the console script runs it. Every turn kind has its exit code."""

from __future__ import annotations

import io
import json

from kubecopilot.cli import build_parser, main
from kubecopilot.commands.ask import error_exit_code
from kubecopilot.config import load_settings
from kubecopilot.errors import ExitCode
from kubecopilot.plans.ledger import AuditLedger


class Terminal(io.StringIO):
    """Typed answers on a stdin that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def run(capsys, handle, *argv: str) -> tuple[int, str, str]:
    # The global flags go AFTER the subcommand on purpose: that must work too.
    code = main([*argv, "--mcp-url", handle.url, "--offline"])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, handle, *argv: str) -> tuple[int, dict, str]:
    code, out, err = run(capsys, handle, *argv, "--output", "json")
    return code, json.loads(out)["turn"], err


def replicas(handle, name: str = "cart-service-v1", namespace: str = "dev") -> int:
    deployment = json.loads(handle.cluster.call("get_deployment", {"namespace": namespace, "deployment_name": name}))
    return deployment["spec"]["replicas"]


def ledger_plans() -> list:
    return AuditLedger(load_settings().audit_url).plans()


# --- reads ----------------------------------------------------------------------------------------------------------


def test_an_answer_exits_0_with_the_turn_as_json(capsys, shared_sandbox):
    code, turn, _ = run_json(capsys, shared_sandbox, "ask", "list pods in dev")
    assert code == ExitCode.OK
    assert turn["kind"] == "answer" and turn["title"] == "Pods in dev"
    table = turn["blocks"][0]
    assert table["columns"][:3] == ["NAME", "READY", "STATUS"]
    assert any(row[0].startswith("cart-service-v2-") for row in table["rows"])
    assert turn["source"]["tools"] == ["list_pods"]


def test_progress_goes_to_stderr_and_never_into_the_json(capsys, shared_sandbox):
    code, turn, err = run_json(capsys, shared_sandbox, "ask", "diagnose deployment report-worker -n dev")
    assert code == ExitCode.OK and turn["kind"] == "answer"
    assert "· reading describe, events and logs of dev/report-worker…" in err


def test_an_answer_as_text_is_the_rendered_table(capsys, shared_sandbox):
    code, out, _ = run(capsys, shared_sandbox, "ask", "list namespaces")
    assert code == ExitCode.OK
    assert out.startswith("Namespaces\n") and "production" in out
    assert "kubecopilot ask 'list pods in dev'" in out  # follow-ups as commands


def test_a_question_back_exits_2_with_the_question_and_its_options(capsys, shared_sandbox):
    code, turn, _ = run_json(capsys, shared_sandbox, "ask", "show logs of cart-service")
    assert code == ExitCode.NEEDS_INPUT
    assert turn["kind"] == "ask" and turn["slot"] == "namespace"
    assert {"dev", "production"} <= {o["value"] for o in turn["options"]}
    code, out, _ = run(capsys, shared_sandbox, "ask", "show logs of cart-service")
    assert code == ExitCode.NEEDS_INPUT and "namespace" in out and "  2. dev" in out


def test_namespace_flag_fills_the_slot(capsys, shared_sandbox):
    code, turn, _ = run_json(capsys, shared_sandbox, "ask", "show logs of cart-service", "-n", "dev")
    assert code == ExitCode.NEEDS_INPUT and turn["slot"] == "pod"  # the namespace is not asked again
    assert all(o["value"].startswith("cart-service-") for o in turn["options"])


def test_an_error_turn_exits_with_its_errors_code(capsys, shared_sandbox):
    code, turn, _ = run_json(capsys, shared_sandbox, "ask", "show logs of web-frontend -n dev")
    assert turn["kind"] == "error" and "web-frontend" in turn["message"]  # its container waits for its image
    assert code == error_exit_code(turn["code"]) == ExitCode.ERROR


def test_a_namespace_the_cluster_does_not_have_is_asked_about_not_an_error(capsys, shared_sandbox):
    code, turn, _ = run_json(capsys, shared_sandbox, "ask", "show logs of api -n nowhere")
    assert turn["kind"] == "ask" and code == ExitCode.NEEDS_INPUT
    assert "nowhere" in " ".join([turn["question"], *turn["notices"]])  # said, and the pods of `api` offered


def test_error_codes_map_to_the_documented_exit_codes():
    assert error_exit_code("mcp_disconnected") == error_exit_code("mcp_unavailable") == ExitCode.UNAVAILABLE
    assert error_exit_code("plan_drifted") == ExitCode.PLAN_REFUSED
    assert error_exit_code("plan_not_approved") == ExitCode.NOT_APPROVED
    assert error_exit_code("config_error") == ExitCode.CONFIG
    assert error_exit_code("something_new") == ExitCode.ERROR


def test_diagnose_a_deployment_as_json_and_a_pod_as_text(capsys, shared_sandbox):
    code, turn, _ = run_json(capsys, shared_sandbox, "diagnose", "deployment", "billing-api", "-n", "dev")
    assert code == ExitCode.OK and turn["kind"] == "answer"
    diagnosis = next(b["diagnosis"] for b in turn["blocks"] if b["type"] == "diagnosis")
    assert diagnosis["category"] == "CrashLoopBackOff" and diagnosis["evidence"]
    code, out, _ = run(capsys, shared_sandbox, "diagnose", "pod", "billing-api", "-n", "dev")
    assert code == ExitCode.OK and "Diagnosis · CrashLoopBackOff" in out and "Suggested fix:" in out


def test_an_unreachable_server_is_one_clear_line_and_exit_69(capsys):
    code = main(["ask", "list pods", "--mcp-url", "http://127.0.0.1:9/sse", "--offline"])
    _, err = capsys.readouterr()
    assert code == ExitCode.UNAVAILABLE
    assert err.startswith("error: cannot reach the MCP server at http://127.0.0.1:9/sse")
    assert err.count("\n") == 2 and "\nhint: " in err


# --- changes --------------------------------------------------------------------------------------------------------


def test_a_change_without_allow_writes_exits_3_and_stays_pending(capsys, sandbox):
    code, turn, err = run_json(capsys, sandbox, "ask", "scale cart-service-v1 to 2")
    assert code == ExitCode.NOT_APPROVED
    assert turn["kind"] == "plan" and turn["risk_level"] == "low" and turn["plan"]["status"] == "pending"
    assert f"Plan {turn['plan_id'][:8]} needs approval. Nothing was changed; the plan stays pending." in err
    assert [p.status for p in ledger_plans()] == ["pending"]
    assert replicas(sandbox) == 1


def test_a_change_as_text_shows_the_plan_and_says_how_to_apply_it(capsys, sandbox):
    code, out, _ = run(capsys, sandbox, "ask", "scale cart-service-v1 to 2")
    assert code == ExitCode.NOT_APPROVED
    assert "LOW RISK  Scale Deployment dev/cart-service-v1 from 1 to 2 replicas" in out
    assert "needs approval" in out and "--allow-writes" in out


def test_a_change_asked_in_chinese_is_held_back_in_chinese(capsys, sandbox):
    code, out, err = run(capsys, sandbox, "ask", "把 cart-service-v1 扩容到 2 个副本")
    assert code == ExitCode.NOT_APPROVED
    said = out + err
    assert "低风险  将 Deployment dev/cart-service-v1 的副本数从 1 调整为 2" in said
    assert "需要批准" in said and "没有做任何变更" in said and "--allow-writes" in said
    assert not any(words in said for words in ("needs approval", "Nothing was changed", "It expires", "Run it again"))


def test_yes_with_allow_writes_applies_a_low_risk_change(capsys, sandbox):
    code, turn, _ = run_json(capsys, sandbox, "ask", "scale cart-service-v1 to 2", "--allow-writes", "--yes")
    assert code == ExitCode.OK
    assert turn["kind"] == "answer" and turn["title"].startswith("Done: Scale Deployment dev/cart-service-v1")
    assert replicas(sandbox) == 2
    [plan] = ledger_plans()
    assert plan.status == "executed" and "(--yes --allow-writes)" in plan.audit.confirmed_by


def test_yes_never_approves_high_risk(capsys, sandbox):
    code, turn, err = run_json(capsys, sandbox, "ask", "scale cart-service-v1 to 0", "--allow-writes", "--yes")
    assert code == ExitCode.NOT_APPROVED
    assert turn["kind"] == "plan" and turn["risk_level"] == "high"
    assert "is high risk: --yes never approves that" in err
    assert [p.status for p in ledger_plans()] == ["pending"] and replicas(sandbox) == 1


def test_yes_without_allow_writes_is_a_usage_error(capsys, shared_sandbox):
    code, out, err = run(capsys, shared_sandbox, "ask", "scale cart-service-v1 to 2", "--yes")
    assert code == 2 and out == ""
    assert err.startswith("error: --yes only approves together with --allow-writes\n")
    assert ledger_plans() == []  # refused before anything was asked or planned


def test_allow_writes_in_a_terminal_asks_and_applies_on_yes(capsys, sandbox, monkeypatch):
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    code, out, _ = run(capsys, sandbox, "ask", "scale cart-service-v1 to 3", "--allow-writes")
    assert code == ExitCode.OK
    assert "Apply this change? [y]es / [n]o / [d]iff / [e]xplain:" in out
    assert "Done: Scale Deployment dev/cart-service-v1 from 1 to 3 replicas" in out
    assert replicas(sandbox) == 3


def test_allow_writes_in_a_terminal_answered_no_exits_3(capsys, sandbox, monkeypatch):
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    code, out, _ = run(capsys, sandbox, "ask", "scale cart-service-v1 to 3", "--allow-writes")
    assert code == ExitCode.NOT_APPROVED and "nothing was changed" in out
    assert [p.status for p in ledger_plans()] == ["rejected"] and replicas(sandbox) == 1


def test_allow_writes_without_a_terminal_or_yes_fails_safe(capsys, sandbox, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # piped input is not a person
    code, _, err = run(capsys, sandbox, "ask", "scale cart-service-v1 to 3", "--allow-writes", "--output", "json")
    assert code == ExitCode.NOT_APPROVED and "there is no terminal to ask in" in err
    assert [p.status for p in ledger_plans()] == ["pending"] and replicas(sandbox) == 1


# --- flags ----------------------------------------------------------------------------------------------------------


def test_global_flags_work_before_and_after_the_subcommand():
    parser = build_parser()
    after = parser.parse_args(["ask", "hi", "--offline", "--model", "m", "--mcp-url", "u", "-v"])
    assert (after.offline, after.model, after.mcp_url, after.verbose) == (True, "m", "u", 1)
    before = parser.parse_args(["--model", "a", "--offline", "-vv", "ask", "hi"])
    assert (before.offline, before.model, before.verbose) == (True, "a", 2)  # not reset by the subcommand
    assert parser.parse_args(["--model", "a", "ask", "hi", "--model", "b"]).model == "b"
    assert parser.parse_args(["audit", "list", "--verbose"]).verbose == 1
    assert parser.parse_args(["audit", "list", "-vv", "--log-file", "x.log"]).log_file == "x.log"
    assert parser.parse_args([]).handler == "kubecopilot.commands.repl:run"
