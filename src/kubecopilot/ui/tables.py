"""The terminal tables the REPL and the CLI share: the server's tools, the read cache, the audit ledger, the prompts.

One function per table, used by both the slash command and the CLI command that show it (``/tools`` and
``kubecopilot tools``, ``/audit`` and ``kubecopilot audit list``), so the two never drift apart. Plan tables live
in ``plan_view``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kubecopilot.dialogue.turns import TableBlock
from kubecopilot.messages import Language, say
from kubecopilot.ui.render import human_age, render_table

if TYPE_CHECKING:  # types only: the ledger module loads SQLAlchemy
    from kubecopilot.plans.ledger import LedgerEntry
    from kubecopilot.tools.cache import ReadCache


def tools_table(rows: list[dict[str, Any]], server: str, profile: str) -> str:
    """``catalog_rows`` as plain aligned text: lines laid out already, so a terminal wraps rather than re-flows."""
    columns = ("name", "class", "why", "capability", "cache")
    cells = [[str(row.get(c) or "-") for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) if cells else len(c) for i, c in enumerate(columns)]
    lines = [f"{len(rows)} tools at {server} (profile: {profile})", ""]
    lines.append("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    counts = {k: sum(1 for r in rows if r["class"] == k) for k in ("list", "read", "write")}
    lines += [
        "",
        f"{counts['list']} list · {counts['read']} read · {counts['write']} write "
        "(writes run only through approved plans; unknown tools count as writes)",
    ]
    # A server's annotation we overruled is worth a line of its own: the server may be buggy or hostile.
    overruled = [r for r in rows if str(r.get("detail") or "").startswith("server says")]
    lines += [f"! {r['name']}: {r['detail']}" for r in overruled]
    return "\n".join(lines)


def audit_table(entries: Sequence[LedgerEntry], *, title: str, caption: str, detail: bool = False) -> Table:
    """One row per ledger entry; ``detail`` adds each entry's detail as JSON (the CLI's full listing)."""
    table = Table(title=title, caption=caption, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    columns = ("#", "at", "plan", "event", "actor", "status", "signed") + (("detail",) if detail else ())
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in ("#", "at", "plan"))
    for e in entries:
        cells = [str(e.seq), e.at, e.plan_id[:8], e.event, e.actor, e.status, _signed(e.detail)]
        if detail:  # the signature block is summed up in "signed"; `audit verify` checks it
            rest = {k: v for k, v in (e.detail or {}).items() if k != "signature"}
            cells.append(json.dumps(rest, ensure_ascii=False) if rest else "")
        table.add_row(*cells)
    return table


def cache_tables(cache: ReadCache, lang: Language = "en") -> RenderableType:
    """The cached reads with their age and TTL, then hits and misses per policy."""
    entries = cache.entries()
    table = Table(title=f"Cached reads ({len(entries)})", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("policy", "tool", "arguments", "age", "ttl"):
        table.add_column(column, overflow="fold", no_wrap=column in ("age", "ttl"))
    for e in entries:
        args = json.dumps(dict(e.args), ensure_ascii=False, sort_keys=True) if e.args else ""
        table.add_row(e.policy, e.tool, args, human_age(e.age_s), human_age(e.ttl_s))
    stats = Table(title="Hits and misses", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("policy", "entries", "hits", "misses", "ttl"):
        stats.add_column(column, justify="left" if column == "policy" else "right")
    for policy, s in sorted(cache.stats().items()):
        if s["entries"] or s["hits"] or s["misses"]:
            stats.add_row(policy, str(s["entries"]), str(s["hits"]), str(s["misses"]), human_age(s["ttl_s"]))
    body = table if entries else Text(say("slash_cache_empty", lang), style="dim")
    return Group(body, stats if stats.row_count else Text(say("slash_no_reads", lang), style="dim"))


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
