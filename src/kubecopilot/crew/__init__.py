"""The crewAI adapter around the domain core: LLM, gateway-backed tools, the write-guard hook, the crew.

crewAI's and litellm's offline switches (no telemetry, tracing or price-map download) are set by the top-level
``kubecopilot`` package, which Python imports before this one. Nothing outside ``kubecopilot.crew`` (and the
CLI/REPL that loads it lazily) may import crewAI — it costs seconds.
"""
