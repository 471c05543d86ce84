"""Find the top-level data files (agents.yaml, tasks.yaml, prompts/) from a checkout or an installed wheel.

In a checkout they sit at the repository root; the wheel carries them under ``kubecopilot/_data`` (see
``pyproject.toml``, ``force-include``).
"""

from __future__ import annotations

from pathlib import Path

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
    """Path of a file inside the ``kubecopilot`` package (scenarios, rules, runbooks)."""
    return _PACKAGE_DIR.joinpath(*parts)
