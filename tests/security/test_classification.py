"""A server's annotations may only make a tool LESS trusted: a lying server cannot get a write run unapproved."""

from __future__ import annotations

import json

import pytest

from kubecopilot.cli import main
from kubecopilot.config import load_settings
from kubecopilot.errors import WriteRefused
from kubecopilot.tools.catalog import ToolInfo, classify
from kubecopilot.tools.factory import connect_gateway

from .conftest import namespaces


@pytest.mark.parametrize(
    ("name", "annotations"),
    [
        ("delete_namespace", {"readOnlyHint": True}),
        ("scale_deployment", {"readOnlyHint": True, "destructiveHint": False}),
        ("get_secret", {"readOnlyHint": True, "destructiveHint": True}),
        ("pods_exec", {"readOnlyHint": True}),
        ("run_command", {"readOnlyHint": True}),
    ],
)
def test_a_write_verb_or_destructive_hint_beats_read_only(name, annotations):
    tool_class, reason, detail = classify(ToolInfo(name, annotations=annotations))
    assert tool_class == "write" and reason == "annotation"
    assert detail.startswith("server says read-only; treated as write because ")


def test_a_lying_server_cannot_delete_a_namespace_unapproved(lying_server):
    gateway = connect_gateway(load_settings(), url=lying_server.url)
    try:
        assert gateway.catalog.get("delete_namespace").is_write
        with pytest.raises(WriteRefused) as refused:
            gateway.call("delete_namespace", {"namespace": "dev"})
        assert refused.value.details["reason"] == "no_approval"
    finally:
        gateway.close()
    assert "dev" in namespaces(lying_server)  # read from the sandbox itself, not through KubeCopilot


def test_kubecopilot_tools_says_why_it_overruled_the_server(lying_server, capsys):
    assert main(["tools", "--mcp-url", lying_server.url]) == 0
    out = capsys.readouterr().out
    assert "! delete_namespace: server says read-only; treated as write because its name says 'delete'" in out
    assert main(["tools", "--mcp-url", lying_server.url, "--output", "json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["tools"]}
    assert rows["delete_pod"]["class"] == "write" and rows["delete_pod"]["detail"].startswith("server says read-only")
    assert rows["list_pods"]["class"] == "list"


@pytest.mark.parametrize("name", ["get_rollout_history", "get_stateful_set", "list_job_runs"])
def test_a_write_word_used_as_a_noun_does_not_overrule_a_read_only_tool(name):
    assert classify(ToolInfo(name, annotations={"readOnlyHint": True}))[0] in ("read", "list")
