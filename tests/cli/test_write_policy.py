"""One --yes policy for every command that approves: the same flags, the same refusals, before anything happens.

The server URL points at a port nothing listens on: a command that got as far as connecting would exit 69, so exit 2
proves the flags were refused first.
"""

from __future__ import annotations

import pytest

from kubecopilot.cli import build_parser, main
from kubecopilot.errors import ExitCode

NOWHERE = "http://127.0.0.1:9/sse"
APPROVING = {
    "ask": ["ask", "scale cart-service-v1 to 2"],
    "plans approve": ["plans", "approve", "0badc0de"],
    "rollback": ["rollback", "0badc0de"],
}


def approving_commands() -> set[str]:
    """Every (sub)command whose parser has --yes, found by walking the real parser."""
    found, parser = set(), build_parser()
    stack = [("", parser)]
    while stack:
        prefix, p = stack.pop()
        if any("--yes" in action.option_strings for action in p._actions):
            found.add(prefix.strip())
        for action in p._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                stack += [(f"{prefix} {name}", child) for name, child in action.choices.items()]
    return found


def test_every_command_with_yes_is_covered_here():
    assert approving_commands() == set(APPROVING)


@pytest.mark.parametrize("command", APPROVING)
def test_yes_without_allow_writes_is_refused_everywhere_before_anything_runs(command, capsys):
    assert main([*APPROVING[command], "--yes", "--mcp-url", NOWHERE, "--offline"]) == ExitCode.NEEDS_INPUT
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: --yes only approves together with --allow-writes\n")


@pytest.mark.parametrize("command", APPROVING)
def test_every_approving_command_has_the_same_flags(command):
    args = build_parser().parse_args([*APPROVING[command], "--allow-writes", "-y"])
    assert (args.allow_writes, args.yes) == (True, True)


def test_confirm_name_only_counts_with_yes_and_allow_writes(capsys):
    code = main(["plans", "approve", "0badc0de", "--confirm-name", "cart", "--mcp-url", NOWHERE, "--offline"])
    assert code == ExitCode.NEEDS_INPUT
    assert "--confirm-name only counts together with --yes --allow-writes" in capsys.readouterr().err
