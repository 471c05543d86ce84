"""``kubecopilot config show|path``: the effective configuration, secrets masked."""

from __future__ import annotations

import argparse
import json
from typing import Any

import yaml

from kubecopilot.commands import add_output_flag, command
from kubecopilot.config import Settings


def add_parser(sub: Any) -> None:
    p = command(sub, "config", "kubecopilot.commands.config:run", "show the effective configuration (secrets masked)")
    p.add_argument("action", choices=("show", "path"), nargs="?", default="show")
    add_output_flag(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "path":
        print(settings.config_file)
        return 0
    data = settings.masked()
    if args.output == "json":
        print(json.dumps(data, indent=2, default=str))
    else:
        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip())
    return 0
