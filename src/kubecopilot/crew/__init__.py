"""The crewAI adapter around the domain core: LLM, gateway-backed tools, the write-guard hook, the crew.

Importing this package sets the environment crewAI and litellm need to stay offline and quiet (no telemetry, no
tracing, no price-map download) before any of its modules imports them; explicit settings win. Nothing outside
``kubecopilot.crew`` (and the CLI/REPL that loads it lazily) may import crewAI — it costs seconds.
"""

from __future__ import annotations

import os

for _var, _value in (
    ("CREWAI_DISABLE_TELEMETRY", "true"),
    ("CREWAI_TRACING_ENABLED", "false"),
    ("OTEL_SDK_DISABLED", "true"),
    ("LITELLM_LOCAL_MODEL_COST_MAP", "True"),
):
    os.environ.setdefault(_var, _value)
