"""A real sandbox MCP server on a loopback port, the offline app over SSE, and the REPL driven through pipes."""

from __future__ import annotations

import pytest

from kubecopilot.app import App
from kubecopilot.config import load_settings
from kubecopilot.tools.factory import connect_gateway
from .driver import ReplDriver


def open_app(handle, **overrides):
    settings = load_settings({"offline": True, **overrides})
    gateway = connect_gateway(settings, url=handle.url)
    app = App.assemble(settings, gateway)
    app.mcp_url = handle.url
    return app


@pytest.fixture(scope="module")
def shared_sandbox():
    """For sessions that only read: one server per module."""
    from kubecopilot.sandbox.runner import start_sandbox

    with start_sandbox(scenario="default", port=0) as handle:
        yield handle


@pytest.fixture
def sandbox():
    """For sessions that change the cluster or stop the server: a fresh one per test."""
    from kubecopilot.sandbox.runner import start_sandbox

    with start_sandbox(scenario="default", port=0) as handle:
        yield handle


def _driven(handle):
    app = open_app(handle)
    driver = ReplDriver(app)
    driver.banner = driver.start()
    return app, driver


@pytest.fixture
def repl(shared_sandbox):
    app, driver = _driven(shared_sandbox)
    yield driver
    driver.close()
    app.close()


@pytest.fixture
def repl_rw(sandbox):
    app, driver = _driven(sandbox)
    driver.sandbox = sandbox
    yield driver
    driver.close()
    app.close()
