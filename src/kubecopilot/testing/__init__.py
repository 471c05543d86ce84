"""Test doubles that are real enough to ship: a scripted crewAI LLM and an OpenAI-compatible stub server; and the
launcher of the public Kubernetes MCP servers (``servers``) for the real-server tier.

Used by the test suite, the scenario evals and the benchmarks (the stub counts what an LLM would receive).
"""
