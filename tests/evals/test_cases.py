"""The scenario evaluation suite: every case in ``cases/`` against the sandbox, scored by its checks.

Offline each case runs with the rule engine and with a scripted LLM; ``-m llm`` runs the same cases against the
configured model (OPENROUTER_API_KEY, or KUBECOPILOT_MODEL and its key) and prints a summary.
"""

from __future__ import annotations

import logging
import sys

import pytest

from .casefile import Case, load_cases
from .conftest import LIVE_RESULTS
from .runner import run_case

CASES = load_cases()


def _params(modes: tuple[str, ...], *marks: pytest.MarkDecorator) -> list[object]:
    params = []
    for case in CASES:
        for mode in modes:
            if mode in case.modes:
                reason = case.xfail.get(mode)
                xfail = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
                params.append(pytest.param(case, mode, id=f"{case.name}-{mode}", marks=[*marks, *xfail]))
    return params


@pytest.fixture(autouse=True)
def _quiet_crewai():
    # crewAI warns on every call of a model without a tokenizer (our scripted one); it says nothing about the case.
    logger = logging.getLogger("crewai.llms.base_llm")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture(autouse=True)
def _no_global_hooks():
    yield
    if "kubecopilot.crew.hooks" in sys.modules:  # only if a scripted/live run loaded crewAI
        from kubecopilot.crew.hooks import uninstall

        uninstall()


@pytest.mark.parametrize("case, mode", _params(("rules", "scripted")))
def test_case_offline(case: Case, mode: str, sandboxes) -> None:
    handle = sandboxes.get(case.scenario)
    try:
        result = run_case(case, handle, mode)
    finally:
        sandboxes.after(case.scenario, case.mutates)
    assert result.passed, result.report()


@pytest.mark.parametrize("case, mode", _params(("live",), pytest.mark.llm))
def test_case_live(case: Case, mode: str, sandboxes) -> None:
    handle = sandboxes.get(case.scenario)
    try:
        result = run_case(case, handle, mode)
    finally:
        sandboxes.after(case.scenario, case.mutates)
    LIVE_RESULTS.append(result)
    assert result.passed, result.report()


@pytest.fixture(scope="session")
def local_model():
    from kubecopilot.testing.local_llm import find_local_model

    found = find_local_model()
    if found is None:
        pytest.skip("no local model server on 127.0.0.1:8080 (start one with benchmarks/local_llm.sh)")
    return found


@pytest.mark.parametrize("case, mode", _params(("live",), pytest.mark.live_local))
def test_case_live_local(case: Case, mode: str, sandboxes, local_model) -> None:
    """The live cases against the local llama.cpp server: ``uv run pytest tests/evals -m live_local``."""
    handle = sandboxes.get(case.scenario)
    try:
        result = run_case(case, handle, mode, local=local_model)
    finally:
        sandboxes.after(case.scenario, case.mutates)
    result.model = local_model.model
    LIVE_RESULTS.append(result)
    assert result.passed, result.report()


def test_the_suite_covers_what_the_issue_asks_for() -> None:
    """At least 25 cases, and every item of issue 7's list has a case that says it covers it."""
    required = {
        "alex-en", "alex-zh", "k8s-status", "quick-1", "quick-2", "quick-3", "quick-4", "quick-5", "quick-6",
        "context", "ambiguous-answer", "wrong-answer", "diagnose-crashloop", "diagnose-oom", "diagnose-imagepull",
        "diagnose-pending", "diagnose-probe", "diagnose-node", "fix-crashloop", "fix-oom", "fix-imagepull",
        "fix-pending", "fix-probe", "rejected-plan", "drifted-plan", "prompt-injection", "refresh-cache",
        "stale-cache", "mcp-down", "llm-garbage",
    }
    covered = {tag for case in CASES for tag in case.covers}
    assert len(CASES) >= 25
    assert required <= covered, f"not covered: {sorted(required - covered)}"
