"""KubeCopilot: a conversational Kubernetes assistant for the terminal."""

import os as _os
import sys as _sys

__version__ = "0.1.0"

# httpx imports its own command-line client (click, pygments, rich.progress: a tenth of a second) unless that import
# fails, and then offers a stub. KubeCopilot never runs httpx's CLI, so the REPL and its sandbox child both start that
# much sooner (benchmarks/startup.py). Only when httpx is not imported yet: an embedding program keeps what it has.
if "httpx" not in _sys.modules:
    _sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: "cannot be imported"

# crewAI and litellm phone home at import time unless told not to (telemetry host, tracing, a price map from the
# internet). Set the switches before anything can import them; users may still override them explicitly.
for _var, _value in (
    ("CREWAI_DISABLE_TELEMETRY", "true"),
    ("CREWAI_TRACING_ENABLED", "false"),
    ("OTEL_SDK_DISABLED", "true"),
    ("LITELLM_LOCAL_MODEL_COST_MAP", "True"),
):
    _os.environ.setdefault(_var, _value)
