"""One sandbox with scenario `breadth` (frozen clock) for the diagnosis tests; tests that change it reset it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kubecopilot.sandbox.runner import start_sandbox
from kubecopilot.sandbox.timeutil import fixed_clock
from kubecopilot.testing.apps import app_for

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def breadth():
    with start_sandbox("breadth", port=0, clock=fixed_clock(NOW)) as handle:
        yield handle


@pytest.fixture(scope="module")
def app(breadth):
    breadth.cluster.reset()
    application = app_for(breadth)
    yield application
    application.close()
