"""A turn's deadline: one budget for all its model calls, measured by an injected clock (no test sleeps)."""

from __future__ import annotations

import threading

import pytest

from kubecopilot.dialogue.deadline import Deadline, call_within
from kubecopilot.errors import LLMTooSlow, LLMUnavailable
from kubecopilot.testing.clock import FakeClock


def test_the_budget_is_shared_by_every_call_of_the_turn():
    clock = FakeClock()
    deadline = Deadline(45, clock)
    clock.advance(30)  # the coordinator took 30 s
    assert deadline.remaining == 15 and not deadline.expired
    clock.advance(15)
    assert deadline.expired and deadline.remaining == 0


def test_a_call_that_returns_in_time_gives_its_value_and_its_errors_unchanged():
    assert call_within(lambda: 42, Deadline(45, FakeClock()), "asking the diagnostician") == 42

    def broken() -> int:
        raise ValueError("bad reply")

    with pytest.raises(ValueError, match="bad reply"):
        call_within(broken, Deadline(45, FakeClock()), "asking the diagnostician")


def test_no_call_is_made_once_the_budget_is_spent():
    clock = FakeClock()
    deadline = Deadline(45, clock)
    clock.advance(46)
    called = []
    with pytest.raises(LLMTooSlow) as raised:
        call_within(lambda: called.append(1), deadline, "asking the planner")
    assert called == []
    assert "45 s" in raised.value.message and "asking the planner" in raised.value.message
    assert isinstance(raised.value, LLMUnavailable)  # every fallback path for a model that is away takes it


def test_a_call_still_running_at_the_deadline_is_abandoned():
    clock = FakeClock()
    deadline = Deadline(45, clock)
    started, release = threading.Event(), threading.Event()

    def slow_model() -> str:
        started.set()
        clock.advance(60)  # the model "thinks" for a minute
        release.wait(30)
        return "too late"

    with pytest.raises(LLMTooSlow):
        call_within(slow_model, deadline, "asking the diagnostician")
    assert started.is_set()
    release.set()  # the abandoned worker ends; its answer is dropped


def test_time_spent_loading_does_not_count():
    clock = FakeClock()
    deadline = Deadline(45, clock)
    with deadline.paused():
        clock.advance(30)  # importing crewAI on a busy machine
    assert deadline.remaining == 45
    clock.advance(10)
    assert deadline.remaining == 35
