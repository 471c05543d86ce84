"""The crewAI adapter: gateway-backed tools (schemas, None dropped, failures as data, no crewAI caching, redaction)
and the fail-closed write-guard hook — down to a scripted agent that tries to write and is stopped twice over."""

from __future__ import annotations

import json
import threading

import pytest
from crewai import Agent, Crew, Task
from crewai.hooks.tool_hooks import ToolCallHookContext, run_before_tool_call_hooks
from crewai.tools.tool_failure import ToolFailure, ToolFailureReason
from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations

import kubecopilot.crew  # noqa: F401 - sets crewAI's offline environment before crewAI is imported
from kubecopilot.config import MCPSettings, Settings
from kubecopilot.crew import hooks
from kubecopilot.crew.tools import GatewayTool, tools_for
from kubecopilot.testing.scripted_llm import ScriptedLLM
from kubecopilot.tools.factory import connect_gateway

from .loopback import serve

READ = ToolAnnotations(readOnlyHint=True)


class Widgets:
    """A tiny real MCP server whose state shows whether a write reached it."""

    def __init__(self) -> None:
        self.scaled: list[dict] = []
        self.list_args: list[dict] = []
        self.lock = threading.Lock()
        self.mcp = FastMCP("widgets", log_level="WARNING")
        self.mcp.tool(annotations=READ)(self.list_widgets)
        self.mcp.tool(annotations=READ)(self.broken_read)
        self.mcp.tool(annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=True))(self.scale_widget)
        self.mcp.tool()(self.mystery)

    def list_widgets(self, namespace: str | None = None, label: str | None = None) -> str:
        """List widgets; the host 10.1.2.3 is included to test redaction."""
        with self.lock:
            self.list_args.append({"namespace": namespace, "label": label})
        return json.dumps({"items": [{"name": "w1", "namespace": namespace or "default", "host": "10.1.2.3"}]})

    def broken_read(self) -> str:
        """Always fails."""
        raise RuntimeError('widgets "w9" not found')

    def scale_widget(self, namespace: str, name: str, replicas: int) -> str:
        """Scale a widget."""
        with self.lock:
            self.scaled.append({"namespace": namespace, "name": name, "replicas": replicas})
        return "scaled"

    def mystery(self) -> str:
        """Does something nobody documented."""
        return "?"


@pytest.fixture(scope="module")
def widgets():
    w = Widgets()
    with serve(w.mcp.sse_app()) as server:
        w.url = server.base + "/sse"
        yield w


@pytest.fixture
def gateway(widgets):
    gw = connect_gateway(Settings(mcp=MCPSettings(url=widgets.url)))
    yield gw
    gw.close()


@pytest.fixture(autouse=True)
def _no_guard_left_behind():
    yield
    hooks.uninstall()


def by_name(tools):
    return {t.name: t for t in tools}


def test_only_the_requested_classes_are_wrapped(gateway):
    assert set(by_name(tools_for(gateway))) == {"list_widgets", "broken_read"}
    everything = by_name(tools_for(gateway, {"list", "read", "write"}))
    assert set(everything) == {"list_widgets", "broken_read", "scale_widget", "mystery"}
    assert everything["mystery"].tool_class == "write"  # unannotated and no known verb: never trusted
    assert "refused unless a person approved" in everything["scale_widget"].description


def test_args_schema_comes_from_the_json_schema(gateway):
    tool = by_name(tools_for(gateway, {"write"}))["scale_widget"]
    fields = tool.args_schema.model_fields
    assert set(fields) == {"namespace", "name", "replicas"}
    assert fields["replicas"].is_required()
    assert tool.cache_function() is False


def test_a_read_drops_none_optionals_and_notes_cached_answers(gateway, widgets):
    tool = by_name(tools_for(gateway))["list_widgets"]
    before = len(widgets.list_args)
    first = tool.run(namespace="dev-crew", label=None)
    assert json.loads(first)["items"][0]["namespace"] == "dev-crew"
    assert widgets.list_args[before] == {"namespace": "dev-crew", "label": None}
    second = tool.run(namespace="dev-crew")
    assert second.startswith("(from cache, ")  # our cache answered; the server saw one call
    assert len(widgets.list_args) == before + 1


