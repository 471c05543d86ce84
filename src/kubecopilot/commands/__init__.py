"""One module per CLI command.

Each module exposes ``add_parser(subparsers)`` (argparse only, cheap to import) and points ``handler`` at a
``run(args, settings) -> int`` function; heavy imports happen inside ``run``.
"""

from __future__ import annotations

import argparse
from typing import Any


def command(sub: Any, name: str, handler: str, help_text: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    p.set_defaults(handler=handler)
    return p


MACHINE_FORMATS = ("json", "yaml")


def add_output_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", choices=("text", *MACHINE_FORMATS), default="text",
                   help="text for people; json or yaml: exactly one document on stdout, whatever happens")


def machine_output(args: argparse.Namespace, data: Any) -> bool:
    """With ``--output json|yaml``, write ``data`` as the run's one document and say so (True); else False."""
    if getattr(args, "output", "text") not in MACHINE_FORMATS:
        return False
    from kubecopilot.commands import output as machine

    machine.emit(data, args.output)
    return True


def add_write_flags(p: argparse.ArgumentParser, *, allow_writes_help: str, confirm_name: bool = False) -> None:
    """The approval flags, one policy for every command that has them (``kubecopilot.ui.approval``)."""
    p.add_argument("--allow-writes", action="store_true", help=allow_writes_help)
    p.add_argument("--yes", "-y", action="store_true",
                   help="approve a low/medium-risk change without asking; needs --allow-writes; never high risk alone")
    if confirm_name:
        p.add_argument("--confirm-name", metavar="NAME",
                       help="with --yes on a high-risk plan: the resource's name, as you would type it")
