"""The tool layer stays free of crewAI and the terminal libraries (docs/architecture.md, "Layers")."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import kubecopilot.tools

TOOLS_DIR = Path(kubecopilot.tools.__file__).parent
FORBIDDEN = ("crewai", "litellm", "rich", "prompt_toolkit")


def test_importing_the_whole_tool_layer_loads_no_agent_or_prompt_library():
    modules = [f"kubecopilot.tools.{p.stem}" for p in sorted(TOOLS_DIR.glob("*.py")) if p.stem != "__init__"]
    code = (
        f"import sys, {', '.join(modules)}; "
        "print(sorted(m for m in ('crewai', 'litellm', 'prompt_toolkit', 'kubecopilot.crew', 'kubecopilot.ui', "
        "'kubecopilot.dialogue', 'kubecopilot.plans') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # (rich does get loaded: httpx imports it for its own CLI whenever it is installed — not our import)
    assert out.strip() == "[]"


def test_no_tool_module_imports_a_forbidden_library_itself():
    for path in TOOLS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not [n for n in names if n.split(".")[0] in FORBIDDEN], (path.name, names)


def test_the_crew_package_itself_is_cheap_to_import():
    code = "import sys, kubecopilot.crew; print('crewai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
