"""``kubecopilot config show|path``: the effective configuration, secrets masked."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kubecopilot.commands import add_output_flag, command, machine_output

if TYPE_CHECKING:
    from kubecopilot.config import Settings


def add_parser(sub: Any) -> None:
    p = command(sub, "config", "kubecopilot.commands.config:run", "show the effective configuration (secrets masked)")
    p.add_argument("action", choices=("show", "path"), nargs="?", default="show")
    add_output_flag(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "path":
        if not machine_output(args, {"configFile": str(settings.config_file), "dataDir": str(settings.data_dir)}):
            print(settings.config_file)
        return 0
    data = settings.masked()
    if not machine_output(args, data):
        import yaml

        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip())
    return 0
