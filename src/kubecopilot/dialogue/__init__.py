"""The conversation domain: turns, session memory, slot filling, offline understanding and diagnosis.

No crewAI, rich or prompt_toolkit here; the crew and the REPL are adapters around this package.
"""
