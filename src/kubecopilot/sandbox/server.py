"""The sandbox as an MCP server (official ``mcp`` SDK, low-level API): a thin layer over ``ClusterSet.call``.

Over HTTP one app serves both transports — SSE at ``/sse`` (+ ``/messages/``) and streamable HTTP at ``/mcp`` —
as containers/kubernetes-mcp-server does; ``--transport`` picks which URL is announced. ``--transport stdio``
serves on stdin/stdout. ``run_cli`` is the handler of ``kubecopilot sandbox``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import anyio
import mcp.types as types
import uvicorn
from mcp.server.lowlevel import Server
from mcp.server.sse import SseServerTransport
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from kubecopilot import __version__
from kubecopilot.errors import KubeCopilotError, UsageError
from kubecopilot.sandbox.world import ClusterSet

log = logging.getLogger(__name__)


class _QuietDisconnects(logging.Filter):
    """The SDK logs a traceback when a streamable-HTTP client simply goes away; that is not an error here."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (record.getMessage().startswith("Error in standalone SSE writer")
                    and isinstance(exc, anyio.ClosedResourceError))


logging.getLogger("mcp.server.streamable_http").addFilter(_QuietDisconnects())

TRANSPORT_PATHS = {"sse": "/sse", "streamable-http": "/mcp"}
INSTRUCTIONS = (
    "KubeCopilot sandbox: two simulated Kubernetes clusters (dev-cluster, the default, and prod-cluster). "
    "Every tool takes an optional `cluster`. Reads return Kubernetes JSON; describe_* return kubectl-describe text."
)


def build_server(world: ClusterSet) -> Server:
    server: Server = Server("kubecopilot-sandbox", version=__version__, instructions=INSTRUCTIONS)
    tools = [
        types.Tool(name=spec.name, title=spec.title, description=spec.description, inputSchema=spec.input_schema,
                   annotations=types.ToolAnnotations(**spec.annotations))
        for spec in world.tools
    ]

    # The SDK's low-level decorators carry no types.
    @server.list_tools()  # type: ignore[no-untyped-call, untyped-decorator]
    async def list_tools() -> list[types.Tool]:
        return tools

    @server.call_tool(validate_input=False)  # type: ignore[untyped-decorator]  # ClusterSet.call validates, with clearer messages
    async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        try:
            text = await anyio.to_thread.run_sync(world.call, name, arguments)
        except KubeCopilotError as exc:
            return _result(str(exc), error=True)
        except Exception:
            log.exception("sandbox tool %s failed", name)
            return _result(f"internal error in the sandbox while running {name} (details in the server log)", error=True)
        return _result(text)

    return server


def _result(text: str, error: bool = False) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], isError=error)


def _security(host: str) -> TransportSecuritySettings | None:
    """DNS-rebinding protection when bound to loopback (what FastMCP does too)."""
    if not _is_loopback(host):
        return None
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _ASGIEndpoint:
    """Starlette calls a class instance endpoint as a raw ASGI app (streamable HTTP needs the raw send)."""

    def __init__(self, manager: StreamableHTTPSessionManager) -> None:
        self.manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.manager.handle_request(scope, receive, send)


