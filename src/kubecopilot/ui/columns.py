"""Tables that stay readable at any width: columns drop or wrap by priority, and a name is never split.

Every table the terminal shows is a ``FittedTable``: its columns say what they hold — a **name** (a pod, a
deployment, a JSON pointer, an id: never wrapped, never folded), a short **word** (a status, an age, a count: never
wrapped) or **text** (a message, a reason: wraps at word boundaries, down to a minimum width) — and how much they
matter (``keep``). When the columns do not fit, text columns narrow first, then the least important columns are left
out (a dim line says which), and only when even the essential ones do not fit does the table become one card per row
(its name as the heading). Piped output is laid out the same way at the console's width (80 columns unless
``COLUMNS`` says otherwise), so a pipe gets readable lines, not cells folded to a few characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rich import box as boxes
from rich.box import Box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from kubecopilot.messages import Language, say
from kubecopilot.ui.linebreak import Prose

Role = Literal["name", "word", "text"]
Justify = Literal["left", "right", "center"]
ESSENTIAL = 10  # a column this important is never left out: the table becomes cards instead


@dataclass(frozen=True)
class Column:
    header: str
    role: Role = "word"
    keep: int = 5  # 0 is left out first; ESSENTIAL and above never
    min_width: int = 16  # the narrowest a text column gets before columns are left out
    justify: Justify = "left"
    style: str = ""


# The columns of the tables the dialogue answers with (TableBlock headers), by header; kubectl's names and order.
# An event is its object and its message: rather cards than a table that drops either.
KNOWN: dict[str, Column] = {c.header: c for c in (
    Column("NAME", "name", ESSENTIAL), Column("NAMESPACE", "name", 6), Column("OBJECT", "name", ESSENTIAL),
    Column("RESOURCE", "name", 8), Column("DEPLOYMENT", "name", ESSENTIAL), Column("WORKLOAD", "name", ESSENTIAL),
    Column("READY", "word", 7), Column("STATUS", "word", ESSENTIAL), Column("RESTARTS", "word", 4),
    Column("AGE", "word", 3), Column("LAST SEEN", "word", 2), Column("TYPE", "word", 3), Column("REASON", "word", 6),
    Column("VERSION", "word", 4), Column("CURRENT", "word", 5), Column("PORTS", "word", 4), Column("WHEN", "word", 6),
    Column("REVISION", "word", 6), Column("#", "word", ESSENTIAL), Column("CHECK", "text", ESSENTIAL),
    Column("MESSAGE", "text", ESSENTIAL, min_width=30), Column("CAUSE", "text", 5), Column("CHANGE", "text", 7),
    Column("PROBLEM", "text", ESSENTIAL), Column("RESULT", "text", ESSENTIAL), Column("COMMAND", "text", ESSENTIAL),
)}  # fmt: skip


def column_for(header: str, index: int) -> Column:
    """A header's column; an unknown one is text, except the first, which names its row."""
    known = KNOWN.get(header.strip().upper())
    if known is not None:
        return replace(known, header=header)
    return Column(header, "name", ESSENTIAL) if index == 0 else Column(header, "text", 5)


Cell = str | Text


class FittedTable:
    """A table laid out for the width it is given (see the module's docstring)."""

    def __init__(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], *, title: str | None = None,
                 caption: str | None = None, box: Box = boxes.SIMPLE_HEAD, show_edge: bool = False,
                 show_header: bool = True, lang: Language = "en") -> None:
        self.columns, self.rows = list(columns), [list(row) for row in rows]
        self.title, self.caption, self.box, self.show_edge = title, caption, box, show_edge
        self.show_header, self.lang = show_header, lang

    def naturals(self) -> list[int]:
        """Each column's width with nothing wrapped: its widest line, header included."""
        widths = [cell_len(c.header) if self.show_header else 0 for c in self.columns]
        for row in self.rows:
            widths = [max(w, *(cell_len(line) for line in _plain(cell).split("\n"))) for w, cell in zip(widths, row, strict=False)]
        return widths

    def chosen(self, console: Console, width: int) -> list[int] | None:
        """The columns shown at ``width`` (indices, in order), or None: not even the essential ones fit."""
        naturals = self.naturals()
        shown = list(range(len(self.columns)))

        def need(indices: list[int]) -> int:
            cells = sum(min(naturals[i], self.columns[i].min_width) if self.columns[i].role == "text" else naturals[i]
                        for i in indices)
            return cells + self._chrome(console, len(indices))

        order = sorted((i for i, c in enumerate(self.columns) if c.keep < ESSENTIAL),
                       key=lambda i: (self.columns[i].keep, -i))
        for index in order:
            if need(shown) <= width:
                break
            shown.remove(index)
        return shown if need(shown) <= width else None

    def _chrome(self, console: Console, count: int) -> int:
        """The width the table adds around ``count`` columns: padding, separators, edges."""
        probe = self._frame([Column("", "word")] * count)
        probe.add_row(*(["x"] * count))
        return Measurement.get(console, console.options.update(width=10_000), probe).maximum - count

    def _frame(self, columns: Sequence[Column]) -> Table:
        table = Table(title=self.title, caption=self.caption, title_justify="left", title_style="bold",
                      caption_justify="left", box=self.box, show_edge=self.show_edge, pad_edge=self.show_edge,
                      show_header=self.show_header)
        for column in columns:
            table.add_column(column.header, justify=column.justify, style=column.style, no_wrap=column.role != "text",
                             overflow="fold", min_width=column.min_width if column.role == "text" else None)
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        shown = self.chosen(console, options.max_width)
        if shown is None:
            yield from self.cards()
            return
        table = self._frame([self.columns[i] for i in shown])
        for row in self.rows:
            table.add_row(*(row[i] if i < len(row) else "" for i in shown))
        yield table
        hidden = [c.header for i, c in enumerate(self.columns) if i not in shown and c.header.strip()]
        if hidden:
            separator = say("list_separator", self.lang)
            yield Text(say("table_hidden_columns", self.lang, columns=separator.join(hidden)), style="dim")

    def cards(self) -> list[RenderableType]:
        """One card per row: the row's name as a heading, then ``COLUMN value`` pairs that wrap between pairs."""
        names = [i for i, c in enumerate(self.columns) if c.role == "name"]
        heading = max(names, key=lambda i: self.columns[i].keep) if names else 0  # NAME rather than NAMESPACE
        cards: list[RenderableType] = [Text(self.title, style="bold")] if self.title else []
        for row in self.rows:
            pairs = Prose()  # lines break between pairs (never before a "·"), and never inside a name
            rest = [(c, cell) for i, (c, cell) in enumerate(zip(self.columns, row, strict=False)) if i != heading]
            for n, (column, cell) in enumerate(rest):
                if n:
                    pairs.append(" · ", style="dim")
                if column.header.strip():
                    pairs.append(f"{column.header} ", style="dim")
                value = cell if isinstance(cell, Text) else Text(cell)
                if column.role == "text":
                    pairs.append_text(value)
                else:
                    pairs.append_kept(value)
            title = row[heading] if heading < len(row) else ""
            cards += [Text.assemble(title if isinstance(title, Text) else Text(title), style="bold"),
                      Padding(pairs, (0, 0, 0, 2))]  # a wrapped card line stays under its heading
        if self.caption:
            cards.append(Text(self.caption, style="dim"))
        return cards

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, min(options.max_width, sum(self.naturals()) + self._chrome(console, len(self.columns))))


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell
