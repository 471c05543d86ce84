"""``kubecopilot prompts [--output json]``: the prompt registry — which prompt each task runs, its version, and who
answers for it (category, risk tier, approved, owner, reviewers, last evaluation): the seed's governance fields, as
``prompts/manifest.json`` holds them (``--output json``: every field). Only an approved prompt runs
(``kubecopilot.crew.crew``)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kubecopilot.commands import add_output_flag, command, machine_output

if TYPE_CHECKING:
    from kubecopilot.config import Settings


def add_parser(sub: Any) -> None:
    p = command(sub, "prompts", "kubecopilot.commands.prompts:run",
                "list the prompt registry: each task's prompt, version, and who owns and reviewed it")
    add_output_flag(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from kubecopilot.prompting.prompts import registry

    reg = registry()
    specs = list(reg.specs.values())
    if machine_output(args, [spec.model_dump(by_alias=True, mode="json") for spec in specs]):
        return 0
    from rich.console import Console

    from kubecopilot.ui.tables import prompts_table

    rows = [{"prompt": spec.source_id, "category": spec.category, "risk": spec.risk_tier,
             "approved": "yes" if spec.approved else "no", "owner": spec.owner, "reviewed by": ", ".join(spec.reviewed_by),
             "evaluated": spec.last_evaluated.isoformat() if spec.last_evaluated else "never"} for spec in specs]
    Console(highlight=False).print(prompts_table(rows, str(reg.folder / "manifest.json")))
    return 0
