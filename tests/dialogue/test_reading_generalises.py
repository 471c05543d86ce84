"""Understanding that generalises (round 2), at the reading: two typos in one message, ConfigMaps and Secrets,
counting, the pods of a node, health words, follow-ups by ellipsis and correction, cancel at any question, a change
to many objects, slash commands and more kubectl lines. And the views behind the new intents never show a value."""

from __future__ import annotations

import pytest

from kubecopilot.dialogue import config_view, reader
from kubecopilot.dialogue.answers import read_reply
from kubecopilot.dialogue.intents import vocabulary
from kubecopilot.dialogue.inventory import StaticNames
from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.dialogue.reading import Previous, Question, Reading, SessionView
from kubecopilot.dialogue.turns import Option

NAMES = StaticNames({
    "namespace": ["default", "dev", "production", "kube-system"],
    "cluster": ["dev-cluster", "prod-cluster"],
    "node": ["dev-node-1", "dev-node-2", "prod-node-3"],
    "deployment": ["cart-service-v1", "cart-service-v2", "billing-api", "report-worker", "checkout"],
    "pod": ["billing-api-d8tmsdzklb-r2lsq", "report-worker-v9g4jblws9-k62rt"],
})


def read(text: str, view: SessionView = SessionView()) -> Reading:
    return reader.read(text, view, NAMES)


def after(intent: str, **fields: object) -> SessionView:
    """A session whose last request was ``intent`` (with ``fields``)."""
    request = RoutedRequest(intent=intent, **fields)  # type: ignore[arg-type]
    return SessionView(previous=Previous(request=request, namespace=request.namespace, reading=Reading("", request)))


def test_two_typos_in_one_read_are_read_and_both_said():
    r = read("lsit deploymnets in prodution")  # routed offline, said; with a model configured the model reads it
    assert (r.intent, r.request.namespace, r.unsure) == ("list_deployments", "production", "typo_read")
    assert {dict(n.values)["said"] for n in r.notes} == {"deploymnets", "prodution"}
    r = read("descibe biling-api")
    assert (r.intent, r.request.target, r.unsure) == ("describe", "billing-api", "typo_read")
    assert {dict(n.values)["said"] for n in r.notes} == {"descibe", "biling-api"}


def test_a_typo_of_a_write_is_still_only_offered():
    r = read("restrat billing-api")
    assert r.unsure == "typo" and r.candidates == ("restart",)


@pytest.mark.parametrize(("text", "kind", "namespace", "target"), [
    ("list configmaps in dev", "configmap", "dev", None),
    ("list secrets in production", "secret", "production", None),
    ("show the secrets of billing-api", "secret", None, "billing-api"),
    ("cart-service-v1 用了哪些密钥", "secret", None, "cart-service-v1"),
    ("kubectl get cm,secret -n dev", None, "dev", None),
    ("describe secret shop-tls", "secret", None, "shop-tls"),
])
def test_config_and_secrets_are_one_intent_of_names_and_keys(text, kind, namespace, target):
    r = read(text)
    assert (r.intent, r.request.kind, r.request.namespace, r.request.target) == ("list_config", kind, namespace, target)


@pytest.mark.parametrize("text", ["kubectl get secret cart-db-credentials -n dev -o yaml", "show me the yaml of secret x-1",
                                  "kubectl describe secret shop-tls"])
def test_a_secret_is_never_read_as_yaml_or_describe(text):
    assert read(text).intent == "list_config"


@pytest.mark.parametrize(("text", "intent"), [
    ("how many pods are in dev", "list_pods"), ("dev 里有几个 pod", "list_pods"),
    ("how many deployments are not available", "list_deployments"), ("集群里一共有多少个节点", "list_nodes"),
    ("有几个不健康的 pod", "unhealthy_pods"), ("how many secrets are in production", "list_config"),
])
def test_counting_is_the_list_with_its_number(text, intent):
    r = read(text)
    assert (r.intent, r.count) == (intent, True)
    assert not read("list pods in dev").count


@pytest.mark.parametrize(("text", "node"), [("what runs on dev-node-1", "dev-node-1"), ("dev-node-2 上有哪些 pod", "dev-node-2"),
                                            ("list the pods on prod-node-3", "prod-node-3")])
