"""Pre-install the public Kubernetes MCP servers into ``KUBECOPILOT_NPM_CACHE`` (``.ci/run`` runs this before pytest,
so no test timeout pays for the download). The packages and the cache are ``kubecopilot.testing.servers``'."""

from __future__ import annotations

import sys

from kubecopilot.testing.servers import PACKAGES, ensure

if __name__ == "__main__":
    for key, pkg in PACKAGES.items():
        print(f"{key}: {ensure(pkg)}", file=sys.stderr)
