"""The intent the words mean once their names are known: the last step of reading a request (``reader.read``).

The keywords give an intent (``intents.classify``); the names linked to the cluster and a few phrases then say what is
really asked. "billing-api 有什么问题" is that thing's diagnosis, not a scan; "which deployments are not available" lists
only those; "are the nodes ok?" / "节点都正常吗" are the nodes with their state; "what runs on dev-node-1" the pods of
that node; "how many pods are in dev" the number and the list; "delete all pods in dev" a change to many objects,
refused — a plan changes one object.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from kubecopilot.dialogue.intents import has_pronoun, kind_named, matching_intents
from kubecopilot.dialogue.models import ResourceKind
from kubecopilot.dialogue.places import Places
from kubecopilot.dialogue.reading import Mention, Reading

LIST_OF_KIND = {"pod": "list_pods", "deployment": "list_deployments", "node": "list_nodes"}
COUNTABLE = frozenset({"list_pods", "list_deployments", "list_services", "list_nodes", "list_namespaces", "list_clusters",
                       "unhealthy_pods", "list_config"})
ONE_AT_A_TIME = frozenset({"scale", "restart", "rollback", "set_image", "set_resources", "delete_pod"})
CONFIG_KINDS = frozenset({"configmap", "secret"})
WHICH = re.compile(r"\bwhich\b|哪个|哪些|哪一个")
UNHEALTHY = re.compile(
    r"\bnot (?:(?:fully|all|completely|yet|entirely) )?(?:ready|available|running|healthy|ok|okay|working)\b|"
    r"\bunavailable\b|\bunhealthy\b|\bfailing\b|\bbroken\b|"
    r"\bdegraded\b|\bnotready\b|\bcrash(?:ing|looping|loop)?\b|\brestarting\b|\berroring\b|\bin trouble\b|"
    r"\b(?:having|with) (?:problems|issues|errors)\b|\bsick\b|"
    r"不可用|没(?:有)?(?:全部|完全|都)?就绪|未(?:全部|完全)?就绪|"
    r"不健康|异常|有问题|出问题|挂了|挂掉|崩溃|在重启|不正常|没起来|起不来|没在运行|不在运行|没跑起来", re.I)
_MOST_RESTARTS = re.compile(r"\bmost restarts?\b|\brestart(?:s|ed)? the most\b|\brestarted most\b|\bmost[- ]restarted\b|\brestart(?:ed)? most\b|"
                            r"\b(?:sort(?:ed)?|order(?:ed)?) by restarts?\b|按重启次数|"
                            r"\bhighest restart|\btop restart|重启次数最多|重启最多|重启最频繁|重启得最多|重启次数最高", re.I)
_WHERE = re.compile(r"\bwhich namespaces? (?:is|are|has|have)\b|\bwhere (?:is|are|does|do)\b|\bwhere\b.*\brunning\b|"
                    r"在哪个命名空间|在哪里|在哪儿|在哪", re.I)
_ALL = re.compile(r"\ball of them\b|\bthem all\b|\ball (?:the |these |those )?(?:fixes|problems|issues|of these|of those)\b|"
                  r"\beach of them\b|\beverything\b|全部|都修|所有问题|这些都|一起修|全都|都修复|所有的问题", re.I)
# "delete all pods", "scale everything", "删除所有的 pod", "全部删掉": many objects in one change
_MANY = re.compile(r"\ball\b(?! of (?:it|its)\b)|\bevery(?:thing|one|\s+\w+)?\b|\beach\s+(?!of it)\w+|\bwhole namespace\b|"
                   r"所有|全部|每个|每一个|一切|统统|全都|通通|都删|都重启|都扩|都缩", re.I)
SWITCH = re.compile(r"^\s*(?:please\s+|now\s+|ok\s+|let'?s\s+)?(?:use|go to|go back to|back to|switch(?: over| back)? to|"
                    r"move to|change to|work in|jump to|切到|切换到|切回|换回|回到|切换|进入|去)\b|"
                    r"^\s*(?:切到|切换到|切回|换回|回到|切换|进入|去)", re.I)
_WHOLE_CLUSTER = re.compile(r"\bcluster\b|\bk8s\b|\bkubernetes\b|集群", re.I)
_COUNT = re.compile(r"\bhow many\b|\bnumber of\b|\bcount(?: of| the)?\b|多少|几个|几台|几项|数量|总数", re.I)
_ON_NODE = re.compile(r"\bruns? on\b|\brunning on\b|\bscheduled on\b|\bplaced on\b|\bhosted on\b|\bon (?:the )?node\b|\bon\b|"
                      r"\bpods? (?:on|of)\b|上(?:有|跑|运行|面|都)|里(?:有|跑)", re.I)
_HEALTH_WORDS = re.compile(r"\b(?:ok|okay|healthy|fine|alright|all right|good|working|running)\b|正常|健康|好吗|没问题|还好", re.I)
_PLURAL = re.compile(r"\b(?:pods|deployments|workloads|services|apps|applications|all|every|each|everything)\b|都|所有|全部|各个|每个",
                     re.I)
_NO_ENDPOINTS = re.compile(r"\b(?:no|without|zero|empty|missing) (?:ready |healthy |available )?(?:endpoints?|backends?)\b|"
                          r"\bendpoints? (?:are |is )?(?:empty|missing|not ready)\b|没有(?:就绪的?|可用的?|健康的?)?(?:后端|endpoints?)|"
                          r"(?:后端|endpoints?)\s*(?:为空|是空的|不可用)", re.I)
_IMAGES = re.compile(r"\bimages?\b|镜像", re.I)
_SECRET = re.compile(r"\bsecrets?\b|密钥|秘钥|凭据|凭证|secret", re.I)
_CONFIGMAP = re.compile(r"\bconfig ?maps?\b|\bcm\b|配置映射|配置项|configmap", re.I)


def shape(reading: Reading, intent: str, lowered: str, blanked: str, places: Places, target: Mention | None) -> Reading:
    """The reading with the intent (and the flags) the words mean once their names are known."""
    kind = kind_named(blanked) or (target.kind if target is not None and target.linked else None)
    matched = matching_intents(blanked) if intent == "switch_context" else []
    other = next((m for m in matched if m != "switch_context"), None)
    if other is not None:  # "切到 prod-cluster 看看节点": the switch is the place, the nodes the request
        intent = other
    if _many(reading, intent, lowered, target):
        return cleared(reading, "change_many")
    if intent == "scan" and target is not None and target.linked:
        intent = "diagnose"  # "billing-api 有什么问题": that thing, not the whole cluster
    if intent == "describe" and (target is None or not target.linked) and _IMAGES.search(lowered):
        intent = "images"  # "production 里跑的什么镜像": the images of a place; "what image does billing-api run" stays describe
    if intent == "cluster_status" and target is not None and target.linked:
        intent = "describe"  # "status of cart-service" is about one thing, not the cluster
    if intent == "cluster_status" and kind == "node" and target is None:
        intent = "list_nodes"  # "节点状态怎么样": the nodes' states
    if intent == "diagnose" and target is None and _WHOLE_CLUSTER.search(lowered) and not has_pronoun(lowered):
        intent = "cluster_status"  # "集群健康吗", "is the cluster ok?": the cluster, not one thing
    if intent == "unknown" and (places.namespace or places.cluster) and SWITCH.search(lowered):
        return cleared(reading, "switch_context")  # "use the production namespace", "go to dev"
    if _config(intent, lowered):
        return cleared(reading, "list_config", count=bool(_COUNT.search(lowered)))
    node = target.name if target is not None and target.linked and target.kind == "node" else None
    if node is not None and (intent in ("list_pods", "list_deployments", "list_services") or
                             intent == "unknown" and _ON_NODE.search(lowered)):  # "what runs on dev-node-1": its pods
        return cleared(reading, "list_pods", on_node=node, count=bool(_COUNT.search(lowered)))
    shaped = _health(reading, intent, lowered, kind, target)
    if shaped is not None:
        return shaped
    if intent == "warning_events" and target is not None and target.linked:
        return cleared(reading, "events")  # "看看 checkout 最近有啥告警": that thing's events
    if _WHERE.search(lowered) and target is not None and target.linked and target.kind in ("deployment", "pod"):
        return cleared(reading, "list_pods", everywhere=True)  # "where is cart-service running": its pods
    if intent == "fix" and _ALL.search(lowered):
        return cleared(reading, "fix", scope="all")
    counted = intent in COUNTABLE and bool(_COUNT.search(lowered))
    return replace(reading, request=reading.request.model_copy(update={"intent": intent}), count=counted)


def _health(reading: Reading, intent: str, lowered: str, kind: str | None, target: Mention | None) -> Reading | None:
    """Unhealthy things, the most restarts, and "are the nodes ok?": lists, not one thing's diagnosis."""
    listed = LIST_OF_KIND.get(kind or "")
    count = bool(_COUNT.search(lowered))
    if _MOST_RESTARTS.search(lowered) and target is None and kind in (None, "pod", "deployment", "service"):
        return cleared(reading, "list_pods", sort="restarts")
    if UNHEALTHY.search(lowered) and target is None and listed and \
            (intent in ("diagnose", "unknown", "unhealthy_pods", listed) or WHICH.search(lowered)):
        if listed == "list_pods":
            return cleared(reading, "unhealthy_pods", count=count)
        return cleared(reading, listed, only_unhealthy=True, count=count)
    if intent == "health_check" and target is None and kind == "node":
        return cleared(reading, "list_nodes", count=count)  # "is everything ok with the nodes?": the nodes' states
    if intent == "diagnose" and target is None and not has_pronoun(lowered) and _HEALTH_WORDS.search(lowered):
        if kind == "node":  # "are the nodes ok?", "节点都正常吗": every node with its state
            return cleared(reading, "list_nodes", count=count)
        if listed and _PLURAL.search(lowered):  # "are all pods ok?", "deployments 都正常吗"
            return cleared(reading, "unhealthy_pods" if kind == "pod" else listed, count=count)
        if _PLURAL.search(lowered):  # "are all my services healthy in dev?": the place's health, never one remembered thing
            return cleared(reading, "health_check")
    if intent == "list_services" and target is None and (_NO_ENDPOINTS.search(lowered) or UNHEALTHY.search(lowered)):
        return cleared(reading, "list_services", only_unhealthy=True, count=count)  # "services with no endpoints"
    return None


