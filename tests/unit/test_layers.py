"""The layers of src/kubecopilot: one table says what each package may import, and this test holds every module to
it (the same table is in docs/architecture.md). An import inside a function counts (a lazy import hides an arrow, it
does not remove it); one under ``if TYPE_CHECKING:`` loads nothing and does not.

Reading the table: a package may import the packages on its line (and itself), and the third-party libraries on its
line; the standard library is always allowed. ``*`` allows anything.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "kubecopilot"

CORE = ("errors", "outcomes", "paths", "config", "resources", "redaction", "messages", "k8s", "quantity", "logs", "__init__")
DOMAIN = ("tools", "plans", "diagnosis", "prompting", "dialogue")

# package → (kubecopilot packages it may import, third-party libraries it may import)
LAYERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "core": ((), ("pydantic", "yaml", "dotenv", "babel")),  # babel: the catalogue's CLDR plural rules
    "sandbox": ((), ("mcp", "uvicorn", "starlette", "anyio", "jsonpatch", "jsonschema", "yaml", "pydantic")),
    "tools": ((), ("mcp", "anyio", "httpx", "cachetools", "tenacity", "yaml", "pydantic")),
    "plans": ((), ("pydantic", "jsonpatch", "jsonpointer", "sqlalchemy", "psycopg", "cryptography", "yaml")),
    "diagnosis": (("tools",), ("pydantic", "yaml")),
    "prompting": (("diagnosis",), ("pydantic", "yaml")),
    "dialogue": (("tools", "plans", "diagnosis", "prompting"), ("pydantic", "yaml")),
    "crew": (("tools", "plans", "diagnosis", "prompting", "dialogue"), ("crewai", "litellm", "pydantic", "tenacity")),
    "ui": (("tools", "plans", "diagnosis", "dialogue"), ("rich", "prompt_toolkit", "pydantic")),
    "app": (("sandbox", *DOMAIN, "crew"), ("pydantic",)),
    "commands": (("*",), ("*",)),
    "cli": (("commands",), ("argcomplete",)),
    "__main__": (("cli",), ()),
    "testing": (("*",), ("*",)),
}


def layer_of(module: str) -> str:
    """``kubecopilot.dialogue.engine`` → ``dialogue``; a root module of the core → ``core``."""
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else "__init__"
    return "core" if name in CORE else name


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(sub) for node in ast.walk(tree)
                   if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test) for sub in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from kubecopilot import messages" imports the module kubecopilot.messages (__version__: the package)
            found |= ({f"kubecopilot.{a.name}" if (PACKAGE / a.name).exists() or (PACKAGE / f"{a.name}.py").exists()
                       else "kubecopilot" for a in node.names} if node.module == "kubecopilot" else {node.module})
    return found


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def violations(modules: dict[str, Path], layers: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]) -> list[str]:
    found = []
    for module, path in sorted(modules.items()):
        mine = layer_of(module)
        packages, libraries = layers[mine]
        for target in sorted(_imports(path)):
            top = target.split(".")[0]
            if top == "kubecopilot":
                theirs = layer_of(target)
                if theirs not in (mine, "core", *packages) and "*" not in packages:
                    found.append(f"{module} imports {target} ({mine} ↛ {theirs})")
            elif top not in sys.stdlib_module_names and top != "__future__" and top not in libraries and "*" not in libraries:
                found.append(f"{module} imports {top} ({mine} may not use {top})")
    return found


def test_every_package_imports_only_what_its_layer_allows():
    assert violations(_modules(), LAYERS) == []


def test_every_package_has_a_line_in_the_table():
    assert {layer_of(m) for m in _modules()} <= set(LAYERS)


def test_the_table_is_the_one_in_the_architecture_doc():
    doc = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for layer, (packages, libraries) in LAYERS.items():
        line = next((row for row in doc.splitlines() if row.startswith(f"| `{layer}` ")), None)
        assert line is not None, f"docs/architecture.md has no row for {layer}"
        for name in (*packages, *libraries):
            assert f"`{name}`" in line or name == "*" and "anything" in line, (layer, name)


@pytest.mark.parametrize(("module", "source", "why"), [
    ("kubecopilot.diagnosis.x", "from kubecopilot.dialogue.turns import Answer", "diagnosis ↛ dialogue"),
    ("kubecopilot.ui.x", "from kubecopilot.commands.tools import render_table", "ui ↛ commands"),
    ("kubecopilot.dialogue.x", "import crewai", "dialogue may not use crewai"),
    ("kubecopilot.plans.x", "from rich.table import Table", "plans may not use rich"),
    ("kubecopilot.ui.x", "import mcp", "ui may not use mcp"),
])
def test_the_checker_catches_a_forbidden_arrow(tmp_path, module, source, why):
    path = tmp_path / "x.py"
    path.write_text(f"def later():\n    {source}\n", encoding="utf-8")  # inside a function: still an arrow
    assert any(why in v for v in violations({module: path}, LAYERS))


@pytest.mark.parametrize(("imported", "never_loaded"), [
    # the domain, imported whole, loads no agent or terminal library (rich: httpx loads it for its own CLI)
    ("kubecopilot.tools.gateway, kubecopilot.tools.ops, kubecopilot.tools.launch",
     ("crewai", "litellm", "prompt_toolkit", "kubecopilot.crew", "kubecopilot.ui", "kubecopilot.dialogue", "kubecopilot.plans")),
    ("kubecopilot.plans.service, kubecopilot.plans.executor", ("rich", "prompt_toolkit", "crewai", "litellm", "kubecopilot.tools")),
    ("kubecopilot.dialogue.engine, kubecopilot.diagnosis.scan", ("crewai", "litellm", "prompt_toolkit", "kubecopilot.ui")),
    ("kubecopilot.crew", ("crewai",)),  # the adapter package itself is cheap: crewAI loads when a crew is built
])
def test_at_run_time_too_an_import_loads_nothing_its_layer_may_not(imported, never_loaded):
    code = f"import sys, {imported}; print(sorted(m for m in {never_loaded!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
