"""Drive the real REPL the way a person would: keys into prompt-toolkit's pipe input, text out of rich.

The REPL runs in a background thread exactly as ``kubecopilot`` runs it (``start_repl``: banner, menu, prompt-toolkit
session, history file). ``send`` types a line and returns everything printed until the REPL waits for the person
again (its ``on_ready`` hook), so tests never sleep: they wait on that event.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from kubecopilot.commands.repl import start_repl

WAIT_S = 60.0
CTRL_C, CTRL_D = "\x03", "\x04"


class ReplDriver:
    def __init__(self, app: Any, *, width: int = 110) -> None:
        self.app = app
        self.out = io.StringIO()
        self.console = Console(file=self.out, width=width, color_system=None, force_terminal=False,
                               highlight=False)
        self.repl: Any = None
        self.exit_code: int | None = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._mark = 0
        self._pipe_context = create_pipe_input()
        self.pipe = self._pipe_context.__enter__()
        self._thread = threading.Thread(target=self._run, name="repl-under-test", daemon=True)

    # --- lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> str:
        """Start the REPL; returns the banner and the menu."""
        self._thread.start()
        return self.wait()

    def _run(self) -> None:
        try:
            self.exit_code = start_repl(self.app, self.console, self.app.settings, interactive=True,
                                        input=self.pipe, output=DummyOutput(), on_ready=self._on_ready)
        except BaseException as exc:  # noqa: BLE001 - handed to the test through ``error``
            self.error = exc
        finally:
            self._ready.set()  # a REPL that ended wakes the test up too

    def _on_ready(self, repl: Any) -> None:
        self.repl = repl
        if repl.spinning:  # a spinner over a prompt hides the question in a real terminal
            self.error = AssertionError("the REPL waits for input with its spinner running")
        self._ready.set()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        if self.alive:
            self.keys(CTRL_D)
        self._thread.join(WAIT_S)
        self._pipe_context.__exit__(None, None, None)

    # --- typing -------------------------------------------------------------------------------------------------

    def send(self, line: str) -> str:
        """Type a line and press Enter; the output until the REPL waits again."""
        return self.keys(line + "\r")

    def keys(self, raw: str) -> str:
        self._ready.clear()
        self.pipe.send_text(raw)
        return self.wait()

    def wait(self) -> str:
        if not self._ready.wait(WAIT_S):
            raise AssertionError(f"the REPL did not come back within {WAIT_S:.0f} s; output:\n{self.text}")
        if self.error is not None:
            raise AssertionError(f"the REPL died: {self.error!r}\n{self.text}") from self.error
        text = self.text
        new, self._mark = text[self._mark:], len(text)
        return "\n".join(line.rstrip() for line in new.split("\n"))  # rich pads table cells to full width

    @property
    def text(self) -> str:
        return self.out.getvalue()
