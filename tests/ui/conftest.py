"""A real sandbox MCP server on a loopback port, the offline app over SSE, and the REPL driven through pipes."""

from __future__ import annotations

import pytest

from kubecopilot.testing.apps import app_for

from .driver import ReplDriver


def open_app(handle, **overrides):
    app = app_for(handle, **overrides)
    app.mcp_url = handle.url
    return app


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
