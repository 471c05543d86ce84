"""The one reading of a message (``reader.read``) and the one grammar of answers (``answers.read_reply``): the
sentences people actually type, in English and Chinese, read against fixed names of a cluster."""

from __future__ import annotations

import pytest

from kubecopilot.dialogue.answers import read_reply
from kubecopilot.dialogue.intents import vocabulary
from kubecopilot.dialogue.inventory import StaticNames
from kubecopilot.dialogue.reader import read
from kubecopilot.dialogue.reading import Question, SessionView
from kubecopilot.dialogue.turns import Option

NAMES = StaticNames({
    "namespace": ["default", "dev", "production", "kube-system"],
    "cluster": ["dev-cluster", "prod-cluster"],
    "node": ["dev-node-1", "dev-node-2", "prod-node-3"],
    "deployment": ["cart-service-v1", "cart-service-v2", "billing-api", "report-worker", "web-frontend", "ml-trainer",
                   "cart-service"],
    "pod": ["cart-service-v1-6c8f9d7b4f-q8m2n", "cart-service-v2-7d9f8b6c5d-x2k4p", "billing-api-d8tmsdzklb-r2lsq"],
})


def p(text, view=SessionView()):
    return read(text, view, NAMES).request


def resolve_reply(reply, options, *, free_text=False, filled=None, slot="pod"):
    question = Question(slot=slot, options=tuple(options), free_text=free_text, filled=filled or {})
    return read_reply(reply, question, NAMES, vocabulary().stopwords)


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
        ("2", OPTIONS, "pick", OPTIONS[1].value),
        ("#1", OPTIONS, "pick", OPTIONS[0].value),
        ("第二个", OPTIONS, "pick", OPTIONS[1].value),
        ("the second one", OPTIONS, "pick", OPTIONS[1].value),
        ("2nd", OPTIONS, "pick", OPTIONS[1].value),
        ("the last one", OPTIONS, "pick", OPTIONS[1].value),
        ("最后一个", OPTIONS, "pick", OPTIONS[1].value),
        ("v2 那个", OPTIONS, "pick", OPTIONS[1].value),
        ("the v1 one", OPTIONS, "pick", OPTIONS[0].value),
        ("应该在 dev", NS, "pick", "dev"),
        ("dev", NS, "pick", "dev"),
        ("prodution", NS, "pick", "production"),
        ("no wait, production", NS, "correction", "production"),
        ("不对，是 production", NS, "correction", "production"),
        ("我不确定，你列出来吧", NS, "list", None),
        ("not sure, list them", NS, "list", None),
        ("cancel", NS, "cancel", None),
        ("算了", NS, "cancel", None),
        ("cart", OPTIONS, "narrowed", None),
        ("9", OPTIONS, "invalid", None),
        ("0", OPTIONS, "invalid", None),
        ("-1", OPTIONS, "invalid", None),
        ("n", NS, "invalid", None),
        ("y", NS, "invalid", None),
        ("不要", NS, "cancel", None),  # a no at a question that is not a yes/no drops it
        ("no thanks", NS, "cancel", None),
        ("staging", NS, "unmatched", None),
    ],
)
def test_reply_resolution(reply, options, outcome, picked):
    r = resolve_reply(reply, options, slot="namespace" if options is NS else "pod")
    assert (r.kind if r else "unmatched") == outcome
    assert (r.option.value if r and r.option else None) == picked


def test_free_text_reply_for_open_questions():
    r = resolve_reply("5", [], free_text=True, slot="replicas")
    assert (r.kind, r.value) == ("value", "5")


def test_a_correction_of_an_earlier_answer_names_the_slot_it_corrects():
    """"no wait, production" while asked for a pod of dev: the namespace is corrected, not a pod picked."""
    r = resolve_reply("no wait, production", OPTIONS, filled={"namespace": "dev"})
    assert (r.kind, r.slot, r.value) == ("correction", "namespace", "production")


def test_yes_and_no_count_only_where_a_yes_or_no_is_asked():
    yes_no = Question(slot="confirm", yes_no=True, options=(Option(value="yes", label="yes"), Option(value="no", label="no")))
    stop = vocabulary().stopwords
    assert read_reply("y", yes_no, NAMES, stop).kind == "yes"
    assert read_reply("不要", yes_no, NAMES, stop).kind == "no"
    assert read_reply("2", yes_no, NAMES, stop).kind == "no"
    one = Question(slot="intent", options=(Option(value="restart", label="Restart billing-api"),))
    assert read_reply("y", one, NAMES, stop).option.value == "restart"  # "did you mean X?" — "y" is X
    nothing = read("y", SessionView(), NAMES)
    assert nothing.answer_without_question == "yes" and nothing.request.target is None  # never "the logs of y"


def test_switching_cluster_or_namespace():
    assert (p("switch to prod-cluster").intent, p("switch to prod-cluster").cluster) == ("switch_context", "prod-cluster")
    zh = p("切换到 production")
    assert (zh.intent, zh.namespace) == ("switch_context", "production")
    assert p("switch the image of web-frontend to nginx:1.27").intent == "set_image"
