"""Understanding is one stage: a message is read once, into one typed Reading, and nothing downstream reads the text.

Structurally: the modules that route, fill slots and answer import none of the modules that read words. In
behaviour: one ``reader.read`` per message, whatever the message does (a new request, an answer, a pick). And the
reading links names to the cluster instead of guessing them from word positions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kubecopilot.dialogue import reader
from kubecopilot.dialogue.inventory import StaticNames
from kubecopilot.dialogue.reading import Recent, SessionView
from kubecopilot.dialogue.turns import Answer, Ask

DIALOGUE = Path(reader.__file__).resolve().parent
WORD_READERS = {"intents", "phrases", "answers", "linking", "kubectl", "references", "places", "reader", "shape",
                "followups"}
# what reads the reading, never the words (the engine may call the reader: it is the one stage)
DOWNSTREAM = ["routing", "slots", "handlers", "flows", "fixes", "views", "cluster_view", "changes_view", "health",
              "clarify", "kit", "session", "changes", "scan_answer", "config_view", "node_view"]

NAMES = StaticNames({
    "namespace": ["default", "dev", "production", "kube-system"],
    "cluster": ["dev-cluster", "prod-cluster"],
    "node": ["dev-node-1", "prod-node-3"],
    "deployment": ["cart-service-v1", "cart-service-v2", "billing-api", "report-worker", "cart-service"],
    "pod": ["billing-api-d8tmsdzklb-r2lsq", "report-worker-v9g4jblws9-k62rt"],
})


def _imports(module: str) -> set[str]:
    tree = ast.parse((DIALOGUE / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "kubecopilot.dialogue":
                found |= {a.name for a in node.names}
            elif node.module.startswith("kubecopilot.dialogue."):
                found.add(node.module.rsplit(".", 1)[1])
    return found


@pytest.mark.parametrize("module", DOWNSTREAM)
def test_nothing_downstream_of_the_reading_reads_words(module):
    assert not _imports(module) & WORD_READERS, f"{module} imports {_imports(module) & WORD_READERS}"


def test_each_message_is_read_exactly_once(talk, monkeypatch):
    calls: list[str] = []
    real = reader.read

    def counting(text, view, names):
        calls.append(text)
        return real(text, view, names)

    monkeypatch.setattr(reader, "read", counting)
    for said in ("show me the logs of cart-service", "no wait, production", "the last one", "billing-api restart",
                 "cancel", "y"):
        before = len(calls)
        talk.handle(said)
        assert calls[before:] == [said], (said, calls[before:])


def read(text, view=SessionView()):
    return reader.read(text, view, NAMES)


def test_a_word_that_names_nothing_is_never_a_filter():
    for text in ("shwo pods in dev", "list pods in dev please", "hey so, pods in dev?"):
        r = read(text)
        assert (r.intent, r.request.namespace, r.request.target) == ("list_pods", "dev", None), text
    marked = read("list pods named zzz in dev")
    assert marked.request.target == "zzz" and marked.target().how == "marked"


def test_names_are_linked_exactly_by_prefix_by_part_and_through_typos():
    assert read("logs of billing-api").target().how == "exact"
    billing = read("logs of the billing thing").target()
    assert (billing.how, billing.name) == ("prefix", "billing-api")
    cart = read("logs of cart").target()
    assert (cart.how, cart.name, cart.candidates) == ("prefix", "cart", 3)
    typo = read("logs of billing-apl")
    assert typo.target().how == "fuzzy" and typo.request.target == "billing-api"
    assert [n.key for n in typo.notes] == ["took_name"]
    place = read("list pods in prodution")
    assert place.request.namespace == "production" and place.mentions[0].how == "fuzzy"
    node = read("describe prod-node-3")
    assert (node.request.kind, node.target().kind) == ("node", "node")


def test_a_place_the_cluster_does_not_have_is_kept_as_unknown_not_dropped():
    r = read("list pods in staging")
    assert r.unknown_place == "staging" and r.request.namespace is None
    assert read("list pods in namespace qa").unknown_place == "qa"


def test_a_kubectl_command_is_read_as_what_it_means():
    r = read("kubectl logs billing-api-d8tmsdzklb-r2lsq -n dev -p").request
    assert (r.intent, r.target, r.namespace, r.previous) == ("logs", "billing-api-d8tmsdzklb-r2lsq", "dev", True)
    assert read("kubectl get deploy -A").intent == "list_deployments"
    assert read("kubectl rollout history deployment/billing-api").intent == "what_changed"


def test_references_follow_the_conversation():
    pod = Recent("pod", "billing-api-d8tmsdzklb-r2lsq", "dev", owner="deployment/billing-api")
    view = SessionView(recent=(pod,))
    restart = read("restart it", view)
    assert (restart.request.target, restart.target().how, restart.request.namespace) == ("billing-api", "owner", "dev")
    logs = read("its previous logs", view).request
    assert (logs.target, logs.previous) == ("billing-api-d8tmsdzklb-r2lsq", True)
    deployment = SessionView(recent=(Recent("deployment", "report-worker", "dev"),))
    assert read("show me its logs", deployment).request.target == "report-worker"  # its pods, to pick from
    rows = SessionView(rows=(Recent("pod", "a-1", "dev"), Recent("pod", "b-2", "dev")))
    assert read("describe the first one", rows).request.target == "a-1"
    assert read("第二个的日志", rows).request.target == "b-2"
    assert read("undo that", view).request.target is None  # "that" is the change, not a thing


def test_a_replaced_pod_is_followed_to_its_successor():
    gone = Recent("pod", "report-worker-old11-aaaaa", "dev", owner="deployment/report-worker")
    names = StaticNames({"pod": ["report-worker-v9g4jblws9-k62rt"], "deployment": ["report-worker"]})
    names._names["pod"] = [type(n)(n.kind, n.name, "dev", "deployment/report-worker") for n in names.of("pod")]
    r = reader.read("show its logs", SessionView(recent=(gone,)), names)
    assert r.request.target == "report-worker-v9g4jblws9-k62rt" and r.target().how == "successor"
    assert [n.key for n in r.notes] == ["replaced_pod"]


def test_switching_and_asking_in_one_sentence():
    r = read("切到 prod-cluster 看看节点")
    assert (r.intent, r.request.cluster) == ("list_nodes", "prod-cluster")
    assert read("use the production namespace").intent == "switch_context"


def test_the_new_intents_are_read():
    cases = {"what changed recently": "what_changed", "dev 最近改了什么": "what_changed",
             "show me the YAML of billing-api": "show_yaml", "scan the cluster": "scan", "集群有什么问题": "scan",
             "undo the last change": "undo", "撤销刚才的操作": "undo", "which deployments are not available": "list_deployments",
             "billing-api 一直崩溃，帮我修一下": "fix", "which nodes are not ready": "list_nodes"}
    assert {text: read(text).intent for text in cases} == cases
    assert read("which deployments are not available").only_unhealthy
    assert read("fix all of them").scope == "all"


def test_the_conversation_answers_its_own_questions(talk):
    assert isinstance(talk.handle("show me the logs of cart-service"), Ask)
    assert isinstance(talk.handle("-1"), Ask) and talk.session.pending is not None  # asked again, never option 1
    turn = talk.handle("不对，是 production")
    assert isinstance(turn, Ask) and turn.slot == "pod" and all("cart-service-" in o.value for o in turn.options)
    turn = talk.handle("最后一个")
    assert isinstance(turn, Answer) and "cart-service-" in turn.title and talk.session.pending is None
