"""A turn's time budget for the model: every model call of one turn shares it, and none may outlive it.

A real model can be slow (a small local model on two CPU cores takes minutes for a long prompt). The person must
never wait in silence: each model call runs in a worker thread while the caller waits at most what is left of the
turn's budget; past it the call is abandoned (its late answer is dropped) and ``LLMTooSlow`` tells the flow to
answer with what the rules and analyzers know. The budget is measured by an injectable clock so tests can spend it
without sleeping.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from kubecopilot.errors import LLMTooSlow

T = TypeVar("T")
Clock = Callable[[], float]
POLL_S = 0.1  # how often a waiting turn looks at its clock


@dataclass
class Deadline:
    """``seconds`` from when the turn started, by ``clock`` (monotonic seconds)."""

    seconds: float
    clock: Clock = time.monotonic
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    @property
    def remaining(self) -> float:
        return max(0.0, self.seconds - self.elapsed)

    @property
    def expired(self) -> bool:
        return self.remaining <= 0.0

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Time spent inside does not count (loading crewAI on the first model call is not the model being slow)."""
        began = self.clock()
        try:
            yield
        finally:
            self.started += self.clock() - began

    def too_slow(self, step: str) -> LLMTooSlow:
        return LLMTooSlow(f"the model gave no answer within {self.seconds:g} s ({step})",
                          hint="raise KUBECOPILOT_TURN_DEADLINE, or use a faster model")


def call_within(fn: Callable[[], T], deadline: Deadline, step: str) -> T:
    """``fn()`` if it returns before the deadline; else ``LLMTooSlow``. ``fn``'s own errors are raised as they are.

    The worker is a daemon thread: Python cannot stop it, so an abandoned call runs on (bounded by the LLM
    request timeout) and its result is thrown away. The wait re-reads the deadline's clock every fraction of a
    second (so a test's fake clock ends it) and a Ctrl-C in the waiting thread interrupts it.
    """
    if deadline.expired:
        raise deadline.too_slow(step)
    outcome: list[T] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def work() -> None:
        try:
            outcome.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread, which raises it
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=work, name=f"kubecopilot-model: {step}", daemon=True).start()
    while not done.wait(min(POLL_S, deadline.remaining)):
        if deadline.expired:
            raise deadline.too_slow(step)
    if failure:
        raise failure[0]
    return outcome[0]
