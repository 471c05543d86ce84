"""The MCP tool layer: the one path from KubeCopilot to a Kubernetes MCP server.

``client`` (one long-lived MCP session) → ``catalog`` (list / read / write per tool) → ``cache`` (reads) →
``gate`` (writes need an approval token) → ``gateway.ToolGateway`` (the only object holding the client).
``profiles`` map what KubeCopilot needs (list pods, logs, scale, …) to a server's concrete tools, ``parsers`` turn
their output into ``Record``s, ``ops.ClusterOps`` is what the plan executor uses, ``factory.connect_gateway`` wires
it all from settings.

This package never imports crewAI or terminal libraries (see docs/architecture.md); import the submodules you need.
"""
