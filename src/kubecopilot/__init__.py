"""KubeCopilot: a conversational Kubernetes assistant for the terminal."""

import os as _os

__version__ = "0.1.0"

# crewAI and litellm phone home at import time unless told not to (telemetry host, tracing, a price map from the
# internet). Set the switches before anything can import them; users may still override them explicitly.
for _var, _value in (
    ("CREWAI_DISABLE_TELEMETRY", "true"),
    ("CREWAI_TRACING_ENABLED", "false"),
    ("OTEL_SDK_DISABLED", "true"),
    ("LITELLM_LOCAL_MODEL_COST_MAP", "True"),
):
    _os.environ.setdefault(_var, _value)
