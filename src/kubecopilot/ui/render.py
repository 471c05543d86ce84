"""Turns → rich renderables. One function per turn kind; the REPL and ``kubecopilot ask`` print what they return.

Meaning never rests on colour alone (NO_COLOR, screen readers, copy-paste into a ticket): numbers, words and marks
("✗", "Tip:", "from cache") carry it, colour only helps. Logs and YAML are printed without a frame so they copy
cleanly; long lines wrap instead of being cut, so a narrow terminal loses nothing.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from kubecopilot.diagnosis.models import Diagnosis
from kubecopilot.dialogue.turns import (
    Answer,
    Ask,
    CodeBlock,
    DiagnosisBlock,
    ErrorTurn,
    PlanProposal,
    Source,
    Suggestion,
    TableBlock,
    TextBlock,
    Turn,
)
from kubecopilot.messages import Language, say
from kubecopilot.ui.columns import FittedTable, column_for
from kubecopilot.ui.linebreak import Prose, prose

# Status words seen in pod/node/event tables; the cell text stays as is, the style only helps scanning.
GOOD_WORDS = frozenset({"Running", "Ready", "Active", "Completed", "Succeeded", "Normal", "True", "Bound"})
BAD_WORDS = frozenset({
    "CrashLoopBackOff", "OOMKilled", "ImagePullBackOff", "ErrImagePull", "Error", "Failed", "NotReady", "Evicted",
    "Warning", "Unknown", "CreateContainerConfigError", "InvalidImageName", "BackOff", "Terminating",
})  # fmt: skip
WAIT_WORDS = frozenset({"Pending", "ContainerCreating", "PodInitializing", "Init:0/1", "Progressing"})
SYNTAX_LEXERS = {"yaml": "yaml", "json": "json", "diff": "diff"}
_INLINE = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`")


# Pygments has no lexer for arbitrary application logs: levels and timestamps are enough to scan them.
LOG_PATTERNS = (
    (r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?Z?", "dim"),
    (r"\b(?:ERROR|FATAL|CRITICAL|PANIC|panic|Exception|Traceback|OOMKilled|Killed)\b", "bold red"),
    (r"\b(?:WARN|WARNING)\b", "yellow"),
    (r"\b(?:INFO|DEBUG)\b", "cyan"),
)


def highlight_log(text: str) -> Text:
    out = Text(text, overflow="fold")
    for pattern, style in LOG_PATTERNS:
        out.highlight_regex(pattern, style=style)
    return out


def inline(text: str, style: str = "") -> Prose:
    """The engine's light markup (``**bold**``, ```code```) as rich Text; nothing else is interpreted. It wraps
    between Chinese characters too (``Prose``), never inside a name.

    Not rich markup: resource names and log lines may contain square brackets.
    """
    out, pos = Prose(style=style), 0
    for match in _INLINE.finditer(text):
        out.append(text[pos:match.start()])
        if match.group(1) is not None:
            out.append(match.group(1), style="bold")
        else:
            out.append(match.group(2), style="cyan")
        pos = match.end()
    out.append(text[pos:])
    return out


def render_turn(turn: Turn, lang: Language = "en", *, oneshot: bool = False) -> RenderableType:
    """Any turn, as the REPL and ``ask --output text`` show it (a plan only up to its approval prompt).

    ``lang`` is the conversation's language, for the few words the UI adds (the turn's own text is already in it).
    ``oneshot``: nobody can type a number after ``kubecopilot ask``, so follow-ups are shown as commands.
    """
    if isinstance(turn, Ask):
        return render_ask(turn, lang, oneshot=oneshot)
    if isinstance(turn, Answer):
        return render_answer(turn, lang, oneshot=oneshot)
    if isinstance(turn, PlanProposal):
        return render_proposal(turn, lang=lang)
    return render_error(turn)


def render_notices(notices: Iterable[str]) -> list[RenderableType]:
    return [prose(("ℹ ", "yellow"), inline(n, "yellow")) for n in notices]


# --- Ask ----------------------------------------------------------------------------------------------------------


def render_ask(ask: Ask, lang: Language = "en", *, oneshot: bool = False) -> RenderableType:
    parts: list[RenderableType] = [*render_notices(ask.notices), inline(ask.question, "bold")]
    if ask.steps:
        parts.append(Prose(say("steps", lang), style="bold"))
        # bullets, not numbers: the numbers below them pick the answer
        parts += [prose(("  • ", "dim"), inline(step)) for step in ask.steps]
    if ask.options and ask.free_text:  # examples of an open value: a number typed is the value, not a pick
        parts.append(prose(("  " + say("examples", lang), "dim"), " · ".join(o.label for o in ask.options)))
    elif ask.options:
        parts.append(numbered_options([(o.label, o.detail) for o in ask.options]))
    if ask.next_step:
        parts.append(inline(ask.next_step, "dim"))
    hint = "oneshot_hint" if oneshot else "free_hint" if ask.free_text else "answer_hint" if ask.options else None
    if hint:
        parts.append(Prose(say(hint, lang), style="dim"))
    return Group(*parts)


def numbered_options(items: list[tuple[str, str | None]]) -> NumberedOptions:
    return NumberedOptions(items)


class NumberedOptions:
    """``  1. label   detail``: the details in a column of their own when they fit beside the labels, else after
    each label; a label that is a name (no spaces) is never split, a sentence wraps under itself, not the number."""

    DETAIL_MIN = 12  # the narrowest detail column worth aligning

    def __init__(self, items: list[tuple[str, str | None]]) -> None:
        self.items = items

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", style="bold cyan", no_wrap=True)
        numbers = [f"  {i}." for i in range(1, len(self.items) + 1)]
        labels = [self._label(label) for label, _ in self.items]
        widest = max((cell_len(label.plain) for label in labels), default=0)
        aligned = any(detail for _, detail in self.items) and (
            cell_len(numbers[-1] if numbers else "") + 1 + widest + 1 + self.DETAIL_MIN <= options.max_width)
        if aligned:
            grid.add_column(no_wrap=True)
            grid.add_column(style="dim")
            for number, label, (_, detail) in zip(numbers, labels, self.items, strict=True):
                grid.add_row(number, label, Prose(detail or ""))
        else:
            grid.add_column()
            for number, label, (_, detail) in zip(numbers, labels, self.items, strict=True):
                grid.add_row(number, prose(label, ("  " + detail, "dim")) if detail else label)
        yield grid

    @staticmethod
    def _label(label: str) -> Prose:
        text = inline(label)
        if text.plain and not any(ch.isspace() for ch in text.plain):  # a name: kept whole
            text.keep.append((0, len(text.plain)))
        return text


# --- Answer -------------------------------------------------------------------------------------------------------


def render_answer(answer: Answer, lang: Language = "en", *, oneshot: bool = False) -> RenderableType:
    parts: list[RenderableType] = [*render_notices(answer.notices), inline(answer.title, "bold")]
    parts += [render_block(block, lang) for block in answer.blocks]
    note = source_note(answer.source, lang, oneshot=oneshot)
    if note is not None:
        parts.append(note)
    if answer.tip:
        parts.append(render_tip(answer.tip, lang))
    if answer.suggestions:
        follow_ups = render_commands if oneshot else render_suggestions
        parts.append(follow_ups(answer.suggestions, lang))
    return Group(*parts)


def render_block(block: TextBlock | TableBlock | CodeBlock | DiagnosisBlock, lang: Language = "en") -> RenderableType:
    if isinstance(block, TextBlock):
        return inline(block.text)
    if isinstance(block, TableBlock):
        return render_table(block, lang)
    if isinstance(block, CodeBlock):
        return render_code(block)
    return render_diagnosis(block.diagnosis, lang)


def render_table(block: TableBlock, lang: Language = "en") -> FittedTable:
    """A table block at the width it gets: columns drop or wrap by what they hold (``ui.columns``), names never split."""
    columns = [column_for(header, i) for i, header in enumerate(block.columns)]
    headed = any(header.strip() for header in block.columns)
    return FittedTable(columns, [[status_cell(cell) for cell in row] for row in block.rows], title=block.title,
                       show_header=headed, lang=lang)


def status_cell(cell: str) -> Text:
    words = set(re.split(r"[\s,()]+", cell))
    if words & BAD_WORDS:
        return Prose(cell, style="red")
    if words & WAIT_WORDS:
        return Prose(cell, style="yellow")
    if cell in GOOD_WORDS:
        return Prose(cell, style="green")
    return Prose(cell)


def render_code(block: CodeBlock) -> RenderableType:
    parts: list[RenderableType] = []
    if block.title:
        parts.append(Rule(Text(block.title, style="dim"), align="left", style="dim"))
    text = block.text.rstrip("\n") or "(empty)"
    lexer = SYNTAX_LEXERS.get(block.language)
    if lexer is not None:
        parts.append(Syntax(text, lexer, theme="ansi_dark", word_wrap=True, background_color="default"))
    elif block.language == "log":
        parts.append(highlight_log(text))
    else:
        parts.append(Text(text, overflow="fold"))
    return Group(*parts)


def source_note(source: Source, lang: Language = "en", *, oneshot: bool = False) -> Text | None:
    """"from cache, 42 s old · list_pods" — dim, so it informs without competing with the answer."""
    if not source.tools:
        return None
    tools = ", ".join(source.tools)
    if source.from_cache:
        key = "from_cache_oneshot" if oneshot else "from_cache"  # /refresh is a REPL command
        return Prose(say(key, lang, age=human_age(source.age_s, lang), tools=tools), style="dim")
    return Prose(say("live", lang, tools=tools), style="dim")


def human_age(seconds: float | None, lang: Language = "en") -> str:
    s = round(seconds or 0)
    if s < 90:
        return say("seconds", lang, n=s)
    if s < 90 * 60:
        return say("minutes", lang, n=s // 60)
    return say("hours", lang, n=s // 3600)


def render_tip(tip: str, lang: Language = "en") -> RenderableType:
    return Padding(prose((say("tip", lang), "bold magenta"), inline(tip)), (0, 0, 0, 2), expand=False)


def render_suggestions(suggestions: list[Suggestion], lang: Language = "en") -> RenderableType:
    return Group(Prose(say("next", lang), style="bold"), numbered_options([(s.label, None) for s in suggestions]))


def render_commands(suggestions: list[Suggestion], lang: Language = "en") -> RenderableType:
    """Follow-ups after a one-shot answer: each as the command that runs it."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(overflow="fold")
    for s in suggestions:
        grid.add_row("  •", Group(inline(s.label), Text(f"kubecopilot ask {quote_arg(s.command)}", style="cyan")))
    return Group(Prose(say("next_commands", lang), style="bold"), grid)