def test_the_pods_of_a_node(text, node):
    r = read(text)
    assert (r.intent, r.on_node, r.request.namespace) == ("list_pods", node, None)
    assert read("describe dev-node-1").on_node is None


@pytest.mark.parametrize(("text", "intent", "unhealthy"), [
    ("不正常的 pod", "unhealthy_pods", False), ("有问题的 pod", "unhealthy_pods", False), ("挂了的 pod", "unhealthy_pods", False),
    ("哪些 deployment 不正常", "list_deployments", True), ("节点都正常吗", "list_nodes", False),
    ("are the nodes ok?", "list_nodes", False), ("which nodes are not ok", "list_nodes", True),
])
def test_health_words(text, intent, unhealthy):
    r = read(text)
    assert (r.intent, r.only_unhealthy, r.sure) == (intent, unhealthy, True)
    assert read("is billing-api ok?").intent == "diagnose"  # one named thing: its diagnosis
    assert read("diagnose node").intent == "diagnose"  # an explicit verb: which node is asked


@pytest.mark.parametrize("text", ["delete all pods in dev", "删除 dev 里所有的 pod", "scale everything in production to 0",
                                  "restart all deployments in dev", "把 dev 里的 pod 全部删掉", "delete all pods of billing-api",
                                  "restart every deployment", "can you delete all the pods in dev?"])
def test_a_change_to_many_objects_is_its_own_refused_intent(text):
    assert read(text).intent == "change_many"


@pytest.mark.parametrize(("text", "intent"), [("restart billing-api", "restart"), ("fix all of them", "fix"),
                                              ("why did all pods restart?", "diagnose"),
                                              ("which pods restart the most?", "list_pods")])
def test_all_of_them_is_not_many_objects_where_it_is_no_bulk_change(text, intent):
    assert read(text).intent == intent


def test_an_ellipsis_repeats_the_last_request_with_the_new_place():
    pods = after("list_pods", namespace="dev")
    for text in ("and in production?", "production 呢", "换成 production 看看", "what about production", "production?",
                 "no, I meant production", "不对，是 production"):
        r = read(text, pods)
        assert (r.intent, r.request.namespace, r.sure) == ("list_pods", "production", True), text
        assert [n.key for n in r.notes][-1] == "follow_up"
    nodes = after("list_nodes")
    r = read("switch back to prod-cluster", nodes)
    assert (r.intent, r.request.cluster) == ("list_nodes", "prod-cluster")
    r = read("and report-worker?", after("logs", target="billing-api", namespace="dev"))
    assert (r.intent, r.request.target, r.request.namespace) == ("logs", "report-worker", "dev")


def test_without_a_previous_request_or_a_marker_nothing_is_repeated():
    assert read("switch back to dev").intent == "switch_context"
    assert read("switch to production", after("list_pods", namespace="dev")).intent == "switch_context"
    assert read("billing-api", after("logs", target="cart-service")).intent == "unknown"  # a name alone: asked
    assert read("list deployments in production", after("list_pods", namespace="dev")).intent == "list_deployments"


def test_a_change_is_only_offered_by_an_ellipsis():
    r = read("and in production?", after("restart", target="billing-api", namespace="dev"))
    assert (r.unsure, r.candidates, r.request.namespace) == ("not_imperative", ("restart",), "production")
    assert read("switch back to production", after("restart", target="billing-api")).intent == "switch_context"


def test_the_other_one_is_the_option_not_picked():
    request = RoutedRequest(intent="logs", target="cart-service", namespace="dev")
    view = SessionView(previous=Previous(request=request, namespace="dev", slot="pod", picked="cart-v1-a",
                                         others=("cart-v2-b",)))
    r = read("no, the other one", view)
    assert (r.intent, r.request.target, r.request.namespace) == ("logs", "cart-v2-b", "dev")
    assert read("另一个", view).request.target == "cart-v2-b"


def test_how_many_after_a_list_counts_it():
    r = read("how many?", after("list_pods", namespace="dev"))
    assert (r.intent, r.count, r.request.namespace) == ("list_pods", True, "dev")
    assert read("有几个", after("list_nodes")).count


@pytest.mark.parametrize("said", ["不要", "算了", "never mind", "cancel", "forget it", "no thanks", "ok, cancel that",
                                  "算了吧，不用了", "nope"])
def test_cancel_words_at_a_question_that_is_not_a_yes_or_no(said):
    question = Question(slot="pod", intent="logs", options=(Option(value="a-1", label="a-1"),))
    assert read_reply(said, question, NAMES, vocabulary().stopwords).kind == "cancel"
    fix = Question(slot="fix_choice", intent="fix", options=(Option(value="dev/x", label="x"),))
    assert read_reply(said, fix, NAMES, vocabulary().stopwords).kind == "cancel"


def test_n_alone_is_still_asked_again_and_no_at_a_yes_no_is_no():
    question = Question(slot="namespace", options=(Option(value="dev", label="dev"),))
    assert read_reply("n", question, NAMES, vocabulary().stopwords).kind == "invalid"
    assert read_reply("不要", Question(slot="confirm", yes_no=True), NAMES, vocabulary().stopwords).kind == "no"


@pytest.mark.parametrize(("text", "intent", "namespace", "cluster"), [
    ("/ns dev", "switch_context", "dev", None), ("/cluster prod-cluster", "switch_context", None, "prod-cluster"),
    ("/context", "context", None, None), ("/ns", "context", None, None), ("/refresh", "refresh_cache", None, None),
    ("/cluster nope-cluster", "list_clusters", None, None),
])
def test_a_slash_command_typed_as_text_is_read_as_its_meaning(text, intent, namespace, cluster):
    r = read(text)
    assert (r.intent, r.request.namespace, r.request.cluster) == (intent, namespace, cluster)
    assert read("/ns staging").unknown_place == "staging"
    assert [n.key for n in read("/cluster nope-cluster").notes] == ["no_such_cluster"]


@pytest.mark.parametrize(("text", "intent", "kind"), [
    ("kubectl top pods -n dev", "usage", "pod"), ("kubectl top nodes", "usage", "node"),
    ("kubectl get events -n dev", "events", None), ("kubectl get svc", "list_services", "service"),
    ("kubectl get cm,secret", "list_config", None), ("kubectl get configmaps -A", "list_config", "configmap"),
])
def test_more_kubectl_lines(text, intent, kind):
    r = read(text)
    assert (r.intent, r.request.kind) == (intent, kind)


def test_the_config_answer_never_carries_a_value_whatever_the_server_returned():
    """A server that hands out a Secret's values (not the sandbox): the table and the data show names and keys only."""
    secret = {"kind": "Secret", "type": "Opaque", "metadata": {"name": "db", "namespace": "dev"},
              "data": {"password": "c3VwZXJzZWNyZXQ="}, "stringData": {"token": "hunter2"}}
    config = {"kind": "ConfigMap", "metadata": {"name": "app", "namespace": "dev"}, "data": {"config.yml": "debug: true"}}
    table = config_view._table([secret, config], all_namespaces=True)
    shown = repr(table.model_dump()) + repr(config_view._data([secret, config]))
    assert "password" in shown and "token" in shown and "config.yml" in shown
    for value in ("c3VwZXJzZWNyZXQ=", "hunter2", "debug: true"):
        assert value not in shown
    assert config_view._values_said([secret], "en") == "Only names, types and keys are shown, never values."
    redacted = {**secret, "data": {"password": "<redacted>"}, "stringData": {}}
    assert "redacted" in config_view._values_said([redacted], "en")


def test_a_workload_names_the_config_it_uses():
    spec = {"containers": [{"env": [{"valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
                            "envFrom": [{"configMapRef": {"name": "settings"}}]}],
            "volumes": [{"configMap": {"name": "files"}}, {"secret": {"secretName": "tls"}}],
            "imagePullSecrets": [{"name": "pull"}]}
    assert config_view._references(spec) == [("Secret", "db"), ("ConfigMap", "settings"), ("ConfigMap", "files"),
                                             ("Secret", "tls"), ("Secret", "pull")]
