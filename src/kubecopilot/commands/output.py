"""The CLI's machine output, ``--output json|yaml``: exactly one document on stdout per run, for every outcome, errors included — data, not the
rendered view.

``cli.main`` opens a ``Documents`` session for the run (``capture``): from then on everything written to stdout —
our own prints, a library's, a child process's — goes to stderr, and the one document goes to the real stdout when
a command calls ``emit`` (or, when it raised, ``cli.main`` writes the error document). A turn's document carries
its outcome and exit code (``kubecopilot.outcomes``), the turn with plain text (the engine's ``**bold**`` and
```code``` marks removed) and ``data``: records with numbers and timestamps (``Answer.data``), the diagnosis, the plan.

No rich, no pydantic here: ``config show -o yaml`` and every error document stay cheap.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from kubecopilot.outcomes import Outcome, outcome_of

FORMATS = ("json", "yaml")
_MARKUP = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`")
# Fields of a turn that hold sentences for people, possibly with the engine's light markup.
_TEXT_FIELDS = frozenset({"title", "question", "message", "hint", "summary", "tip", "label", "detail", "next_step",
                          "root_cause", "suggested_fix"})
_TEXT_LISTS = frozenset({"notices", "steps"})
_DATA_FIELDS = frozenset({"plan", "data", "evidence"})  # data as read: never rewritten


def plain(text: str) -> str:
    """``**bold**`` → ``bold``, ```x``` → ``x``; nothing else changes."""
    return _MARKUP.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


def dump(document: Any, fmt: str) -> str:
    if fmt == "yaml":
        import yaml  # only when asked for: --version and --help never load it

        return str(yaml.safe_dump(_jsonable(document), sort_keys=False, allow_unicode=True))
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


def _jsonable(document: Any) -> Any:
    """What JSON would say (datetimes as strings, tuples as lists), so the YAML document holds the same data."""
    return json.loads(json.dumps(document, default=str))


# --- documents ------------------------------------------------------------------------------------------------


def turn_document(turn: Any, outcome: Outcome | None = None) -> dict[str, Any]:
    """``{"outcome", "exitCode", "turn"}``; an answer's ``turn.data`` is its records (or, when a view gave none, what its
    blocks hold: the diagnosis, the rows as objects)."""
    outcome = outcome or outcome_of(turn)
    body = plain_fields(turn.model_dump(mode="json"))
    if body.get("kind") == "answer" and not body.get("data"):
        body["data"] = data_of_blocks(body.get("blocks", []))
    return {"outcome": outcome.name, "exitCode": outcome.code, "turn": body}


def error_document(exc: BaseException, outcome: Outcome | None = None) -> dict[str, Any]:
    """``{"outcome", "exitCode", "error": {"code", "message", "hint", "details"}}``; a typed error that is not a
    failure (nothing to change) says what it said as ``message`` instead of an ``error``."""
    outcome = outcome or outcome_of(exc)
    to_dict = getattr(exc, "to_dict", None)
    said = dict(to_dict()) if callable(to_dict) else {"error": type(exc).__name__, "message": str(exc)}
    error = {"code": said.pop("error"), **said}
    if outcome.code == 0:
        return {"outcome": outcome.name, "exitCode": outcome.code, **{k: v for k, v in error.items() if k != "code"}}
    return {"outcome": outcome.name, "exitCode": outcome.code, "error": error}


def plain_fields(value: Any, key: str | None = None) -> Any:
    """The turn's sentences without markup; the data inside it (the plan, records, quoted evidence) as it was."""
    if key in _DATA_FIELDS:
        return value
    if isinstance(value, dict):
        if value.get("type") == "text" and isinstance(value.get("text"), str):  # a TextBlock is a sentence too
            value = {**value, "text": plain(value["text"])}
        return {k: plain_fields(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key in _TEXT_LISTS:
            return [plain(v) if isinstance(v, str) else v for v in value]
        return [plain_fields(v) for v in value]
    if isinstance(value, str) and key in _TEXT_FIELDS:
        return plain(value)
    return value


def data_of_blocks(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """For answers whose view gave no ``data``: a diagnosis as itself, a table's rows as objects keyed by column, the
    text of code blocks."""
    data: dict[str, Any] = {}
    for block in blocks:
        kind = block.get("type")
        if kind == "diagnosis":
            data.setdefault("diagnosis", block["diagnosis"])
        elif kind == "table":
            keys = [column.strip().lower() or f"column{i}" for i, column in enumerate(block["columns"], 1)]
            data.setdefault("rows", []).extend(dict(zip(keys, row, strict=False)) for row in block["rows"])
        elif kind == "code":
            data.setdefault("text", []).append(block["text"])
        elif kind == "text":
            data.setdefault("lines", []).append(block["text"])
    return data


# --- one document per run -------------------------------------------------------------------------------------


class Documents:
    """The run's document stream: at most one document, written to the stdout the run started with."""

    def __init__(self, fmt: str, stream: TextIO) -> None:
        self.fmt, self.stream = fmt, stream
        self.written: Any = None

    def write(self, document: Any) -> None:
        if self.written is not None:
            raise RuntimeError("a run writes one document; a second one was about to follow")
        self.written = document
        self.stream.write(dump(document, self.fmt))
        self.stream.flush()


_current: Documents | None = None


def emit(document: Any, fmt: str) -> None:
    """Write the run's one document (to the real stdout while ``capture`` is active, else to stdout)."""
    if _current is not None:
        _current.write(document)
        return
    sys.stdout.write(dump(document, fmt))
    sys.stdout.flush()


@contextlib.contextmanager
def capture(fmt: str) -> Iterator[Documents]:
    """For the run: the one document goes to the real stdout, anything else written to stdout goes to stderr.

    Both levels: ``sys.stdout`` (Python code) and, when stdout is a real file descriptor, fd 1 itself (a child
    process, a C library)."""
    global _current
    document = sys.stdout
    document.flush()
    saved_fd = _move_fd1_to_stderr(document)
    stream: TextIO = os.fdopen(saved_fd, "w", encoding="utf-8") if saved_fd is not None else document
    previous, _current = _current, Documents(fmt, stream)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield _current
    finally:
        _current = previous
        stream.flush()
        if saved_fd is not None:
            sys.stderr.flush()
            os.dup2(saved_fd, 1)
            stream.close()


def _move_fd1_to_stderr(stdout: TextIO) -> int | None:
    """Point fd 1 at stderr and return a duplicate of the old fd 1; None when stdout is not fd 1 (captured)."""
    try:
        if stdout.fileno() != 1:
            return None
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError and a ValueError
        return None
    saved = os.dup(1)
    os.dup2(2, 1)
    return saved
