"""Shared test setup: every test runs with a throwaway HOME and no LLM keys, so nothing reaches the internet."""

from __future__ import annotations

import os

import pytest

_KEY_VARS = ("OPENROUTER_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "KUBECOPILOT_MODEL")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch, request):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KUBECOPILOT_HOME", str(home / "kubecopilot"))
    monkeypatch.delenv("KUBECOPILOT_MCP_URL", raising=False)
    if "llm" not in request.keywords:
        for var in _KEY_VARS:
            monkeypatch.delenv(var, raising=False)
    else:  # a live test: the checkout's .env counts (the test runs in a temp directory, where there is none)
        from pathlib import Path

        from dotenv import dotenv_values

        for var, value in dotenv_values(Path(__file__).resolve().parents[1] / ".env").items():
            if value and var not in os.environ:
                monkeypatch.setenv(var, value)
    monkeypatch.chdir(home)  # no stray .env from the checkout
    yield


def _live_llm_configured() -> bool:
    """A key for the configured model (from the environment or the checkout's .env), or KUBECOPILOT_LIVE_LLM."""
    from pathlib import Path

    from dotenv import dotenv_values

    from kubecopilot.config import DEFAULT_MODEL, PROVIDER_KEYS

    env = {**dotenv_values(Path(__file__).resolve().parents[1] / ".env"), **os.environ}
    provider = (env.get("KUBECOPILOT_MODEL") or DEFAULT_MODEL).split("/", 1)[0]
    key = env.get("KUBECOPILOT_LLM_API_KEY") or env.get(PROVIDER_KEYS.get(provider, ""), "")
    return bool(env.get("KUBECOPILOT_LIVE_LLM") or key)


def pytest_collection_modifyitems(config, items):
    live = _live_llm_configured()
    skip = pytest.mark.skip(reason="live LLM tests need a key for the configured model (e.g. OPENROUTER_API_KEY)")
    for item in items:
        if "llm" in item.keywords and not live:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def shared_sandbox():
    """The default sandbox over SSE on a free loopback port, one per module: for tests that only read."""
    from kubecopilot.sandbox.runner import start_sandbox

    with start_sandbox(scenario="default", port=0) as handle:
        yield handle


@pytest.fixture
def sandbox():
    """A fresh default sandbox per test: for tests that change the cluster or stop the server."""
    from kubecopilot.sandbox.runner import start_sandbox

    with start_sandbox(scenario="default", port=0) as handle:
        yield handle


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for the whole run (initdb + pg_ctl on a temp dir, a free loopback port)."""
    from kubecopilot.testing.postgres import PostgresUnavailable, start_postgres

    try:
        server = start_postgres()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):  # .ci/run installs the server: a missing one there is a failure, not a skip
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request, tmp_path) -> str:
    """A fresh, empty ledger URL on each backend: a SQLite file, and a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite'}"
    return str(request.getfixturevalue("postgres_server").create_database())
