"""The shape rules of docs/architecture.md that are not the import table (tests/unit/test_layers.py): start-up paths
don't load crewAI, and the wheel carries the crew's YAML and prompts."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "kubecopilot"
FORBIDDEN = {"crewai", "litellm", "rich", "prompt_toolkit"}


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys; {statement}; print(sorted(m for m in {sorted(FORBIDDEN - {'rich'})!r} if m in sys.modules))"
    return eval(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def test_the_conversation_and_the_app_load_without_crewai():
    assert _loaded_after("import kubecopilot.app, kubecopilot.dialogue.engine, kubecopilot.crew.brain") == []


def test_the_app_opens_the_audit_ledger_only_when_used():
    code = "import sys, kubecopilot.app, kubecopilot.commands.repl; print('sqlalchemy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_cli_help_does_not_load_crewai():
    code = ("import sys, contextlib, io; from kubecopilot.cli import main\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()): main(['--help'])\n"
            "print('crewai' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_the_wheel_ships_agents_tasks_and_prompts(tmp_path):
    root = SRC.parents[1]
    build = subprocess.run(["uv", "build", "--wheel", "--out-dir", str(tmp_path), str(root)], capture_output=True, text=True)
    if build.returncode != 0:
        pytest.fail(build.stderr[-2000:])
    wheel = next(tmp_path.glob("kubecopilot-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("kubecopilot/_data/agents.yaml", "kubecopilot/_data/tasks.yaml", "kubecopilot/_data/prompts/manifest.json",
                 "kubecopilot/dialogue/intents.yaml", "kubecopilot/plans/risk_rules.yaml",
                 "kubecopilot/diagnosis/analyzers.yaml", "kubecopilot/messages.yaml"):
        assert name in names, name
    assert any(n.startswith("kubecopilot/sandbox/scenarios/") for n in names)
    assert any(n.startswith("kubecopilot/tools/profiles/") for n in names)
