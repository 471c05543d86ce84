"""Two crewAI hooks.

- A before-tool-call hook that blocks write and unknown tools: the second line of defence behind the gateway's gate.
  crewAI hooks fail *open* (a hook that raises is swallowed and the tool runs), so this one catches everything and
  answers ``False`` (block) whenever it cannot prove the call is a read. Hooks are process-global: installing again
  replaces the previous guard; ``uninstall`` removes it (tests).
- A before-LLM-call hook that blocks every request of a model call the turn's deadline abandoned
  (``dialogue.deadline.current_call``): crewAI loops inside one call (guardrail retries, tool iterations) and would
  otherwise go on asking the model after the turn has ended. Outside a turn it lets everything through.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from crewai.hooks import (
    get_before_llm_call_hooks,
    register_before_llm_call_hook,
    register_before_tool_call_hook,
    unregister_before_tool_call_hook,
)
from crewai.utilities.string_utils import sanitize_tool_name

from kubecopilot.dialogue.deadline import current_call
from kubecopilot.tools.catalog import Catalog

log = logging.getLogger(__name__)

# crewAI's own delegation tools touch no cluster; everything else must be a catalog read.
DEFAULT_ALLOWED = ("Delegate work to coworker", "Ask question to coworker")

_installed: Callable[[Any], bool | None] | None = None
_lock = threading.Lock()


def make_write_guard(catalog: Catalog, allow: Iterable[str] = DEFAULT_ALLOWED) -> Callable[[Any], bool | None]:
    """The hook function: ``None`` lets a read/list tool run, ``False`` blocks everything else."""
    allowed = {sanitize_tool_name(name) for name in allow}

    def guard(context: Any) -> bool | None:
        try:
            spec_name = _mcp_name(context)
            specs = {sanitize_tool_name(s.name): s for s in catalog}
            spec = specs.get(sanitize_tool_name(spec_name))
            if spec is None:
                if sanitize_tool_name(spec_name) in allowed:
                    return None
                log.warning("blocked unknown tool %s", spec_name)
                return False
            if spec.tool_class in ("read", "list"):
                return None
            log.warning("blocked write tool %s: writes go through approved plans", spec.name)
            return False
        except BaseException:  # noqa: BLE001 - fail closed: a guard that cannot decide blocks
            log.exception("write guard failed; blocking the tool call")
            return False

    return guard


def install_write_guard(catalog: Catalog, allow: Iterable[str] = DEFAULT_ALLOWED) -> Callable[[Any], bool | None]:
    """Register the guard globally (replacing one installed earlier) and return it."""
    global _installed
    guard = make_write_guard(catalog, allow)
    with _lock:
        if _installed is not None:
            unregister_before_tool_call_hook(_installed)
        register_before_tool_call_hook(guard)
        _installed = guard
    return guard


def uninstall() -> bool:
    """Remove the installed guard; True when there was one."""
    global _installed
    with _lock:
        if _installed is None:
            return False
        removed = unregister_before_tool_call_hook(_installed)
        _installed = None
        return bool(removed)


def no_request_after_the_deadline(context: Any) -> bool | None:
    """``False`` (block) once nobody waits for this model call; ``None`` (go on) otherwise."""
    watch = current_call()
    return False if watch is not None and watch.abandoned else None


def install_deadline_stop() -> None:
    """Register ``no_request_after_the_deadline`` once per process (it is a no-op outside a turn's model call)."""
    with _lock:
        if no_request_after_the_deadline not in get_before_llm_call_hooks():
            register_before_llm_call_hook(no_request_after_the_deadline)


def _mcp_name(context: Any) -> str:
    # Prefer the MCP name our GatewayTool carries: the hook's tool_name is crewAI's sanitized version of it.
    original = getattr(getattr(context, "tool", None), "_original_tool", None)
    name = getattr(original, "mcp_name", None) or getattr(context, "tool_name", None)
    if not isinstance(name, str) or not name:
        raise ValueError("tool call without a tool name")
    return name
