"""Which step of a turn is running, and for how long: "asking the diagnostician · 12 s (Ctrl-C cancels)".

A model call can take tens of seconds; the person must always see that something is happening and what. The REPL
shows the step in its spinner (re-rendered several times a second, so the seconds count up by themselves); a
one-shot ``kubecopilot ask`` shows the same spinner on a terminal's stderr, or one line per step when stderr is
not a terminal (stdout stays clean for the answer or the JSON).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.text import Text

from kubecopilot.messages import Language, say

Clock = Callable[[], float]


class StepTimer:
    """The current step and when it started; renders itself with the seconds spent so far."""

    def __init__(self, clock: Clock = time.monotonic, lang: Language = "en") -> None:
        self.clock = clock
        self.lang = lang  # the language of the hint around the step (the REPL keeps it the session's)
        self.step = ""
        self.started = clock()

    def start(self, step: str) -> None:
        self.step, self.started = step, self.clock()

    @property
    def seconds(self) -> int:
        return int(self.clock() - self.started)

    def line(self) -> str:
        return f"{self.step} · {self.seconds} s" if self.seconds >= 1 else self.step

    def __rich__(self) -> Text:
        return Text.assemble((f"{self.line()}…", "cyan"), (say("progress_cancel_hint", self.lang), "dim"))


class StderrProgress:
    """``Conversation.progress`` for one-shot commands: a live spinner on a terminal, plain lines otherwise."""

    def __init__(self, console: Console, clock: Clock = time.monotonic) -> None:
        self.console = console
        self.timer = StepTimer(clock)

    def __call__(self, step: str) -> None:
        self.timer.start(step)
        if not self.console.is_terminal:
            self.console.print(Text(f"· {step}…", style="dim"))

    @contextlib.contextmanager
    def running(self, what: str = "working") -> Iterator[None]:
        """Around one turn: the spinner (terminal only) runs while the turn does, and always stops."""
        self.timer.start(what)
        if not self.console.is_terminal:
            yield
            return
        with self.console.status(self.timer, spinner="dots"):
            yield
