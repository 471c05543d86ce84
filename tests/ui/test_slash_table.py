"""The slash commands are one table: every entry has its words in both languages, its line in /help and in the
docs, and what its argument completes from; the commands see a narrow context, and ``ui`` never imports ``commands``."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

from kubecopilot.messages import MESSAGES
from kubecopilot.ui import slash
from kubecopilot.ui.slash import ALIASES, BY_NAME, COMMANDS, SlashContext

UI = Path(slash.__file__).resolve().parent
ROOT = UI.parents[2]


def test_every_command_has_a_help_line_in_every_language_and_a_unique_name():
    assert len(BY_NAME) == len(COMMANDS)
    for command in COMMANDS:
        assert command.name.startswith("/") and command.name == command.name.lower()
        assert set(MESSAGES[command.help_key]) == {"en", "zh"}, command.name


def test_aliases_name_commands_of_the_table():
    assert set(ALIASES.values()) <= set(BY_NAME)


def test_only_quit_leaves_and_arguments_complete_from_a_known_source():
    assert [c.name for c in COMMANDS if c.leaves] == ["/quit"]
    assert {c.name: c.argument for c in COMMANDS if c.argument} == {
        "/ns": "namespace", "/cluster": "cluster", "/approve": "plan", "/rollback": "plan"}


def test_ns_and_cluster_are_one_function_over_two_scopes():
    assert BY_NAME["/ns"].run.__qualname__ == BY_NAME["/cluster"].run.__qualname__ == "switch.<locals>.run"


def test_the_context_holds_the_apps_parts_and_callbacks_not_the_repl():
    fields = {f.name for f in dataclasses.fields(SlashContext)}
    assert fields == {"console", "conversation", "gateway", "plans", "names", "server", "default_cluster", "show",
                      "decide", "model"}
    assert "repl" not in imported_modules(UI / "slash.py")


def test_ui_never_imports_commands():
    offenders = {p.name: sorted(m for m in imported_modules(p) if m.startswith("kubecopilot.commands"))
                 for p in UI.glob("*.py")}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_docs_list_exactly_the_table():
    repl_md = (ROOT / "docs" / "repl.md").read_text(encoding="utf-8")
    section = repl_md.split("## Slash commands", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(/[a-z]+)", section, re.M)
    assert documented == [c.name for c in COMMANDS]


def test_help_says_every_command_in_the_sessions_language(repl):
    repl.send("列出所有命名空间")
    shown = repl.send("/help")
    for command in COMMANDS:
        line = next(line for line in shown.splitlines() if line.strip().startswith(command.name + " "))
        assert MESSAGES[command.help_key]["zh"] in line


def test_ns_and_cluster_speak_the_sessions_language(repl):
    repl.send("列出所有命名空间")
    assert "这里没有命名空间 'nope'。 已知：default, dev, kube-system, production。" in repl.send("/ns nope")
    assert "没有集群 'mars'。" in repl.send("/cluster mars")
    assert "命名空间 → dev" in repl.send("/ns dev")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return {m.removeprefix("kubecopilot.ui.") for m in found}
