"""``kubecopilot scan`` through ``cli.main`` against the `breadth` sandbox, and the quick command that uses it."""

from __future__ import annotations

import json
import re

from kubecopilot.cli import main
from kubecopilot.errors import ExitCode


def test_scan_json_is_the_report_grouped_by_workload(capsys, breadth):
    code = main(["scan", "-n", "ops", "--output", "json", "--mcp-url", breadth.url, "--offline"])
    out, err = capsys.readouterr()
    assert code == ExitCode.OK
    report = json.loads(out)
    workloads = [g["workload"] for g in report["groups"]]
    assert workloads[0].startswith(("StatefulSet/ops/", "Deployment/ops/")) and report["groups"][0]["severity"] == "critical"
    assert "Deployment/ops/orders" in workloads and "Node/dev-node-5" in workloads
    assert not any(w.startswith(("Deployment/dev/", "Deployment/analytics/")) for w in workloads)
    orders = next(g for g in report["groups"] if g["workload"] == "Deployment/ops/orders")["findings"][0]
    assert orders["fix"]["action"] == "scale" and orders["fix_command"] == "fix deployment orders -n ops"
    assert orders["follow_up"] == "kubectl get pdb orders -n ops" and orders["evidence"]


def test_scan_text_shows_severity_evidence_and_next_steps(capsys, breadth):
    code = main(["scan", "--mcp-url", breadth.url, "--offline"])
    out, err = capsys.readouterr()
    assert code == ExitCode.OK
    assert out.index("CRITICAL") < out.index("MEDIUM") < out.index("LOW")
    assert "exceeded quota: analytics-quota" in out and "fix: fix deployment etl-api -n analytics" in out
    assert "next: kubectl describe ingress portal -n ops" in out
    assert re.search(r"\d+ findings? in \d+ workloads?; \d+ objects? read", err)


def test_the_unhealthy_quick_command_is_the_scan(app):
    turn = app.conversation.handle("unhealthy pods")
    text = "\n".join(b.text for b in turn.blocks if b.type == "text")
    assert turn.title.startswith("Unhealthy pods and workloads")
    assert "[QuotaExceeded]" in text and "[DisruptionBlocked]" in text and "[ImagePullBackOff]" in text
    assert turn.source.tools == ["list_resources", "list_events"] and app.conversation.llm_calls == 0
    assert [s.command for s in turn.suggestions][0].startswith("fix ")


def test_diagnosing_a_workload_without_pod_failures_uses_the_scan_and_fix_it_plans_the_cure(app, breadth):
    turn = app.conversation.handle("why is orders not draining? diagnose deployment orders -n ops")
    diagnosis = turn.blocks[0].diagnosis
    assert diagnosis.category == "DisruptionBlocked" and diagnosis.fix.replicas == 3
    plan = app.conversation.handle("fix it")
    assert plan.kind == "plan" and "3" in plan.summary


def test_a_chinese_session_gets_the_scan_in_chinese(app):
    from kubecopilot.dialogue.scan_answer import scan_answer

    turn = scan_answer(app.gateway, "ops", language="zh")
    text = "\n".join(b.text for b in turn.blocks if b.type == "text")
    assert turn.title == "ops 中不健康的 Pod 与工作负载（扫描）"
    assert "PodDisruptionBudget orders 不允许任何驱逐" in text and "下一步：kubectl get pdb orders -n ops" in text


def test_scanning_a_namespace_that_does_not_exist_is_an_error_not_an_empty_report(capsys, breadth):
    code = main(["scan", "-n", "nope", "--mcp-url", breadth.url, "--offline"])
    out, err = capsys.readouterr()
    assert code != ExitCode.OK and out == ""
    assert 'namespace "nope" not found' in err


ENGLISH_VALUES = ("none of its", "whose pods it selects", "scaled to 0", "latest event says", "no events yet",
                  "waits for it", "pod kafka-0 is", "the labels of", "carry", "in CronJob", "started by",
                  "requests no CPU", "returned nothing", "(exceeded quota)", "admission refused", "not been created")


def test_a_chinese_scan_says_the_checks_values_in_chinese_too(app):
    """A check's values are worded by the analyzer file per language, not in English inside a Chinese sentence."""
    from kubecopilot.diagnosis.scan import scan
    from kubecopilot.dialogue.scan_answer import scan_answer

    text = "\n".join(b.text for b in scan_answer(app.gateway, language="zh").blocks if b.type == "text")
    assert "没有就绪的后端" in text and "都未就绪" in text
    said = [f"{f.summary} {f.explanation} {f.suggested_fix}" for f in scan(app.gateway, language="zh").findings]
    assert [phrase for phrase in ENGLISH_VALUES if phrase in text or any(phrase in s for s in said)] == []


def test_an_english_scan_keeps_its_words(app):
    from kubecopilot.dialogue.scan_answer import scan_answer

    text = "\n".join(b.text for b in scan_answer(app.gateway).blocks if b.type == "text")
    assert "has no ready endpoint: no pod it selects is Ready (1 selected)." in text


def test_scan_says_the_report_and_its_frame_in_one_language(capsys, breadth, monkeypatch):
    """The report, its labels and the summary line all follow the session's language (English unless known)."""
    from kubecopilot.app import App

    opened = App.open

    def chinese(*args, **kwargs):
        app = opened(*args, **kwargs)
        app.conversation.session.language = "zh"
        return app

    monkeypatch.setattr(App, "open", chinese)
    code = main(["scan", "-n", "ops", "--mcp-url", breadth.url, "--offline"])
    out, err = capsys.readouterr()
    assert code == ExitCode.OK
    assert "下一步：kubectl get pdb orders -n ops" in out and "PodDisruptionBudget orders 不允许任何驱逐" in out
    assert "finding" not in err and "个问题" in err
