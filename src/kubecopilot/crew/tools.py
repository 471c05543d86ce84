"""Each catalog tool as a crewAI ``BaseTool`` that calls ``ToolGateway.call`` — never the MCP session directly.

So an agent that calls a write tool is refused by the gateway's gate (and, first, by the before-tool-call hook in
``crew.hooks``). A tool never raises into crewAI: server errors (``isError``) and our typed errors come back as a
``ToolFailure`` whose text the agent can read and act on. Our own cache decides what is cached, so crewAI's tool
cache is switched off. Output passes through ``redact`` (the sanitizer) before an LLM sees it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from crewai.tools import BaseTool
from crewai.tools.tool_failure import ToolFailure, ToolFailureReason
from crewai.utilities.pydantic_schema_utils import create_model_from_schema
from pydantic import BaseModel, ConfigDict, PrivateAttr

from kubecopilot.errors import KubeCopilotError, MCPDisconnected, MCPTimeout, ToolFailed
from kubecopilot.tools.catalog import ToolSpec
from kubecopilot.tools.gateway import ToolGateway

Redact = Callable[[str], str]


def _never_cache(*_args: Any, **_kwargs: Any) -> bool:
    return False


def _identity(text: str) -> str:
    return text


class GatewayTool(BaseTool):
    """One MCP tool, seen by an agent, called through the gateway."""

    mcp_name: str
    tool_class: str
    _gateway: ToolGateway = PrivateAttr()
    _redact: Redact = PrivateAttr()

    @classmethod
    def from_spec(cls, gateway: ToolGateway, spec: ToolSpec, redact: Redact = _identity) -> GatewayTool:
        tool = cls(
            name=spec.name,
            description=_description(spec),
            args_schema=_args_model(spec),
            mcp_name=spec.name,
            tool_class=spec.tool_class,
            cache_function=_never_cache,
        )
        tool._gateway = gateway
        tool._redact = redact
        return tool

    def _run(self, **kwargs: Any) -> str | ToolFailure:
        args = {k: v for k, v in kwargs.items() if v is not None}  # crewAI passes every optional field, as None
        try:
            result = self._gateway.call(self.mcp_name, args)
        except ToolFailed as exc:
            return self._failure(exc, ToolFailureReason.MCP_ERROR)
        except KubeCopilotError as exc:
            return self._failure(exc, ToolFailureReason.TOOL_REPORTED)
        except Exception as exc:  # noqa: BLE001 - a tool must never raise into the agent loop
            return ToolFailure(message=self._redact(f"{self.mcp_name} failed: {exc}"), code=type(exc).__name__)
        note = f"(from cache, {result.age_s:.0f} s old)\n" if result.from_cache and result.age_s is not None else ""
        return self._redact(note + result.text)

    def _failure(self, exc: KubeCopilotError, reason: ToolFailureReason) -> ToolFailure:
        text = exc.message + (f" — {exc.hint}" if exc.hint else "")
        return ToolFailure(
            message=self._redact(text),
            reason=reason,
            code=exc.code,
            retryable=isinstance(exc, MCPTimeout | MCPDisconnected),
            details=json.loads(self._redact(json.dumps(exc.to_dict(), default=str))),
        )


def tools_for(
    gateway: ToolGateway, classes: Iterable[str] = ("read", "list"), *, redact: Redact = _identity
) -> list[BaseTool]:
    """The catalog's tools of these classes as crewAI tools."""
    wanted = set(classes)
    return [GatewayTool.from_spec(gateway, spec, redact) for spec in gateway.catalog if spec.tool_class in wanted]


def tools_serving(gateway: ToolGateway, capabilities: Iterable[str], *, redact: Redact = _identity) -> list[BaseTool]:
    """The read tools that serve these capabilities (agents.yaml says which agent uses which); never a write."""
    wanted = set(capabilities)
    return [GatewayTool.from_spec(gateway, spec, redact) for spec in gateway.catalog
            if not spec.is_write and wanted.intersection(spec.capabilities)]


def _description(spec: ToolSpec) -> str:
    text = spec.description.strip() or f"MCP tool {spec.name}."
    if spec.is_write:
        text += " (Changes the cluster: refused unless a person approved a plan for exactly this change.)"
    return text


def _args_model(spec: ToolSpec) -> type[BaseModel]:
    schema = dict(spec.input_schema) or {"type": "object", "properties": {}}
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    model_name = (
        "".join(part.capitalize() for part in spec.name.replace("-", "_").replace(".", "_").split("_")) + "Args"
    )
    try:
        return create_model_from_schema(schema, model_name=model_name, enrich_descriptions=True)
    except Exception:  # noqa: BLE001 - an exotic schema must not hide the tool: accept any arguments instead
        return type(model_name, (BaseModel,), {"model_config": ConfigDict(extra="allow"), "__annotations__": {}})
