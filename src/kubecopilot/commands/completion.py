"""``kubecopilot completion bash|zsh|fish``: the shell's completion script (argcomplete), to ``eval`` or save.

Completing asks ``kubecopilot`` itself for the words (argcomplete's protocol): the subcommands, flags and choices of
the real parser, so the script never goes stale. ``cli.main`` answers before it loads settings or anything heavy.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kubecopilot.commands import command

if TYPE_CHECKING:
    from kubecopilot.config import Settings

SHELLS = ("bash", "zsh", "fish")
INSTALL = {
    "bash": 'eval "$(kubecopilot completion bash)"            # in ~/.bashrc',
    "zsh": 'eval "$(kubecopilot completion zsh)"             # in ~/.zshrc (after compinit)',
    "fish": "kubecopilot completion fish > ~/.config/fish/completions/kubecopilot.fish",
}


def add_parser(sub: Any) -> None:
    p = command(sub, "completion", "kubecopilot.commands.completion:run",
                "print the shell completion script: " + "; ".join(INSTALL.values()))
    p.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    p.set_defaults(needs_settings=False)  # works with a broken config file too: it is how you type the fix


def run(args: argparse.Namespace, settings: Settings | None) -> int:
    from argcomplete.shell_integration import shellcode

    print(shellcode(["kubecopilot"], shell=args.shell), end="")
    return 0
