"""The terminal tables the REPL and the CLI share: the server's tools, the read cache, the audit ledger, the prompts.

One function per table, used by both the slash command and the CLI command that show it (``/tools`` and
``kubecopilot tools``, ``/audit`` and ``kubecopilot audit list``), so the two never drift apart. Plan tables live
in ``plan_view``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group, RenderableType
from rich.text import Text

from kubecopilot.dialogue.turns import TableBlock
from kubecopilot.messages import Language, say
from kubecopilot.ui.columns import ESSENTIAL, Column, FittedTable
from kubecopilot.ui.render import human_age, render_table

PIPE_WIDTH = 1000  # "full lines": wider than any row of the tools table

if TYPE_CHECKING:  # types only: the ledger module loads SQLAlchemy
    from kubecopilot.plans.ledger import LedgerEntry
    from kubecopilot.tools.cache import ReadCache


def tools_table(rows: list[dict[str, Any]], server: str, profile: str, *, width: int | None = None) -> str:
    """``catalog_rows`` as text laid out for ``width`` (default: the terminal's; piped, full lines unless
    ``COLUMNS`` says otherwise), so ``print`` can show it: the name and class never wrap, "why" wraps, and columns
    that do not fit are left out and said."""
    columns = [Column("NAME", "name", ESSENTIAL), Column("CLASS", "word", ESSENTIAL), Column("WHY", "text", 4),
               Column("CAPABILITY", "word", 6), Column("CACHE", "word", 5)]
    cells = [[str(row.get(c) or "-") for c in ("name", "class", "why", "capability", "cache")] for row in rows]
    counts = {k: sum(1 for r in rows if r["class"] == k) for k in ("list", "read", "write")}
    # A server's annotation we overruled is worth a line of its own: the server may be buggy or hostile.
    overruled = [r for r in rows if str(r.get("detail") or "").startswith("server says")]
    out = Console(file=io.StringIO(), width=width or _text_width(), color_system=None, force_terminal=False,
                  highlight=False)
    out.print(f"{len(rows)} tools at {server} (profile: {profile})", soft_wrap=True)
    out.print()
    out.print(FittedTable(columns, cells))
    out.print()
    out.print(f"{counts['list']} list · {counts['read']} read · {counts['write']} write "
              "(writes run only through approved plans; unknown tools count as writes)")
    for r in overruled:
        out.print(f"! {r['name']}: {r['detail']}", soft_wrap=True)
    return "\n".join(line.rstrip() for line in out.file.getvalue().rstrip("\n").split("\n"))  # type: ignore[attr-defined]


def _text_width() -> int:
    """The terminal's width; a pipe gets full lines (for grep and friends), unless ``COLUMNS`` is set."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return shutil.get_terminal_size().columns
    return PIPE_WIDTH


def audit_table(entries: Sequence[LedgerEntry], *, title: str, caption: str, detail: bool = False) -> FittedTable:
    """One row per ledger entry; ``detail`` adds each entry's detail as JSON (the CLI's full listing)."""
    columns = [Column("#", "word", ESSENTIAL, justify="right"), Column("at", "word", 4),
               Column("plan", "name", ESSENTIAL), Column("event", "word", ESSENTIAL), Column("actor", "name", 6),
               Column("status", "word", 7), Column("signed", "text", 3)]
    if detail:
        columns.append(Column("detail", "text", 5, min_width=24))
    rows = []
    for e in entries:
        cells = [str(e.seq), e.at, e.plan_id[:8], e.event, e.actor, e.status, _signed(e.detail)]
        if detail:  # the signature block is summed up in "signed"; `audit verify` checks it
            rest = {k: v for k, v in (e.detail or {}).items() if k != "signature"}
            cells.append(json.dumps(rest, ensure_ascii=False) if rest else "")
        rows.append(cells)
    return FittedTable(columns, rows, title=title, caption=caption)


def cache_tables(cache: ReadCache, lang: Language = "en") -> RenderableType:
    """The cached reads with their age and TTL, then hits and misses per policy."""
    entries = cache.entries()
    columns = [Column("policy", "word", 6), Column("tool", "name", ESSENTIAL), Column("arguments", "text", 8),
               Column("age", "word", ESSENTIAL), Column("ttl", "word", 5)]
    rows = [[e.policy, e.tool, json.dumps(dict(e.args), ensure_ascii=False, sort_keys=True) if e.args else "",
             human_age(e.age_s), human_age(e.ttl_s)] for e in entries]
    table = FittedTable(columns, rows, title=say("cache_title", lang, entries=len(entries)), lang=lang)
    counted = [Column("policy", "name", ESSENTIAL)] + [Column(c, "word", ESSENTIAL, justify="right")
                                                        for c in ("entries", "hits", "misses", "ttl")]
    tally = [[policy, str(s["entries"]), str(s["hits"]), str(s["misses"]), human_age(s["ttl_s"])]
             for policy, s in sorted(cache.stats().items()) if s["entries"] or s["hits"] or s["misses"]]
    stats = FittedTable(counted, tally, title=say("cache_stats_title", lang), lang=lang)
    body = table if entries else Text(say("slash_cache_empty", lang), style="dim")
    return Group(body, stats if tally else Text(say("slash_no_reads", lang), style="dim"))


def prompts_table(rows: Sequence[dict[str, str]], source: str) -> RenderableType:
    """The prompt registry, one row per prompt (``kubecopilot prompts``); the columns are the rows' keys. One card per
    prompt in a terminal too narrow for the columns."""
    columns = list(rows[0]) if rows else ["prompt"]
    block = TableBlock(title="Prompt registry", columns=columns, rows=[list(row.values()) for row in rows])
    return Group(render_table(block), Text(source, style="dim"))


def _signed(detail: dict[str, Any] | None) -> str:
    """Who signed the row, as the signature says (``audit verify`` checks it): name and the key's fingerprint."""
    block = (detail or {}).get("signature")
    if not isinstance(block, dict):
        return ""
    from kubecopilot.plans.identity import PublicKey

    try:
        fingerprint = PublicKey.parse(str(block.get("key", ""))).fingerprint
    except ValueError:
        fingerprint = "unreadable key"
    return f"{block.get('name')} {fingerprint[:15]}…"
