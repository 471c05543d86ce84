"""Helpers shared by the benchmark scripts: loading a sibling script as a module, a throwaway home, RSS."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def load(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as a module (the folder is not a package; names like ``plans`` would clash)."""
    path = HERE / f"{name}.py"
    if not path.exists():
        raise FileNotFoundError(path)
    module_name = f"kubecopilot_bench_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def isolated_home() -> Iterator[Path]:
    """HOME and KUBECOPILOT_HOME in a temp dir: a benchmark must not write into the person's audit ledger or
    crewAI's storage. No LLM keys either: the benchmarks talk to local stubs only."""
    keys = ("HOME", "KUBECOPILOT_HOME", "OPENROUTER_API_KEY", "OPENAI_API_KEY", "KUBECOPILOT_MODEL",
            "KUBECOPILOT_MCP_URL")
    saved = {k: os.environ.get(k) for k in keys}
    with tempfile.TemporaryDirectory(prefix="kubecopilot-bench-") as tmp:
        for key in keys:
            os.environ.pop(key, None)
        os.environ["HOME"] = tmp
        os.environ["KUBECOPILOT_HOME"] = str(Path(tmp) / "kubecopilot")
        try:
            yield Path(tmp)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def rss_mb() -> float:
    """This process's resident set size from /proc/self/status (Linux; psutil is not a dependency)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS in /proc/self/status (not Linux?)")
