"""Line breaking that knows Chinese: where a line may break, and ``Prose``, rich ``Text`` that wraps there.

rich wraps only at spaces, so a Chinese sentence (no spaces) is one long "word": it is pushed to the next line whole
and then folded, leaving ragged half-empty lines. The break opportunities here are a small part of UAX #14 (Unicode
line breaking) — the part a terminal of English, Chinese and Kubernetes names needs:

- after a run of spaces, as rich does;
- before and after a wide (CJK) character, so Chinese wraps anywhere between characters;
- never before closing punctuation (，。、：；！？）」… and ,.;:!?)]·) and never after opening punctuation (（「“ ([{): a
  line does not start with "。" or end with "（" (kinsoku);
- never inside a Latin word, a pod name or a JSON pointer: hyphens, slashes and dots are not break opportunities
  (UAX #14 would break "cart-service-v2" after each hyphen);
- never inside a span the caller keeps together (a name with a space, such as "Deployment dev/cart").

Why not a UAX #14 library: uniseg (pure Python) takes ~0.2 ms per character — 170 ms for a 900-character answer,
on every render — and PyICU needs the ICU C++ library; the rules above are a few lines and tested.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, JustifyMethod, OverflowMethod
from rich.containers import Lines
from rich.measure import Measurement
from rich.text import Text

NO_START = frozenset("，。、：；！？）」』】〉》〕］｝”’…·‥%,.;:!?)]}")  # never the first character of a line
NO_END = frozenset("（「『【〈《〔［｛“‘([{")  # never the last character of a line


@lru_cache(maxsize=4096)
def is_wide(char: str) -> bool:
    """A character a terminal draws two cells wide (CJK ideographs, kana, hangul, fullwidth forms)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def break_points(text: str, keep: Iterable[tuple[int, int]] = ()) -> list[int]:
    """The offsets where a line may start (0 < offset < len(text)), by the rules above; ``keep``: spans
    (start, end) no line may break inside."""
    kept = {i for start, end in keep for i in range(start + 1, end)}
    points = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if i in kept or after.isspace() or after in NO_START or before in NO_END:
            continue
        if before.isspace() or is_wide(before) or is_wide(after):
            points.append(i)
    return points


def divide(text: str, width: int, *, fold: bool = True, keep: Iterable[tuple[int, int]] = ()) -> list[int]:
    """Where to cut ``text`` so each piece fits ``width`` cells (rich's ``divide_line``, at these break points): as
    much as fits on each line; a piece wider than a whole line is folded (``fold``) or left to be cropped."""
    cuts: list[int] = []
    bounds = [0, *break_points(text, keep), len(text)]
    used = 0
    for start, end in zip(bounds, bounds[1:], strict=False):
        piece = text[start:end]
        size = cell_len(piece.rstrip())
        if used + size <= width:
            used += cell_len(piece)
            continue
        if start and used:
            cuts.append(start)
            used = 0
        if size <= width:
            used = cell_len(piece)
            continue
        if not fold:
            used = cell_len(piece)
            continue
        position = start
        chunks = chop_cells(piece, width)
        for chunk in chunks[:-1]:
            position += len(chunk)
            cuts.append(position)
        used = cell_len(chunks[-1])
    return cuts


class Prose(Text):
    """rich ``Text`` that wraps at the break points above; ``keep`` spans are never broken."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keep: list[tuple[int, int]] = []

    def append_kept(self, text: str | Text, style: str = "") -> Prose:
        """Append ``text`` as one unbreakable span (a name with a space in it)."""
        start = len(self.plain)
        if isinstance(text, Text):
            self.append_text(text)
        else:
            self.append(text, style=style)
        self.keep.append((start, len(self.plain)))
        return self

    def copy(self) -> Prose:
        twin = Prose(self.plain, style=self.style, justify=self.justify, overflow=self.overflow,
                     no_wrap=self.no_wrap, end=self.end, tab_size=self.tab_size)
        twin._spans[:] = self._spans
        twin.keep = list(self.keep)
        return twin

    def wrap(self, console: Console, width: int, *, justify: JustifyMethod | None = None,
             overflow: OverflowMethod | None = None, tab_size: int = 8, no_wrap: bool | None = None) -> Lines:
        # rich's Text.wrap, with this module's division instead of rich's split at spaces.
        wrap_justify = justify or self.justify or "default"
        wrap_overflow = overflow or self.overflow or "fold"
        no_wrap = bool(no_wrap if no_wrap is not None else self.no_wrap) or overflow == "ignore"
        lines = Lines()
        offset = 0
        for line in self.split(allow_blank=True):
            keep = _shifted(self.keep, offset, len(line.plain))
            offset += len(line.plain) + 1
            if "\t" in line.plain:
                line.expand_tabs(tab_size)
            if no_wrap:
                if overflow == "ignore":
                    lines.append(line)
                    continue
                new_lines = Lines([line])
            else:
                new_lines = line.divide(divide(line.plain, width, fold=wrap_overflow == "fold", keep=keep))
                for piece in new_lines:
                    if cell_len(piece.plain) > width:  # rich's rstrip_end counts characters, not cells
                        piece.rstrip()
            if wrap_justify:
                new_lines.justify(console, width, justify=wrap_justify, overflow=wrap_overflow)
            for piece in new_lines:
                piece.truncate(width, overflow=wrap_overflow)
            lines.extend(new_lines)
        return lines

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        """The widest line, and the widest piece between break points (what a table may narrow the text to)."""
        plain = self.plain
        lines = plain.splitlines() or [""]
        longest = max(cell_len(line) for line in lines)
        pieces: list[int] = []
        for line in lines:
            bounds = [0, *break_points(line), len(line)]
            pieces += [cell_len(line[a:b].strip()) for a, b in zip(bounds, bounds[1:], strict=False)]
        return Measurement(min(max(pieces, default=longest), longest), longest)


def _shifted(spans: Sequence[tuple[int, int]], offset: int, length: int) -> list[tuple[int, int]]:
    """The kept spans of one line of a multi-line text, relative to that line."""
    return [(max(0, s - offset), min(length, e - offset)) for s, e in spans if e > offset and s < offset + length]


def prose(*parts: str | Text | tuple[str, str], style: str = "") -> Prose:
    """``Text.assemble`` as ``Prose``."""
    out = Prose(style=style)
    for part in parts:
        if isinstance(part, Text):
            out.append_text(part)
        elif isinstance(part, tuple):
            out.append(part[0], style=part[1])
        else:
            out.append(part)
    return out
