"""The offline rule engine and reply resolution: the sentences people actually type, in English and Chinese."""

from __future__ import annotations

import pytest

from kubecopilot.dialogue.intents import parse
from kubecopilot.dialogue.replies import resolve_reply
from kubecopilot.dialogue.turns import Option

NAMESPACES = ["default", "dev", "production", "kube-system"]
CLUSTERS = ["dev-cluster", "prod-cluster"]


def p(text):
    return parse(text, known_namespaces=NAMESPACES, known_clusters=CLUSTERS)


@pytest.mark.parametrize(
    "text, intent, target, namespace",
    [
        ("hi，帮我看一下 cart-service 的日志", "logs", "cart-service", None),
        ("show me the logs of cart-service", "logs", "cart-service", None),
        ("why is billing-api crashing?", "diagnose", "billing-api", None),
        ("what's wrong with report-worker", "diagnose", "report-worker", None),
        ("list pods in dev", "list_pods", None, "dev"),
        ("show deployments in production", "list_deployments", None, "production"),
        ("帮我查看一下k8s状态", "cluster_status", None, None),
        ("查看集群资源总览", "cluster_status", None, None),
        ("列出所有集群", "list_clusters", None, None),
        ("显示所有命名空间", "list_namespaces", None, None),
        ("refresh cache", "refresh_cache", None, None),
        ("刷新缓存", "refresh_cache", None, None),
        ("重新扫描", "refresh_cache", None, None),
        ("check the health of my services", "health_check", None, None),
        ("检查服务健康状况", "health_check", None, None),
        ("restart billing-api -n dev", "restart", "billing-api", "dev"),
        ("describe pod cart-service-v2-7d9f8b6c5d-x2k4p in dev", "describe", "cart-service-v2-7d9f8b6c5d-x2k4p", "dev"),
        ("unhealthy pods", "unhealthy_pods", None, None),
        ("warning events", "warning_events", None, None),
        ("rollback billing-api", "rollback", "billing-api", None),
        ("status of cart-service", "describe", "cart-service", None),
        ("hello", "unknown", None, None),
    ],
)
def test_intent_target_namespace(text, intent, target, namespace):
    r = p(text)
    assert (r.intent, r.target, r.namespace) == (intent, target, namespace)
    assert r.language == ("zh" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en")


def test_change_parameters_are_extracted():
    assert p("scale cart to 5").replicas == 5
    assert p("把 cart-service-v1 扩容到 3 个副本").replicas == 3
    assert p("set image of web-frontend to nginx:1.27-alpine").image == "nginx:1.27-alpine"
    assert p("raise its memory limit to 512Mi").memory_limit == "512Mi"
    assert p("把 report-worker 的内存提高到 512Mi").memory_limit == "512Mi"
    assert p("set memory of report-worker to 300m").memory_limit == "300Mi"  # people mean Mi, not millibytes
    cpu = p("set cpu request of ml-trainer to 500m")
    assert (cpu.cpu_request, cpu.cpu_limit, cpu.memory_limit) == ("500m", None, None)
    assert p("show nodes on prod-cluster").cluster == "prod-cluster"
    assert p("logs of the previous container of billing-api").previous is True


def test_pronouns_mark_context_use_only_without_a_target():
    assert p("now scale it to 3").uses_context is True
    assert p("its events").uses_context is True
    assert p("scale cart to 3").uses_context is False


OPTIONS = [Option(value=v, label=v) for v in ("cart-service-v1-6c8f9d7b4f-q8m2n", "cart-service-v2-7d9f8b6c5d-x2k4p")]
NS = [Option(value=v, label=v) for v in ("default", "dev", "production")]


@pytest.mark.parametrize(
    "reply, options, outcome, picked",
    [
        ("2", OPTIONS, "picked", OPTIONS[1].value),
        ("#1", OPTIONS, "picked", OPTIONS[0].value),
        ("第二个", OPTIONS, "picked", OPTIONS[1].value),
        ("the second one", OPTIONS, "picked", OPTIONS[1].value),
        ("v2 那个", OPTIONS, "picked", OPTIONS[1].value),
        ("the v1 one", OPTIONS, "picked", OPTIONS[0].value),
        ("应该在 dev", NS, "picked", "dev"),
        ("dev", NS, "picked", "dev"),
        ("我不确定，你列出来吧", NS, "list", None),
        ("not sure, list them", NS, "list", None),
        ("cancel", NS, "cancel", None),
        ("算了", NS, "cancel", None),
        ("cart", OPTIONS, "narrowed", None),
        ("9", OPTIONS, "unmatched", None),
        ("staging", NS, "unmatched", None),
    ],
)
def test_reply_resolution(reply, options, outcome, picked):
    r = resolve_reply(reply, options)
    assert r.outcome == outcome
    assert (r.option.value if r.option else None) == picked


def test_free_text_reply_for_open_questions():
    r = resolve_reply("5", [], free_text=True)
    assert (r.outcome, r.text) == ("free", "5")


def test_switching_cluster_or_namespace():
    assert (p("switch to prod-cluster").intent, p("switch to prod-cluster").cluster) == ("switch_context", "prod-cluster")
    zh = p("切换到 production")
    assert (zh.intent, zh.namespace) == ("switch_context", "production")
    assert p("switch the image of web-frontend to nginx:1.27").intent == "set_image"
