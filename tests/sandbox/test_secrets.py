"""Secret values never leave the sandbox: not from list_secrets, not from get_resource, not from any read tool."""

from __future__ import annotations

import pytest

from kubecopilot.errors import KubeCopilotError

from .conftest import secret_values


@pytest.fixture(scope="module")
def every_read(mcp, served) -> dict[str, str]:
    """The text of every read tool, called on every namespace, object and cluster it can reach.

    Tools without required arguments and the Secret reads go over SSE; the per-pod reads (four tools times
    every pod) call the same ``ClusterSet.call`` the server runs, in-process, to keep the test fast.
    """
    texts: dict[str, str] = {}
    tools = {t.name: t for t in mcp.list_tools() if t.annotations.readOnlyHint}
    for cluster in ("dev-cluster", "prod-cluster"):
        namespaces = [n["metadata"]["name"] for n in mcp.json("list_namespaces", cluster=cluster)["items"]]
        for name, tool in tools.items():
            required = tool.inputSchema["required"]
            if not required:
                texts[f"{cluster}/{name}"] = mcp.text(name, cluster=cluster)
            elif required == ["namespace", "pod_name"]:
                for pod in mcp.json("list_pods", cluster=cluster)["items"]:
                    meta = pod["metadata"]
                    args = {"namespace": meta["namespace"], "pod_name": meta["name"], "cluster": cluster}
                    try:
                        texts[f"{cluster}/{name}/{meta['name']}"] = served.cluster.call(name, args)
                    except KubeCopilotError as exc:  # e.g. logs of a pod that never started
                        texts[f"{cluster}/{name}/{meta['name']}"] = str(exc)
        for ns in namespaces:
            for secret in mcp.json("list_secrets", namespace=ns, cluster=cluster)["items"]:
                texts[f"{cluster}/secret/{secret['metadata']['name']}"] = mcp.text(
                    "get_resource", kind="Secret", name=secret["metadata"]["name"], namespace=ns, cluster=cluster)
    return texts


def test_secret_keys_and_types_are_listed(mcp):
    secrets = {s["metadata"]["name"]: s for s in mcp.json("list_secrets", namespace="dev")["items"]}
    assert secrets["cart-db-credentials"]["type"] == "Opaque"
    assert secrets["cart-db-credentials"]["data"] == {"username": "<redacted>", "password": "<redacted>"}
    assert secrets["registry-pull-secret"]["type"] == "kubernetes.io/dockerconfigjson"


def test_no_read_tool_shows_a_secret_value(every_read, served):
    values = secret_values(served.cluster)
    assert len(values) >= 8  # the scenario does hold secrets
    assert len(every_read) > 100
    for where, text in every_read.items():
        for value in values:
            assert value not in text, f"a secret value leaked through {where}"