def test_server_errors_come_back_as_tool_failures_not_exceptions(gateway):
    result = by_name(tools_for(gateway))["broken_read"].run()
    assert isinstance(result, ToolFailure)
    assert result.reason == ToolFailureReason.MCP_ERROR
    assert 'widgets "w9" not found' in result.message and result.code == "tool_failed"


def test_a_direct_write_is_refused_by_the_gateway_as_structured_data(gateway, widgets):
    result = by_name(tools_for(gateway, {"write"}))["scale_widget"].run(namespace="dev", name="w1", replicas=3)
    assert isinstance(result, ToolFailure)
    assert result.code == "write_refused"
    assert result.details["details"] == {"tool": "scale_widget", "reason": "no_approval"}
    assert widgets.scaled == []


def test_output_and_failures_pass_through_redaction(gateway):
    def redact(text: str) -> str:
        return text.replace("10.1.2.3", "[IP]").replace("w9", "[NAME]")

    tools = by_name(tools_for(gateway, {"list", "read"}, redact=redact))
    assert "10.1.2.3" not in tools["list_widgets"].run(namespace="redact") and "[IP]" in tools["list_widgets"].run(
        namespace="redact"
    )
    failure = tools["broken_read"].run()
    assert "w9" not in failure.message and "[NAME]" in failure.message


def context_for(name: str, tool=None) -> ToolCallHookContext:
    return ToolCallHookContext(tool_name=name, tool_input={}, tool=tool)


def test_the_hook_blocks_writes_and_unknown_tools_and_lets_reads_run(gateway):
    hooks.install_write_guard(gateway.catalog)
    assert run_before_tool_call_hooks(context_for("scale_widget")) is True  # True = blocked
    assert run_before_tool_call_hooks(context_for("mystery")) is True
    assert run_before_tool_call_hooks(context_for("rm_rf_everything")) is True
    assert run_before_tool_call_hooks(context_for("list_widgets")) is False
    assert run_before_tool_call_hooks(context_for("Delegate work to coworker")) is False
    assert hooks.uninstall() is True
    assert run_before_tool_call_hooks(context_for("scale_widget")) is False


def test_the_hook_fails_closed_when_it_cannot_decide(gateway):
    class BrokenCatalog:
        def __iter__(self):
            raise RuntimeError("catalog exploded")

    hooks.install_write_guard(BrokenCatalog())  # type: ignore[arg-type]
    assert run_before_tool_call_hooks(context_for("list_widgets")) is True
    hooks.install_write_guard(gateway.catalog)  # installing again replaces the broken guard
    assert run_before_tool_call_hooks(context_for("list_widgets")) is False


def run_agent_that_scales(gateway) -> ScriptedLLM:
    llm = ScriptedLLM(
        model="scripted",
        script=[
            [{"name": "scale_widget", "arguments": {"namespace": "dev", "name": "w1", "replicas": 9}}],
            "I could not scale it.",
        ],
    )
    agent = Agent(
        role="operator",
        goal="scale widgets",
        backstory="test",
        llm=llm,
        max_iter=2,
        tools=tools_for(gateway, {"list", "read", "write"}),
        allow_delegation=False,
    )
    task = Task(description="Scale widget w1 in dev to 9.", expected_output="a sentence", agent=agent)
    Crew(agents=[agent], tasks=[task], verbose=False).kickoff()
    return llm


def test_an_agent_that_calls_a_write_tool_is_stopped_by_the_hook_and_by_the_gateway(gateway, widgets):
    hooks.install_write_guard(gateway.catalog)
    llm = run_agent_that_scales(gateway)
    told = json.dumps(llm.calls[1]["messages"])
    assert "blocked" in told.lower()
    assert widgets.scaled == []

    hooks.uninstall()  # without the hook, the gateway's gate is still there
    llm = run_agent_that_scales(gateway)
    told = json.dumps(llm.calls[1]["messages"])
    assert "needs an approved plan" in told
    assert widgets.scaled == []


def test_gateway_tool_is_a_crewai_base_tool(gateway):
    assert all(isinstance(t, GatewayTool) for t in tools_for(gateway))