def build_app(world: ClusterSet, host: str = "127.0.0.1") -> Starlette:
    """A fresh Starlette app (a session manager runs only once, so every (re)start builds a new app)."""
    server = build_server(world)
    security = _security(host)
    sse = SseServerTransport("/messages/", security_settings=security)
    manager = StreamableHTTPSessionManager(app=server, security_settings=security)

    async def handle_sse(request: Request) -> Response:
        async with sse.connect_sse(request.scope, request.receive, request._send) as (read, write):  # noqa: SLF001
            await server.run(read, write, server.create_initialization_options())
        return Response()

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "scenario": world.scenario, "tools": len(world.tools)})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with manager.run():
            yield

    from kubecopilot.sandbox.kubeapi.app import routes as kube_routes

    routes = [
        Route("/sse", endpoint=handle_sse, methods=["GET"]),
        Mount("/messages/", app=sse.handle_post_message),
        Route("/mcp", endpoint=_ASGIEndpoint(manager)),
        Route("/healthz", endpoint=health, methods=["GET"]),
        *kube_routes(world),  # the Kubernetes REST API of each cluster, under /k8s/<cluster>
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one. SO_REUSEADDR lets a restart take the same port back."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise KubeCopilotError(f"cannot listen on {host}:{port}: {exc.strerror}",
                               hint="choose another --port (0 picks a free one)") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class UvicornServer(uvicorn.Server):
    """uvicorn with three changes: ``on_ready`` runs once it serves; a signal stops it cleanly (exit 0, no
    re-raised signal); and shutdown does not wait for long-lived SSE streams."""

    def __init__(self, config: uvicorn.Config, on_ready: Any = None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self._on_ready is not None and self.started:
            self._on_ready()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # SSE streams never end by themselves. Dropping their connections looks like clients leaving, so the
        # handlers finish quietly and the graceful shutdown below has nothing left to wait for.
        for connection in list(self.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.close()
        await super().shutdown(sockets=sockets)

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.request_stop()

    def request_stop(self) -> None:
        """Stop serving; a second request skips the remaining graceful steps."""
        self.force_exit = self.should_exit
        self.should_exit = True


def uvicorn_config(app: Starlette) -> uvicorn.Config:
    return uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1, access_log=False)


def url_for(host: str, port: int, transport: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{TRANSPORT_PATHS[transport]}"


# --- CLI --------------------------------------------------------------------------------------------------------


def run_cli(args: argparse.Namespace, settings: Any) -> int:
    """``kubecopilot sandbox``: serve until Ctrl-C / SIGTERM, then exit 0."""
    scenario = args.scenario or getattr(settings, "sandbox_scenario", None) or "default"
    world = ClusterSet(scenario)
    if args.transport == "stdio":
        if getattr(args, "write_kubeconfig", None):
            raise UsageError("--write-kubeconfig needs an HTTP transport: the Kubernetes API is served on the sandbox's port",
                             hint="use --transport sse or streamable-http")
        anyio.run(_serve_stdio, world)
        return 0
    sock = bind_socket(args.host, args.port)
    port = sock.getsockname()[1]
    url = url_for(args.host, port, args.transport)

    base = url.rsplit("/", 1)[0]
    kubeconfig = getattr(args, "write_kubeconfig", None)

    def announce() -> None:
        print(f"KubeCopilot sandbox (scenario {scenario}, {len(world.tools)} tools) listening on {url}", flush=True)
        print(_kube_api_line(world, base, kubeconfig), flush=True)

    server = UvicornServer(uvicorn_config(build_app(world, args.host)), on_ready=announce)
    asyncio.run(server.serve(sockets=[sock]))
    return 0


def _kube_api_line(world: ClusterSet, base: str, kubeconfig: str | None) -> str:
    """The second startup line: where the Kubernetes API is, and the kubeconfig when one was asked for."""
    from kubecopilot.sandbox.kubeapi.kubeconfig import api_url, write_kubeconfig

    if kubeconfig is None:
        return (f"Kubernetes API: {api_url(base, world.current)} (one per cluster under {base}/k8s/; "
                "--write-kubeconfig PATH writes a kubeconfig for kubectl)")
    path = write_kubeconfig(world, base, kubeconfig)
    return f"Kubernetes API: {api_url(base, world.current)}; kubeconfig written to {path} (KUBECONFIG={path} kubectl get pods -n dev)"


async def _serve_stdio(world: ClusterSet) -> None:
    from mcp.server.stdio import stdio_server

    server = build_server(world)
    async with stdio_server() as (read, write):
        with contextlib.suppress(anyio.get_cancelled_exc_class()):
            await server.run(read, write, server.create_initialization_options())


