"""Find the top-level data files (agents.yaml, tasks.yaml, prompts/) from a checkout or an installed wheel.

In a checkout they sit at the repository root; the wheel carries them under ``kubecopilot/_data`` (see
``pyproject.toml``, ``force-include``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_PACKAGE_DIR = Path(__file__).resolve().parent
_CANDIDATES = (_PACKAGE_DIR / "_data", _PACKAGE_DIR.parent.parent)


def data_path(name: str) -> Path:
    """Path of a shipped data file or folder such as ``"agents.yaml"`` or ``"prompts"``."""
    for root in _CANDIDATES:
        candidate = root / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"KubeCopilot data file {name!r} is missing from {[str(c) for c in _CANDIDATES]}")


def package_path(*parts: str) -> Path:
    """Path of a file inside the ``kubecopilot`` package (scenarios, rules, analyzers)."""
    return _PACKAGE_DIR.joinpath(*parts)


def read_yaml(path: Path) -> Any:
    """A YAML file the product ships, parsed with libyaml's C loader when PyYAML has it (about 10× faster than the
    pure-Python one; the message catalogue and the intent vocabulary are read on the way to the first prompt)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
