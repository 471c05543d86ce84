"""The built-in sandbox: two simulated Kubernetes clusters served as a real MCP server.

- Domain (no MCP imports): ``world.ClusterSet`` / ``cluster.Cluster`` and the modules they use (store,
  controllers, kubelet, rules, describe, logs, ops …), with scenario data in ``scenarios/*.yaml`` and the tool
  catalogue in ``tools.yaml``.
- ``server``: the MCP server (SSE ``/sse`` and streamable HTTP ``/mcp`` on one port, or stdio) and
  ``run_cli`` for ``kubecopilot sandbox``.
- ``runner``: ``start_sandbox`` (background thread, for tests) and ``spawn_sandbox`` (child process, for the REPL).
"""
