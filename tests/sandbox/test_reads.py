"""Every read tool over real SSE against the default scenario: well-formed Kubernetes data, the PRD's world,
and the API server's wording for errors."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import container_status, is_ready, pod_named

LIST_TOOLS = {
    "list_namespaces": "NamespaceList", "list_nodes": "NodeList", "list_pods": "PodList",
    "list_deployments": "DeploymentList", "list_replicasets": "ReplicaSetList", "list_statefulsets": "StatefulSetList",
    "list_daemonsets": "DaemonSetList", "list_services": "ServiceList", "list_endpoints": "EndpointsList",
    "list_ingresses": "IngressList", "list_configmaps": "ConfigMapList", "list_secrets": "SecretList",
    "list_pvcs": "PersistentVolumeClaimList", "list_pvs": "PersistentVolumeList", "list_jobs": "JobList",
    "list_cronjobs": "CronJobList", "list_events": "EventList", "list_hpas": "HorizontalPodAutoscalerList",
}


@pytest.mark.parametrize(("tool", "list_kind"), sorted(LIST_TOOLS.items()))
def test_list_tools_answer_like_kubectl_get_json(mcp, tool, list_kind):
    data = mcp.json(tool)
    assert data["kind"] == list_kind
    assert data["metadata"]["resourceVersion"].isdigit()
    assert data["items"], f"{tool} returned nothing"
    for item in data["items"]:
        assert item["kind"] == list_kind.removesuffix("List")
        assert item["apiVersion"] == data["apiVersion"]
        meta = item["metadata"]
        assert meta["name"] and meta["uid"] and meta["resourceVersion"].isdigit()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["creationTimestamp"])


def test_pods_are_full_objects(mcp):
    pod = pod_named(mcp, "dev", "cart-service-v2")
    meta = pod["metadata"]
    assert "generation" not in meta and meta["labels"]["app"] == "cart-service"  # pods have none before 1.33
    owner = meta["ownerReferences"][0]
    assert owner["kind"] == "ReplicaSet" and owner["controller"] is True
    assert pod["spec"]["nodeName"].startswith("dev-node-")
    assert pod["status"]["phase"] == "Running" and pod["status"]["podIP"].startswith("10.244.")
    assert {c["type"] for c in pod["status"]["conditions"]} >= {"Ready", "ContainersReady", "PodScheduled", "Initialized"}
    cs = container_status(pod)
    assert cs["ready"] is True and cs["restartCount"] == 0 and "running" in cs["state"] and cs["lastState"] == {}


def test_the_prd_scenario_two_cart_service_pods_in_dev(mcp):
    pods = [p for p in mcp.json("list_pods", namespace="dev")["items"] if "cart-service" in p["metadata"]["name"]]
    names = sorted(p["metadata"]["name"] for p in pods)
    assert len(names) == 2
    assert re.fullmatch(r"cart-service-v1-[b-z2-9]{10}-[b-z2-9]{5}", names[0])
    assert re.fullmatch(r"cart-service-v2-[b-z2-9]{10}-[b-z2-9]{5}", names[1])
    assert all(p["status"]["phase"] == "Running" and is_ready(p) for p in pods)
    namespaces = [n["metadata"]["name"] for n in mcp.json("list_namespaces")["items"]]
    assert {"default", "dev", "production", "kube-system"} <= set(namespaces)


def test_cart_service_logs_are_healthy_traffic_with_data_to_redact(mcp):
    pod = pod_named(mcp, "dev", "cart-service-v2")["metadata"]["name"]
    text = mcp.text("get_pod_logs", namespace="dev", pod_name=pod, tail_lines=400)
    assert re.search(r'"(GET|POST) /api/cart/\d+ HTTP/1.1" 20\d', text)
    assert " INFO " in text and " WARN " in text
    assert re.search(r"\b\d{1,3}(\.\d{1,3}){3}\b", text), "an IP address"
    assert re.search(r"[\w.]+@[\w.]+\.\w+", text), "an email address"
    assert re.search(r"Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+", text), "a bearer token"
    assert "FATAL" not in text and "Error" not in text
    short = mcp.text("get_pod_logs", namespace="dev", pod_name=pod, tail_lines=5)
    assert short.count("\n") == 5 and text.endswith(short)


def test_logs_of_a_named_container_in_a_two_container_pod(mcp):
    pod = mcp.json("list_pods", namespace="production", label_selector="app=payments")["items"][0]
    assert [c["name"] for c in pod["spec"]["containers"]] == ["payments", "log-shipper"]
    name = pod["metadata"]["name"]
    assert "charge ch_" in mcp.text("get_pod_logs", namespace="production", pod_name=name)  # default container
    assert "flushed" in mcp.text("get_pod_logs", namespace="production", pod_name=name, container="log-shipper")
    err = mcp.error("get_pod_logs", namespace="production", pod_name=name, container="nope")
    assert 'container "nope" not found' in err and "payments log-shipper" in err


def test_previous_logs_need_a_terminated_instance(mcp):
    pod = pod_named(mcp, "dev", "cart-service-v1")["metadata"]["name"]
    err = mcp.error("get_pod_logs", namespace="dev", pod_name=pod, previous=True)
    assert err == f'previous terminated container "cart-service" in pod "{pod}" not found'


def test_production_is_healthy_and_labelled(mcp):
    deployments = {d["metadata"]["name"]: d for d in mcp.json("list_deployments", namespace="production")["items"]}
    assert {"cart-service", "checkout", "payments"} <= set(deployments)
    for d in deployments.values():
        assert d["metadata"]["labels"]["env"] == "production"
        assert d["status"]["availableReplicas"] == d["spec"]["replicas"]
    pods = mcp.json("list_pods", namespace="production", label_selector="env=production")["items"]
    assert pods and all(is_ready(p) for p in pods)


def test_label_selector_forms(mcp):
    both = mcp.json("list_pods", namespace="dev", label_selector="app=cart-service")["items"]
    v2 = mcp.json("list_pods", namespace="dev", label_selector="app=cart-service,version!=v1")["items"]
    set_based = mcp.json("list_pods", label_selector="app in (cart-service,checkout),env=production")["items"]
    assert len(both) == 2 and len(v2) == 1 and v2[0]["metadata"]["labels"]["version"] == "v2"
    assert {p["metadata"]["labels"]["app"] for p in set_based} == {"cart-service", "checkout"}
    assert "unable to parse requirement" in mcp.error("list_pods", label_selector="app in cart")


def test_list_pods_without_namespace_spans_all_namespaces(mcp):
    namespaces = {p["metadata"]["namespace"] for p in mcp.json("list_pods")["items"]}
    assert namespaces == {"dev", "production", "kube-system"}


def test_clusters(mcp):
    clusters = mcp.json("list_clusters")
    assert clusters["kind"] == "ClusterList"
    by_name = {c["name"]: c for c in clusters["items"]}
    assert set(by_name) == {"dev-cluster", "prod-cluster"}
    assert by_name["dev-cluster"]["current"] is True and by_name["prod-cluster"]["current"] is False
    assert by_name["dev-cluster"]["server"].startswith("https://") and by_name["prod-cluster"]["status"] == "Degraded"
    info = mcp.json("get_cluster_info", cluster="prod-cluster")
    assert info["version"]["gitVersion"] == "v1.29.8" and info["nodes"] == 4


def test_overview_summarises_health(mcp):
    overview = mcp.json("get_cluster_overview")
    assert overview["nodes"] == {"total": 3, "ready": 3, "notReady": [], "cordoned": []}
    problems = {p["name"].rsplit("-", 2)[0]: p["reason"] for p in overview["pods"]["problems"]}
    assert problems == {
        "billing-api": "CrashLoopBackOff", "report-worker": "CrashLoopBackOff (OOMKilled)",
        "web-frontend": "ImagePullBackOff", "ml-trainer": "Pending", "inventory-api": "NotReady",
    }
    assert overview["deployments"]["total"] - overview["deployments"]["available"] == 5
    assert overview["recentWarnings"] and all(w["count"] >= 1 for w in overview["recentWarnings"])
    assert sum(overview["pods"]["byPhase"].values()) == overview["pods"]["total"]


def test_api_resources_and_generic_get(mcp):
    groups = {g["groupVersion"]: {r["kind"] for r in g["resources"]} for g in mcp.json("list_api_resources")["groups"]}
    assert {"Pod", "Service", "ConfigMap"} <= groups["v1"] and "Deployment" in groups["apps/v1"]
    for kind in ("deploy", "Deployment", "deployments.apps", "apps/v1/Deployment"):
        obj = mcp.json("get_resource", kind=kind, name="coredns", namespace="kube-system")
        assert obj["kind"] == "Deployment" and obj["spec"]["replicas"] == 2
    node = mcp.json("get_resource", kind="node", name="dev-node-2")
    assert node["status"]["allocatable"]["cpu"] == "3920m"


def test_get_tools_return_the_named_object(mcp):
    assert mcp.json("get_namespace", name="dev")["metadata"]["labels"]["team"] == "shop"
    assert mcp.json("get_deployment", namespace="dev", deployment_name="cart-service-v1")["kind"] == "Deployment"
    svc = mcp.json("get_service", namespace="dev", service_name="cart-service")
    assert svc["spec"]["clusterIP"].startswith("10.96.") and svc["spec"]["selector"] == {"app": "cart-service"}
    cm = mcp.json("get_configmap", namespace="dev", configmap_name="billing-config")
    assert list(cm["data"]) == ["config.yml"]


def test_endpoints_follow_ready_pods(mcp):
    endpoints = {e["metadata"]["name"]: e for e in mcp.json("list_endpoints", namespace="dev")["items"]}
    cart = endpoints["cart-service"]["subsets"][0]
    assert len(cart["addresses"]) == 2 and cart["ports"][0]["port"] == 8080
    assert "addresses" not in endpoints["inventory-api"]["subsets"][0]  # its only pod is not ready


def test_storage_statefulset_and_batch(mcp):
    pvc = mcp.json("list_pvcs", namespace="dev")["items"][0]
    assert pvc["metadata"]["name"] == "data-redis-0" and pvc["status"]["phase"] == "Bound"
    pv = mcp.json("list_pvs")["items"][0]
    assert pv["spec"]["claimRef"]["name"] == "data-redis-0" and pv["status"]["phase"] == "Bound"
    assert mcp.json("list_statefulsets", namespace="dev")["items"][0]["status"]["readyReplicas"] == 1
    cronjob = mcp.json("list_cronjobs", namespace="dev")["items"][0]
    assert cronjob["spec"]["schedule"] == "0 2 * * *" and cronjob["status"]["lastSuccessfulTime"]
    jobs = mcp.json("list_jobs", namespace="dev")["items"]
    assert len(jobs) == 4 and all(j["status"]["succeeded"] == 1 for j in jobs)
    ds = mcp.json("list_daemonsets", namespace="kube-system")["items"][0]
    assert ds["status"]["desiredNumberScheduled"] == 3 == ds["status"]["numberReady"]
    hpa = mcp.json("list_hpas", namespace="production")["items"][0]
    assert hpa["status"]["currentReplicas"] == 3 and hpa["status"]["currentMetrics"]
    ingress = mcp.json("list_ingresses", namespace="production")["items"][0]
    assert ingress["spec"]["rules"][0]["host"] == "shop.example.com"


def test_metrics(mcp):
    nodes = mcp.json("get_node_metrics")["items"]
    assert len(nodes) == 3 and all(re.fullmatch(r"\d+m?", n["usage"]["cpu"]) for n in nodes)
    assert all(0 < n["percent"]["cpu"] < 100 for n in nodes)
    pods = mcp.json("get_pod_metrics", namespace="dev")["items"]
    names = {p["metadata"]["name"].rsplit("-", 2)[0] for p in pods}
    assert "cart-service-v1" in names and "ml-trainer" not in names  # a pending pod reports no usage
    one = pod_named(mcp, "dev", "cart-service-v1")["metadata"]["name"]
    assert [p["metadata"]["name"] for p in mcp.json("get_pod_metrics", namespace="dev", pod_name=one)["items"]] == [one]


def test_events_filter_by_object_and_type(mcp):
    warnings = mcp.json("list_events", namespace="dev", type="Warning")["items"]
    assert warnings and all(e["type"] == "Warning" for e in warnings)
    stamps = [e["lastTimestamp"] for e in warnings]
    assert stamps == sorted(stamps)
    pod = pod_named(mcp, "dev", "ml-trainer")["metadata"]["name"]
    about = mcp.json("list_events", namespace="dev", involved_object=pod)["items"]
    assert {e["involvedObject"]["name"] for e in about} == {pod}
    assert about == mcp.json("get_pod_events", namespace="dev", pod_name=pod)["items"]
    assert mcp.json("list_events", involved_object=f"Deployment/{pod}")["items"] == []


def test_describe_pod_reads_like_kubectl(mcp):
    pod = pod_named(mcp, "dev", "cart-service-v2")["metadata"]["name"]
    text = mcp.text("describe_pod", namespace="dev", pod_name=pod)
    for section in (f"Name:             {pod}", "Namespace:        dev", "Node:             dev-node-", "Containers:",
                    "Conditions:", "Volumes:", "QoS Class:", "Events:", "Controlled By:  ReplicaSet/cart-service-v2-",
                    "Readiness:", "<set to the key 'password' in secret 'cart-db-credentials'>"):
        assert section in text, section
    assert "Scheduled" in text and "Started container cart-service" in text  # its 40-minute-old events


def test_describe_deployment_and_node(mcp):
    text = mcp.text("describe_deployment", namespace="dev", deployment_name="billing-api")
    assert "Replicas:               1 desired | 1 updated | 1 total | 0 available | 1 unavailable" in text
    assert "NewReplicaSet:   billing-api-" in text and "Pod Template:" in text and "BILLING_CONFIG" in text
    node = mcp.text("describe_node", node_name="dev-node-1")
    assert "Non-terminated Pods:" in node and "Allocated resources:" in node and "KubeletReady" in node


def test_prod_cluster_has_a_lost_node(mcp):
    nodes = {n["metadata"]["name"]: n for n in mcp.json("list_nodes", cluster="prod-cluster")["items"]}
    ready = {name: next(c for c in n["status"]["conditions"] if c["type"] == "Ready") for name, n in nodes.items()}
    assert [name for name, c in ready.items() if c["status"] != "True"] == ["prod-node-3"]
    assert ready["prod-node-3"]["reason"] == "NodeStatusUnknown"
    assert {t["key"] for t in nodes["prod-node-3"]["spec"]["taints"]} == {"node.kubernetes.io/unreachable"}
    pods = mcp.json("list_pods", namespace="production", cluster="prod-cluster")["items"]
    on_lost = [p for p in pods if p["spec"]["nodeName"] == "prod-node-3"]
    assert on_lost and all(not is_ready(p) and p["metadata"].get("deletionTimestamp") for p in on_lost)
    for d in mcp.json("list_deployments", namespace="production", cluster="prod-cluster")["items"]:
        assert d["status"]["availableReplicas"] == d["spec"]["replicas"]  # replacements run elsewhere
    text = mcp.text("describe_node", node_name="prod-node-3", cluster="prod-cluster")
    assert "Kubelet stopped posting node status." in text and "NodeNotReady" in text
    err = mcp.error("get_pod_logs", namespace="production", pod_name=on_lost[0]["metadata"]["name"], cluster="prod-cluster")
    assert "10250" in err and "no route to host" in err


@pytest.mark.parametrize(("tool", "args", "message"), [
    ("list_pods", {"namespace": "qa"}, 'namespace "qa" not found'),
    ("get_pod", {"namespace": "dev", "pod_name": "x"}, 'pods "x" not found in namespace "dev"'),
    ("get_pod", {"namespace": "qa", "pod_name": "x"}, 'namespace "qa" not found'),
    ("get_deployment", {"namespace": "dev", "deployment_name": "x"}, 'deployments.apps "x" not found in namespace "dev"'),
    ("describe_node", {"node_name": "x"}, 'nodes "x" not found'),
    ("list_pods", {"cluster": "x"}, 'cluster "x" not found'),
    ("get_pod_logs", {"namespace": "dev"}, 'missing required argument "pod_name" for get_pod_logs'),
    ("get_pod_logs", {"namespace": "dev", "pod_name": "x", "tail_lines": "many"}, 'invalid argument "tail_lines"'),
    ("list_events", {"type": "Error"}, "is not one of ['Normal', 'Warning']"),
    ("list_pods", {"namespace": "dev", "colour": "red"}, 'unknown argument "colour" for list_pods'),
    ("get_resource", {"kind": "Gadget", "name": "x"}, 'the server doesn\'t have a resource type "Gadget"'),
    ("get_resource", {"kind": "Deployment", "name": "coredns"}, 'deployments.apps "coredns" not found in namespace "default"'),
    ("no_such_tool", {}, 'unknown tool "no_such_tool"'),
])
def test_errors_use_the_api_servers_words(mcp, tool, args, message):
    text = mcp.error(tool, **args)
    assert message in text
    assert "Traceback" not in text


def test_optional_arguments_sent_as_null_are_ignored(mcp):
    pod = pod_named(mcp, "dev", "cart-service-v1")["metadata"]["name"]
    text = mcp.text("get_pod_logs", namespace="dev", pod_name=pod, container=None, tail_lines="3", previous=None)
    assert text.count("\n") == 3


def test_reads_do_not_change_the_world(mcp, served):
    before = served.cluster.cluster().store.revision
    for tool in LIST_TOOLS:
        mcp.json(tool)
    mcp.json("get_cluster_overview")
    assert served.cluster.cluster().store.revision == before
    assert json.loads(mcp.text("list_pods"))["metadata"]["resourceVersion"] == str(before)
