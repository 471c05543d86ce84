"""``kubecopilot tools``: the catalog as a table or JSON; the sandbox when nothing is configured; exit 69 when the
server is down."""

from __future__ import annotations

import json
import time

import pytest

from kubecopilot.cli import main
from kubecopilot.sandbox.runner import start_sandbox

from .loopback import free_port


@pytest.fixture(scope="module")
def sandbox():
    handle = start_sandbox(transport="streamable-http")
    yield handle
    handle.stop()


def test_json_output_lists_every_tool_with_class_reason_capability_and_ttl(sandbox, capsys):
    assert main(["--mcp-url", sandbox.url, "tools", "--output", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["profile"] == "sandbox" and data["server"] == sandbox.url
    rows = {r["name"]: r for r in data["tools"]}
    assert len(rows) == len(list(sandbox.cluster.tools))
    assert rows["list_pods"] == {
        "name": "list_pods",
        "class": "list",
        "why": "annotation",
        "detail": "readOnlyHint=true",
        "capability": "list_pods",
        "cache": "pods 30s",
    }
    assert rows["get_pod_logs"]["cache"] == "never"
    assert rows["delete_pod"]["class"] == "write" and rows["delete_pod"]["capability"] == "delete_pod"


def test_text_output_is_a_table_with_a_summary(sandbox, capsys):
    assert main(["--mcp-url", sandbox.url, "tools"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"{len(list(sandbox.cluster.tools))} tools at {sandbox.url} (profile: sandbox)")
    assert lines[2].split() == ["NAME", "CLASS", "WHY", "CAPABILITY", "CACHE"]
    assert any(line.split()[:2] == ["list_namespaces", "list"] for line in lines)
    assert "unknown tools count as writes" in lines[-1]


def test_with_no_server_configured_it_starts_the_sandbox_and_says_so(capsys):
    assert main(["tools", "--output", "json"]) == 0
    captured = capsys.readouterr()
    assert "started the built-in sandbox" in captured.err
    assert json.loads(captured.out)["profile"] == "sandbox"


def test_server_down_is_exit_69_with_the_url_fast(capsys):
    url = f"http://127.0.0.1:{free_port()}/sse"
    started = time.monotonic()
    assert main(["--mcp-url", url, "tools"]) == 69
    assert time.monotonic() - started < 10  # the default connect timeout; a refused connection is immediate
    err = capsys.readouterr().err
    assert f"error: cannot reach the MCP server at {url}" in err and "hint:" in err
