"""``--kubeconfig``: KubeCopilot starts the real public server itself, over stdio, for the sandbox's kubeconfig —
read-only unless writes are allowed — and reads the cluster through it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubecopilot.tools.client import MCPClient
from kubecopilot.tools.launch import launch_target

from .conftest import kubectl_path
from .npm import PACKAGES, ensure

WRITE_TOOLS = {"resources_create_or_update", "resources_delete", "resources_scale", "pods_delete", "kubectl_scale",
               "kubectl_patch", "kubectl_apply", "kubectl_delete"}


def installed_from_the_cache(package: str):
    """``which`` as if the npm package were installed globally: its .bin folder (and the venv's kubectl)."""
    bin_dir = ensure(PACKAGES[package]).parents[0]
    while bin_dir.name != "node_modules":
        bin_dir = bin_dir.parent
    bin_dir = bin_dir / ".bin"

    def which(name: str) -> str | None:
        if name == "kubectl":
            return kubectl_path()
        found = bin_dir / name
        return str(found) if found.exists() else None

    return which


@pytest.mark.parametrize("package", ["kms-0.0.67", "flux159-4.1.7"])
@pytest.mark.parametrize("allow_writes", [False, True], ids=["read-only", "writes"])
def test_a_kubeconfig_is_all_it_takes(npm_ready, served, kubeconfig, kube_env, monkeypatch, package, allow_writes):
    for key in ("HOME", "KUBECACHEDIR", "TMPDIR", "PATH"):
        monkeypatch.setenv(key, kube_env[key])
    target = launch_target(Path(kubeconfig), "dev-cluster", allow_writes=allow_writes,
                           which=installed_from_the_cache(package))
    client = MCPClient(target, connect_timeout=60, call_timeout=60)
    try:
        client.connect()
        tools = {t.name for t in client.list_tools()}
        assert bool(tools & WRITE_TOOLS) is allow_writes, sorted(tools)
        lister = "pods_list_in_namespace" if "pods_list_in_namespace" in tools else "kubectl_get"
        args = {"namespace": "dev"} if lister == "pods_list_in_namespace" else {"resourceType": "pods", "namespace": "dev"}
        text = client.call_tool(lister, args).text
    finally:
        client.close()
    pods = {p["metadata"]["name"] for p in served.cluster.cluster().store.list("Pod", "dev")}
    assert sum(name in text for name in pods) == len(pods), text[:500]


def test_kubecopilot_with_a_kubeconfig_answers_from_the_cluster_in_one_command(npm_ready, served, kubeconfig, kube_env):
    which = installed_from_the_cache("kms-0.0.67")
    bin_dir = str(Path(str(which("kubernetes-mcp-server"))).parent)
    env = {**os.environ, **kube_env, "PATH": os.pathsep.join([bin_dir, kube_env["PATH"]]), "KUBECOPILOT_HOME": kube_env["HOME"]}
    env.pop("KUBECOPILOT_MCP_URL", None)
    done = subprocess.run([sys.executable, "-m", "kubecopilot", "--kubeconfig", str(kubeconfig), "--offline",
                           "ask", "list pods in namespace dev", "--output", "json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    pods = {p["metadata"]["name"] for p in served.cluster.cluster().store.list("Pod", "dev")}
    assert all(name in done.stdout for name in pods), done.stdout[:1000]


def test_with_no_server_installed_the_command_says_what_to_install(kubeconfig, tmp_path):
    env = {**os.environ, "PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path), "KUBECOPILOT_HOME": str(tmp_path)}
    env.pop("KUBECOPILOT_MCP_URL", None)
    done = subprocess.run([sys.executable, "-m", "kubecopilot", "--kubeconfig", str(kubeconfig), "--offline",
                           "ask", "list pods in namespace dev"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 78, done.stderr
    assert "npm install -g kubernetes-mcp-server" in done.stderr
