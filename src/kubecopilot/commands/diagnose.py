"""``kubecopilot diagnose pod|deployment NAME -n NS``: one diagnosis turn (root cause, evidence, suggested fix).

The same turn as typing "diagnose pod NAME -n NS" in the REPL; exit codes as for ``kubecopilot ask``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kubecopilot.commands import command
from kubecopilot.commands.ask import add_turn_flags, one_turn

if TYPE_CHECKING:
    from kubecopilot.config import Settings


def add_parser(sub: Any) -> None:
    p = command(sub, "diagnose", "kubecopilot.commands.diagnose:run",
                "diagnose a pod or deployment: root cause, quoted evidence, confidence and a suggested fix")
    p.add_argument("kind", choices=("pod", "deployment"), help="what NAME is")
    p.add_argument("name", metavar="NAME", help="the pod or deployment (a unique part of the name is enough)")
    add_turn_flags(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    where = f" -n {args.namespace}" if args.namespace else ""
    return one_turn(settings, f"diagnose {args.kind} {args.name}{where}", output=args.output,
                    namespace=args.namespace, cluster=args.cluster)