def _many(reading: Reading, intent: str, lowered: str, target: Mention | None) -> bool:
    """A change to many objects at once ("delete all pods in dev", "scale everything in production to 0")."""
    write = intent if intent in ONE_AT_A_TIME else None
    if write is None and reading.unsure == "not_imperative" and reading.candidates[:1]:
        write = reading.candidates[0] if reading.candidates[0] in ONE_AT_A_TIME else None
    if write is None or not _MANY.search(lowered):
        return False
    if target is None or not target.linked or target.candidates > 1:
        return True
    return write == "delete_pod" and target.kind != "pod"  # "delete all pods of billing-api": its pods, one by one


def _config(intent: str, lowered: str) -> bool:
    """ConfigMaps or Secrets named as what is asked for ("list secrets in dev", "describe configmap x", "the YAML of
    secret x"): their names, types and keys — a Secret's values are never shown, whatever the server would answer."""
    if intent == "list_config":
        return True
    return intent in ("describe", "show_yaml", "unknown") and bool(_SECRET.search(lowered) or _CONFIGMAP.search(lowered))


def config_kind(lowered: str) -> ResourceKind | None:
    """Which of the two config kinds the words name (None: both, or neither)."""
    secret, configmap = bool(_SECRET.search(lowered)), bool(_CONFIGMAP.search(lowered))
    return "secret" if secret and not configmap else "configmap" if configmap and not secret else None


def cleared(reading: Reading, intent: str, **changes: Any) -> Reading:
    """The reading with ``intent``, sure: the words and the names together leave no doubt."""
    return replace(reading, request=reading.request.model_copy(update={"intent": intent}), unsure=None, candidates=(),
                   **changes)
