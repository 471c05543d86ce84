"""A real sandbox MCP server on a free loopback port, a real gateway over SSE, and the offline conversation."""

from __future__ import annotations

import pytest

from kubecopilot.testing.apps import app_for as open_app


@pytest.fixture
def talk(shared_sandbox):
    app = open_app(shared_sandbox)
    yield app.conversation
    app.close()


@pytest.fixture
def app(sandbox):
    app = open_app(sandbox)
    yield app
    app.close()
