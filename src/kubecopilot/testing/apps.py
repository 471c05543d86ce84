"""An ``App`` wired to a sandbox the caller runs in-process (tests, evals, benchmarks)."""

from __future__ import annotations

from typing import Any

from kubecopilot.app import App
from kubecopilot.config import load_settings
from kubecopilot.tools.factory import connect_gateway


def app_for(handle: Any, *, brain: Any = None, **overrides: Any) -> App:
    """Settings from the environment plus ``overrides`` (dotted paths); offline unless a brain is handed in."""
    settings = load_settings({"offline": brain is None, **overrides})
    gateway = connect_gateway(settings, url=handle.url)
    return App.assemble(settings, gateway, brain=brain)