def quote_arg(text: str) -> str:
    return shlex.quote(text)


# --- Diagnosis, plans, errors -------------------------------------------------------------------------------------


def render_diagnosis(diagnosis: Diagnosis, lang: Language = "en") -> Panel:
    lines: list[RenderableType] = [
        inline(diagnosis.summary, "bold"),
        prose((say("root_cause", lang), "bold"), inline(diagnosis.root_cause)),
        prose((say("confidence", lang), "bold"), f"{diagnosis.confidence:.0%}"),
    ]
    if diagnosis.evidence:
        lines += [Prose(say("evidence", lang), style="bold"), evidence_list(diagnosis)]
    lines.append(prose((say("suggested_fix", lang), "bold green"), inline(diagnosis.suggested_fix)))
    by = say("by_rules" if diagnosis.source == "rules" else "by_llm", lang)
    style = {"Healthy": "green", "Unknown": "yellow"}.get(diagnosis.category, "red")
    return Panel(Group(*lines), title=Prose(say("diagnosis_title", lang, category=diagnosis.category), style=f"bold {style}"),
                 title_align="left", subtitle=Text(by, style="dim"), subtitle_align="right", border_style=style)


def evidence_list(diagnosis: Diagnosis) -> Table:
    """Each quote under where it came from, both hanging off the bullet (long pod names wrap cleanly)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(overflow="fold")
    for quote in diagnosis.evidence:
        where = f"{quote.source}" + (f" · {quote.object}" if quote.object else "")
        grid.add_row("  •", Group(Text(where, style="cyan", overflow="fold"),
                                  Text(f"“{quote.quote.strip()}”", overflow="fold")))
    return grid


def render_proposal(proposal: PlanProposal, *, summary: bool = True, diagnosis: bool = True,
                    lang: Language = "en") -> RenderableType:
    """What precedes the approval prompt. The prompt shows the plan's summary itself, so callers that go on to it
    pass ``summary=False``; ``diagnosis=False`` when that diagnosis is already on screen."""
    parts: list[RenderableType] = [*render_notices(proposal.notices)]
    if diagnosis and proposal.diagnosis is not None:
        parts.append(render_diagnosis(proposal.diagnosis, lang))
    if summary:
        risk = say("risk", lang, level=proposal.risk_level)
        parts.append(prose((say("proposed", lang), "bold"), (f" ({risk})", "dim"), ": ",
                                   inline(proposal.summary)))
    return Group(*parts)


def render_error(turn: ErrorTurn) -> RenderableType:
    """One calm paragraph: what went wrong, then what to try."""
    text = prose(("✗ ", "bold red"), inline(sentence(turn.message)))
    if turn.hint:
        text.append(" ")
        text.append_text(inline(sentence(turn.hint), "dim"))
    return Group(*render_notices(turn.notices), text)


def sentence(text: str) -> str:
    """Capitalised and ending in punctuation, so a message and its hint read as one paragraph."""
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".?!。？！)" else text + "."
