"""Where KubeCopilot keeps its files (XDG base directories), without loading the settings machinery.

Cheap on purpose: the REPL decides whether to start its sandbox before pydantic is imported (``commands.repl``).
"""

from __future__ import annotations

import os
from pathlib import Path


def config_home() -> Path:
    """``$KUBECOPILOT_HOME``, else ``$XDG_CONFIG_HOME/kubecopilot``, else ``~/.config/kubecopilot``."""
    if os.environ.get("KUBECOPILOT_HOME"):
        return Path(os.environ["KUBECOPILOT_HOME"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base).expanduser() / "kubecopilot"


def data_home() -> Path:
    """``$KUBECOPILOT_HOME``, else ``$XDG_DATA_HOME/kubecopilot``, else ``~/.local/share/kubecopilot``."""
    if os.environ.get("KUBECOPILOT_HOME"):
        return Path(os.environ["KUBECOPILOT_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / "kubecopilot"
