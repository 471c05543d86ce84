"""--kubeconfig: the first supported server installed is started over stdio, read-only unless writes are allowed;
another context is chosen through a private copy of the kubeconfig; with none installed, the error says what to
install. (tests/realservers/test_launch.py starts the real ones.)"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from kubecopilot.errors import ConfigError
from kubecopilot.tools.launch import launch_target

CONFIG = {"apiVersion": "v1", "kind": "Config", "current-context": "dev-cluster",
          "contexts": [{"name": "dev-cluster", "context": {"cluster": "dev", "user": "u"}},
                       {"name": "prod-cluster", "context": {"cluster": "prod", "user": "u"}}],
          "clusters": [{"name": "dev", "cluster": {"server": "http://127.0.0.1:1"}},
                       {"name": "prod", "cluster": {"server": "http://127.0.0.1:2"}}],
          "users": [{"name": "u", "user": {"token": "s3cret"}}]}


@pytest.fixture
def kubeconfig(tmp_path) -> Path:
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(CONFIG))
    return path


def installed(*names: str):
    return lambda name: f"/opt/bin/{name}" if name in names else None


def test_the_containers_server_runs_read_only_unless_writes_are_allowed(kubeconfig):
    target = launch_target(kubeconfig, which=installed("kubernetes-mcp-server", "mcp-server-kubernetes"))
    assert target.transport == "stdio"
    assert target.command == ("/opt/bin/kubernetes-mcp-server", "--kubeconfig", str(kubeconfig), "--read-only")
    writable = launch_target(kubeconfig, allow_writes=True, which=installed("kubernetes-mcp-server"))
    assert "--read-only" not in writable.command


def test_flux159s_server_gets_the_kubeconfig_and_its_read_only_switch_and_needs_kubectl(kubeconfig):
    target = launch_target(kubeconfig, which=installed("mcp-server-kubernetes", "kubectl"))
    assert target.command == ("/opt/bin/mcp-server-kubernetes",)
    assert target.env == {"KUBECONFIG": str(kubeconfig), "ALLOW_ONLY_READONLY_TOOLS": "true"}
    with pytest.raises(ConfigError, match="needs kubectl on PATH"):
        launch_target(kubeconfig, which=installed("mcp-server-kubernetes"))


def test_another_context_is_chosen_through_a_private_copy(kubeconfig, tmp_path):
    target = launch_target(kubeconfig, "prod-cluster", which=installed("kubernetes-mcp-server"), scratch=tmp_path)
    copy = Path(target.command[2])
    assert copy != kubeconfig and yaml.safe_load(copy.read_text())["current-context"] == "prod-cluster"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert launch_target(kubeconfig, "dev-cluster", which=installed("kubernetes-mcp-server")).command[2] == str(kubeconfig)
    with pytest.raises(ConfigError, match="no context 'staging'") as err:
        launch_target(kubeconfig, "staging", which=installed("kubernetes-mcp-server"))
    assert "dev-cluster, prod-cluster" in str(err.value.hint)


def test_with_no_server_installed_it_says_exactly_what_to_install(kubeconfig):
    with pytest.raises(ConfigError, match="no supported Kubernetes MCP server") as err:
        launch_target(kubeconfig, which=installed())
    assert "npm install -g kubernetes-mcp-server@0.0.67" in str(err.value.hint)


@pytest.mark.parametrize("content", ["", "not: [yaml", "contexts: []"])
def test_a_kubeconfig_that_is_missing_or_not_one_is_a_config_error(tmp_path, content):
    path = tmp_path / "config"
    if content:
        path.write_text(content)
    with pytest.raises(ConfigError, match="kubeconfig"):
        launch_target(path, which=installed("kubernetes-mcp-server"))
