"""The Kubernetes REST API of the sandbox's clusters (for kubectl, client-go and the public Kubernetes MCP servers),
served next to the MCP endpoints: ``http://127.0.0.1:PORT/k8s/<cluster>``. Reads and writes go through the same
simulated clusters (``world.ClusterSet``) and the same machinery as the sandbox's MCP tools.

- ``app``: the Starlette routes, discovery and watch dispatch; ``handlers``: one call → its handler, read shapes;
  ``writes``: create, update, patch (``smp`` for strategic merge), delete, scale; ``extras``: logs, access reviews,
  metrics, events.k8s.io; ``watch``: streaming watches; ``tables``/``columns``: Table output; ``fields``: field
  selectors; ``discovery``/``openapi``: what clients read before they ask; ``kubeconfig``: a kubeconfig for it.
"""
