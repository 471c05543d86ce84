"""The public Kubernetes MCP servers, installed once from npm into a cache outside the test HOME.

``KUBECOPILOT_NPM_CACHE`` names the cache (default ``~/.cache/kubecopilot/npm``, resolved when this module is
imported, before the tests' throwaway HOME is set). Each package goes to ``<cache>/<name>@<version>``, installed into
a temporary directory first and renamed into place, so parallel runs never see half an install.
``python tests/realservers/npm.py`` pre-installs them all (``.ci/run`` does, before pytest).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("KUBECOPILOT_NPM_CACHE") or Path.home() / ".cache" / "kubecopilot" / "npm").expanduser()
INSTALL_TIMEOUT_S = 600


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    entry: str  # the file that proves the install, relative to the install directory

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def directory(self) -> Path:
        return CACHE / self.spec

    @property
    def entry_path(self) -> Path:
        return self.directory / self.entry


_KMS_BINARY = "node_modules/kubernetes-mcp-server-linux-amd64/bin/kubernetes-mcp-server-linux-amd64"
PACKAGES = {
    "kms-0.0.66": Package("kubernetes-mcp-server", "0.0.66", _KMS_BINARY),
    "kms-0.0.67": Package("kubernetes-mcp-server", "0.0.67", _KMS_BINARY),
    "flux159-4.1.7": Package("mcp-server-kubernetes", "4.1.7", "node_modules/mcp-server-kubernetes/dist/index.js"),
}


def missing_tools() -> list[str]:
    return [tool for tool in ("node", "npm") if shutil.which(tool) is None]


def ensure(package: Package) -> Path:
    """The installed entry file, installing the package first if the cache does not hold it."""
    if package.entry_path.exists():
        return package.entry_path
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{package.spec}.", dir=CACHE))
    try:
        # cwd is the staging directory: npm reads "name@version" as a folder when one of that name is in the cwd.
        done = subprocess.run(["npm", "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--loglevel=error",
                               package.spec], cwd=staging, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        if done.returncode != 0:
            raise RuntimeError(f"npm install {package.spec} failed ({done.returncode}): {done.stderr[-2000:]}")
        if not (staging / package.entry).exists():
            raise RuntimeError(f"npm install {package.spec} did not install {package.entry}")
        try:
            staging.rename(package.directory)
        except OSError:  # another run finished first: use its install
            if not package.entry_path.exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return package.entry_path


if __name__ == "__main__":
    for key, pkg in PACKAGES.items():
        print(f"{key}: {ensure(pkg)}", file=sys.stderr)
