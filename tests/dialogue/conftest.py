"""A real sandbox MCP server on a free loopback port, a real gateway over SSE, and the offline conversation."""

from __future__ import annotations

import pytest

from kubecopilot.testing.apps import app_for as open_app


@pytest.fixture(scope="module")
def shared_sandbox():
    """For conversations that only read: one server per module."""
    from kubecopilot.sandbox.runner import start_sandbox

    with start_sandbox(scenario="default", port=0) as handle:
        yield handle


@pytest.fixture
def sandbox():
    """For conversations that change the cluster: a fresh server per test."""
    from kubecopilot.sandbox.runner import start_sandbox

    with start_sandbox(scenario="default", port=0) as handle:
        yield handle


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
