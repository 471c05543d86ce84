"""Tab completion for the REPL: slash commands, quick commands and resource names already seen.

Completion runs on every key press, so it never touches the network: names come from a ``NameIndex`` the REPL
fills after each turn from what the cluster already answered (the options it offered, the tables it printed, the
namespaces and clusters read into the cache at start-up).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from kubecopilot.dialogue.turns import Answer, Ask, TableBlock, Turn
from kubecopilot.messages import say

if TYPE_CHECKING:  # the table imports this module (NameIndex): a type only here
    from kubecopilot.ui.slash import SlashCommand

NAME_COLUMNS = {"NAME": "name", "NAMESPACE": "namespace", "名称": "name", "命名空间": "namespace"}
# Which Ask slots hold which kind of name; a workload option's value is "deployment/cart-service".
SLOT_KINDS = {"namespace": "namespace", "cluster": "cluster", "pod": "name", "deployment": "name",
              "workload": "name", "object": "name", "container": "name"}


class NameIndex:
    """Names by kind ("namespace", "cluster", "name"), most recently seen last. Thread-safe (read while typing)."""

    def __init__(self) -> None:
        self._names: dict[str, dict[str, None]] = {"namespace": {}, "cluster": {}, "name": {}}
        self._lock = threading.Lock()

    def add(self, kind: str, names: Iterable[str]) -> None:
        with self._lock:
            bucket = self._names.setdefault(kind, {})
            for name in names:
                name = name.strip()
                if name and " " not in name:
                    bucket.pop(name, None)
                    bucket[name] = None

    def get(self, *kinds: str) -> list[str]:
        with self._lock:
            seen: dict[str, None] = {}
            for kind in kinds or tuple(self._names):
                seen.update(self._names.get(kind, {}))
            return list(seen)

    def clear(self, *kinds: str) -> None:
        with self._lock:
            for kind in kinds or tuple(self._names):
                self._names[kind] = {}

    def harvest(self, turn: Turn) -> None:
        """Remember the names a turn showed: its options and the NAME/NAMESPACE columns of its tables."""
        if isinstance(turn, Ask):
            kind = SLOT_KINDS.get(turn.slot)
            if kind:
                self.add(kind, (o.value.rpartition("/")[2] for o in turn.options))
        elif isinstance(turn, Answer):
            for block in turn.blocks:
                if isinstance(block, TableBlock):
                    self._harvest_table(block)

    def _harvest_table(self, block: TableBlock) -> None:
        for index, column in enumerate(block.columns):
            kind = NAME_COLUMNS.get(column.strip().upper()) or NAME_COLUMNS.get(column.strip())
            if kind:
                self.add(kind, (row[index] for row in block.rows if index < len(row)))


class ReplCompleter(Completer):
    """``/`` → slash commands (then their argument); otherwise quick commands for the whole line, names for a word.

    The slash commands are ``ui.slash.COMMANDS``: each one's help line is its completion hint, and its ``argument``
    says what its argument completes from (namespaces, clusters or plan ids)."""

    def __init__(self, slash_commands: Sequence[SlashCommand], quick_commands: list[str], names: NameIndex,
                 plan_ids: Callable[[], list[str]] = list) -> None:
        self.slash_commands = {c.name: c for c in slash_commands}
        self.quick_commands, self.names = quick_commands, names
        self.arguments: dict[str, Callable[[], list[str]]] = {
            "namespace": lambda: names.get("namespace"), "cluster": lambda: names.get("cluster"), "plan": plan_ids}

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        if text.startswith("/"):
            yield from self._slash(text)
            return
        line = text.lstrip().lower()
        if line:
            for quick in self.quick_commands:
                if quick.startswith(line) and quick != line:
                    yield Completion(quick, start_position=-len(line), display_meta="quick command")
        word = document.get_word_before_cursor(WORD=True)
        if word:
            yield from _matching(self.names.get("name", "namespace"), word, -len(word))

    def _slash(self, text: str) -> Iterator[Completion]:
        name, space, arg = text.partition(" ")
        if not space:
            for command in self.slash_commands.values():
                if command.name.startswith(name):
                    yield Completion(command.name, start_position=-len(name), display_meta=say(command.help_key, "en"))
            return
        typed = self.slash_commands.get(name)
        argument = typed.argument if typed is not None else None
        if argument is not None:
            yield from _matching(self.arguments[argument](), arg.strip(), -len(arg.lstrip()))


def _matching(candidates: Iterable[str], typed: str, start: int, meta: str | None = None) -> Iterator[Completion]:
    """Prefix matches first, then names with a dash-separated part starting with what was typed ("v2" →
    cart-service-v2-…), from two characters on (one letter would match nearly everything)."""
    typed_lower = typed.lower()
    candidates = [c for c in candidates if c.lower() != typed_lower]
    prefix = [c for c in candidates if c.lower().startswith(typed_lower)]
    inside = [c for c in candidates if len(typed) >= 2 and c not in prefix
              and any(part.startswith(typed_lower) for part in re.split(r"[-_./]", c.lower()))]
    for candidate in prefix + inside:
        yield Completion(candidate, start_position=start, display_meta=meta)
