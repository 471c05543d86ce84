"""One module per CLI command.

Each module exposes ``add_parser(subparsers)`` (argparse only, cheap to import) and points ``handler`` at a
``run(args, settings) -> int`` function; heavy imports happen inside ``run``.
"""

from __future__ import annotations

import argparse
from typing import Any


def command(sub: Any, name: str, handler: str, help_text: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text, description=help_text)
    p.set_defaults(handler=handler)
    return p


def add_output_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", choices=("text", "json"), default="text", help="output format")
