"""A model call the turn's deadline abandoned sends no further request: neither our retry loop nor crewAI's own
loops (guardrail retries, tool iterations) start one once the deadline has passed.

The deadline runs on a fake clock that the "model" advances while it answers, so the first request is the one that
passes it; every request the stub records after that one is a request sent after the deadline. The abandoned worker
thread is joined before counting (it ends by itself), so nothing here waits on wall-clock time.
"""

from __future__ import annotations

import threading

import pytest

from kubecopilot.crew.brain import CrewBrain
from kubecopilot.crew.hooks import uninstall
from kubecopilot.crew.llm import call_with_retries
from kubecopilot.dialogue.deadline import Deadline, call_within
from kubecopilot.dialogue.turns import Answer, DiagnosisBlock
from kubecopilot.errors import LLMTooSlow
from kubecopilot.testing.apps import app_for
from kubecopilot.testing.clock import FakeClock
from kubecopilot.testing.openai_stub import OpenAIStub, RecordedRequest, http_error


@pytest.fixture(autouse=True)
def _no_global_hooks():
    yield
    uninstall()


def join_abandoned_calls() -> None:
    """Wait until every model call the deadline abandoned has ended on its own (they are bounded: a failing call
    that may not retry ends at once; a retrying one ends after its attempts)."""
    for thread in threading.enumerate():
        if thread.name.startswith("kubecopilot-model:"):
            thread.join(timeout=60)
            assert not thread.is_alive(), f"{thread.name} still running"


def stub_app(handle, stub, clock, **overrides):
    from crewai import LLM

    llm = LLM(model="openai/stub-model", base_url=stub.base_url, api_key="sk-test-not-real", max_retries=0)
    app = app_for(handle, **{"offline": True, **overrides})
    app.brain = app.conversation.brain = CrewBrain(app.settings, app.gateway, app.sanitizer, llm=llm,
                                                   sleep=lambda s: None)
    app.conversation.timer = clock
    return app


def rules_diagnosis(turn) -> object:
    assert isinstance(turn, Answer), turn
    return next(b for b in turn.blocks if isinstance(b, DiagnosisBlock)).diagnosis


def test_the_retry_loop_starts_no_attempt_after_the_deadline():
    clock = FakeClock()
    deadline = Deadline(45, clock)
    attempts: list[float] = []

    def fails_and_takes_a_minute() -> str:
        attempts.append(clock())
        clock.advance(60)
        raise TimeoutError("the model did not answer")  # transient: the loop would retry it

    with pytest.raises(LLMTooSlow):
        call_within(lambda: call_with_retries(fails_and_takes_a_minute, attempts=4, sleep=lambda s: None),
                    deadline, "asking the diagnostician")
    join_abandoned_calls()
    assert len(attempts) == 1, "a retry was sent after the turn's deadline"


def test_no_retry_sleeps_past_the_deadline():
    """A back-off that would end after the deadline is not slept: the loop stops instead of waking up too late."""
    clock = FakeClock()
    deadline = Deadline(45, clock)
    slept: list[float] = []

    def fails_after_44_s() -> str:
        clock.advance(44.9)  # 0.1 s left: less than the first back-off (0.5 s)
        raise TimeoutError("the model did not answer")

    with pytest.raises(LLMTooSlow):
        call_within(lambda: call_with_retries(fails_after_44_s, attempts=4, sleep=slept.append), deadline, "step")
    join_abandoned_calls()
    assert slept == []


def test_retries_within_the_deadline_still_happen():
    clock = FakeClock()
    attempts: list[float] = []

    def fails_twice_quickly() -> str:
        attempts.append(clock())
        clock.advance(1)
        if len(attempts) < 3:
            raise TimeoutError("the model did not answer")
        return "answer"

    assert call_within(lambda: call_with_retries(fails_twice_quickly, attempts=4, sleep=lambda s: None),
                       Deadline(45, clock), "step") == "answer"
    assert len(attempts) == 3


@pytest.mark.parametrize("reply", [http_error(503, "overloaded"), "sure! here is the diagnosis"],
                         ids=["server-keeps-failing", "output-never-validates"])
def test_no_request_is_sent_after_the_deadline(shared_sandbox, reply):
    """A 503 would be retried by our loop; output that does not validate makes crewAI ask again (up to 3 times)
    inside one call. Neither happens past the deadline, and the turn says "too slow", not "a reply I could not use"."""
    clock = FakeClock()

    def answers_after_a_minute(request: RecordedRequest) -> str | dict:
        clock.advance(60)  # the first request passes the 45 s deadline: every later one would be sent after it
        return reply

    with OpenAIStub(policy=answers_after_a_minute) as stub:
        app = stub_app(shared_sandbox, stub, clock)
        try:
            turn = app.conversation.handle("why is report-worker crashing?")
            join_abandoned_calls()
        finally:
            app.close()
    assert rules_diagnosis(turn).source == "rules"
    assert any("too slow" in n for n in turn.notices), turn.notices
    assert len(stub.requests) == 1
