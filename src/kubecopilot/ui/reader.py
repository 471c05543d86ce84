"""Where the REPL's lines come from: prompt-toolkit in a terminal, plain lines from a pipe.

Both raise ``EOFError`` at the end of input (Ctrl-D) and ``KeyboardInterrupt`` on Ctrl-C. prompt-toolkit's Ctrl-C
raises ``PromptInterrupt`` saying whether the line was empty, because only Ctrl-C on an empty line counts towards
"press it twice to quit" — Ctrl-C on a half-typed line just throws the line away, as in a shell.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import Completer
from prompt_toolkit.filters import Condition
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.styles import Style

STYLE = Style.from_dict({
    "prompt": "bold ansicyan",
    "prompt.slot": "ansiyellow",
    "bottom-toolbar": "noreverse bg:ansibrightblack ansiwhite",
    "bottom-toolbar.label": "bg:ansibrightblack ansiwhite",
    "bottom-toolbar.value": "bold bg:ansibrightblack ansiwhite",
    "bottom-toolbar.sep": "bg:ansibrightblack ansiwhite",
})  # fmt: skip


class PromptInterrupt(KeyboardInterrupt):
    def __init__(self, empty: bool) -> None:
        super().__init__()
        self.empty = empty


class LineReader(Protocol):
    interactive: bool

    def read(self, prompt: Any, shown: Callable[[], None] | None = None) -> str:
        """One line; ``shown`` is called once the prompt is up (before any input)."""
        ...

    def read_answer(self, prompt: str) -> str: ...


class PromptReader:
    """prompt-toolkit: history file, Ctrl-R search, completion, bottom toolbar, history suggestions."""

    interactive = True

    def __init__(self, *, history_file: Path | None, completer: Completer | None,
                 bottom_toolbar: Callable[[], Any] | None, input: Any = None, output: Any = None) -> None:
        history: Any = InMemoryHistory()
        if history_file is not None:
            history_file.parent.mkdir(parents=True, exist_ok=True)
            history = FileHistory(str(history_file))
        self.session: PromptSession[str] = PromptSession(
            history=history, completer=completer, complete_while_typing=Condition(self._slash_typed),
            auto_suggest=AutoSuggestFromHistory(), bottom_toolbar=bottom_toolbar, key_bindings=_bindings(),
            style=STYLE, input=input, output=output, reserve_space_for_menu=4,
        )
        # The approval question gets its own session: no completion, and "y" does not land in the history.
        self.answers: PromptSession[str] = PromptSession(key_bindings=_bindings(), style=STYLE, input=input,
                                                         output=output)

    def _slash_typed(self) -> bool:
        return self.session.default_buffer.text.startswith("/")

    def read(self, prompt: Any, shown: Callable[[], None] | None = None) -> str:
        return self.session.prompt(prompt, pre_run=shown)

    def read_answer(self, prompt: str) -> str:
        return self.answers.prompt(prompt)


class PlainReader:
    """Lines from a pipe or file (scripts, CI). Each line is echoed after the prompt so the output reads like a
    transcript."""

    interactive = False

    def __init__(self, stream: TextIO | None = None, echo: Callable[[str], None] | None = None) -> None:
        self.stream = stream or sys.stdin
        self.echo = echo or (lambda text: None)

    def read(self, prompt: Any, shown: Callable[[], None] | None = None) -> str:
        if shown is not None:
            shown()
        return self._line(prompt if isinstance(prompt, str) else "".join(text for _, text in prompt))

    def read_answer(self, prompt: str) -> str:
        return self._line(prompt)

    def _line(self, prompt: str) -> str:
        line = self.stream.readline()
        if not line:
            raise EOFError
        line = line.rstrip("\r\n")
        self.echo(prompt + line)
        return line


def _bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        event.app.exit(exception=PromptInterrupt(empty=not event.app.current_buffer.text.strip()),
                       style="class:aborting")

    return kb
