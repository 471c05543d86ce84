"""A turn's time budget for the model: every model call of one turn shares it, and none may outlive it.

A real model can be slow (a small local model on two CPU cores takes minutes for a long prompt). The person must
never wait in silence: each model call runs in a worker thread while the caller waits at most what is left of the
turn's budget; past it the call is abandoned (its late answer is dropped) and ``LLMTooSlow`` tells the flow to
answer with what the rules and analyzers know. The budget is measured by an injectable clock so tests can spend it
without sleeping.

An abandoned call cannot be killed, but it must not cost more: the call's ``Watch`` (``current_call()`` inside the
worker) says when nobody waits for it any more — the deadline passed, or the turn stopped waiting (Ctrl-C) — and the
model layer (``kubecopilot.crew``) sends no new request from then on. A request already in flight may still be
answered while the process exits; the model library then prints its complaints (crewAI: "Attempted to emit event
during shutdown") into a terminal whose session has ended, so at exit, while such a call still runs, this module
points stdout and stderr at /dev/null — everything the person should read has been printed by then.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import os
import sys
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


class Watch:
    """One model call as the waiting turn sees it: still wanted until its deadline passes or the turn leaves."""

    def __init__(self, deadline: Deadline, step: str) -> None:
        self.deadline, self.step = deadline, step
        self._left = threading.Event()

    def leave(self) -> None:
        """The turn no longer waits (it ended too slow, or was interrupted): the call's answer will be dropped."""
        self._left.set()

    @property
    def abandoned(self) -> bool:
        return self._left.is_set() or self.deadline.expired

    @property
    def remaining(self) -> float:
        return 0.0 if self._left.is_set() else self.deadline.remaining

    def too_slow(self) -> LLMTooSlow:
        return self.deadline.too_slow(self.step)


_current: contextvars.ContextVar[Watch | None] = contextvars.ContextVar("kubecopilot_model_call", default=None)


def current_call() -> Watch | None:
    """The watch of the model call running in this thread (None outside ``call_within``: no deadline applies)."""
    return _current.get()


_abandoned: set[threading.Thread] = set()  # workers of abandoned calls (pruned when they end)
_abandoned_lock = threading.Lock()


def _abandon(worker: threading.Thread) -> None:
    with _abandoned_lock:
        # (Re-)registered now, after the model library's own exit handlers: atexit runs this one before them.
        atexit.unregister(silence_abandoned_calls)
        atexit.register(silence_abandoned_calls)
        _abandoned.add(worker)


def abandoned_calls() -> list[threading.Thread]:
    """The workers of abandoned model calls that are still running."""
    with _abandoned_lock:
        _abandoned.intersection_update(t for t in _abandoned if t.is_alive())
        return list(_abandoned)


def silence_abandoned_calls() -> bool:
    """At exit: if an abandoned call still runs, flush what was printed and send the rest to /dev/null (True)."""
    if not abandoned_calls():
        return False
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or detached stream has nothing left to flush
            stream.flush()
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            os.dup2(null, fd)
        os.close(null)
    return True


def call_within(fn: Callable[[], T], deadline: Deadline, step: str) -> T:
    """``fn()`` if it returns before the deadline; else ``LLMTooSlow``. ``fn``'s own errors are raised as they are.

    The worker is a daemon thread: Python cannot stop it, so an abandoned call's request in flight runs on (bounded
    by the LLM request timeout) and its result is thrown away; it sends no further request (see ``Watch``). The
    wait re-reads the deadline's clock every fraction of a second (so a test's fake clock ends it) and a Ctrl-C in
    the waiting thread interrupts it.
    """
    if deadline.expired:
        raise deadline.too_slow(step)
    outcome: list[T] = []
    failure: list[BaseException] = []
    done = threading.Event()
    watch = Watch(deadline, step)

    def work() -> None:
        _current.set(watch)  # this thread's own context: what the model layer asks before each request
        try:
            outcome.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread, which raises it
            failure.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=work, name=f"kubecopilot-model: {step}", daemon=True)
    worker.start()
    try:
        while not done.wait(min(POLL_S, deadline.remaining)):
            if deadline.expired:
                raise deadline.too_slow(step)
    finally:
        if not done.is_set():
            watch.leave()  # too slow, or Ctrl-C: nobody will read this call's answer
            _abandon(worker)
    if failure:
        raise failure[0]
    return outcome[0]
