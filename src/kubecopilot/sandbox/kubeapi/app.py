"""The Kubernetes REST API of the sandbox's clusters, as Starlette routes served by the MCP server's uvicorn app:
``/k8s/<cluster>/api/v1/...``, one prefix per cluster. Plain http on loopback; no authentication (kubectl sends no
credentials to an http:// server anyway)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from kubecopilot.sandbox import kinds
from kubecopilot.sandbox.errors import APIError, NotFound
from kubecopilot.sandbox.kubeapi import discovery, openapi, paths
from kubecopilot.sandbox.kubeapi.extras import events_v1
from kubecopilot.sandbox.kubeapi.handlers import handle
from kubecopilot.sandbox.kubeapi.objects import Call, Obj
from kubecopilot.sandbox.kubeapi.watch import Watch

if TYPE_CHECKING:
    from kubecopilot.sandbox.world import ClusterSet

log = logging.getLogger(__name__)
PREFIX = "/k8s"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_CODES = {"NotFound": 404, "AlreadyExists": 409, "Conflict": 409, "Invalid": 422, "Forbidden": 403, "BadRequest": 400,
          "MethodNotAllowed": 405, "UnsupportedMediaType": 415}


def status(reason: str, message: str, code: int) -> Obj:
    """An error in the API's ``Status`` shape (what ``kubectl`` prints as ``Error from server (Reason): message``)."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


def error_response(exc: APIError) -> JSONResponse:
    code = _CODES.get(exc.reason, 400)
    body = status(exc.reason, exc.message, code)
    details = {k: v for k, v in (("name", exc.details.get("name")), ("kind", exc.details.get("resource"))) if v}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=code)


def routes(world: ClusterSet) -> list[BaseRoute]:
    async def endpoint(request: Request) -> Response:
        cluster = str(request.path_params["cluster"])
        rest = str(request.path_params.get("path", ""))
        log.debug("%s %s accept=%s", request.method, request.url, request.headers.get("accept"))
        try:
            return await _serve(world, cluster, rest, request)
        except APIError as exc:
            return error_response(exc)
        except Exception:
            log.exception("Kubernetes API request %s %s failed", request.method, request.url.path)
            return JSONResponse(status("InternalError", "internal error in the sandbox (details in its log)", 500), status_code=500)

    return [Route(PREFIX + "/{cluster}/{path:path}", endpoint, methods=METHODS),
            Route(PREFIX + "/{cluster}", endpoint, methods=METHODS)]


async def _serve(world: ClusterSet, cluster: str, rest: str, request: Request) -> Response:
    server = f"{request.url.scheme}://{request.url.netloc}{PREFIX}/{cluster}"
    fixed = _static(world, cluster, rest.strip("/"), server) if request.method == "GET" else None
    if fixed is not None:
        return fixed
    call = Call(request.method, paths.parse(rest), dict(request.query_params), await request.body(),
                request.headers.get("content-type", "application/json"), request.headers.get("accept", "application/json"))
    if request.method == "GET" and call.flag("watch"):
        return _watch(world, cluster, call)
    reply = await anyio.to_thread.run_sync(handle, world, cluster, call)
    if isinstance(reply.body, str):
        return PlainTextResponse(reply.body, status_code=reply.status)
    return JSONResponse(reply.body, status_code=reply.status)


def _static(world: ClusterSet, cluster: str, rest: str, server: str) -> Response | None:
    """Discovery, version, health and OpenAPI: everything that is not a resource."""
    if rest in ("healthz", "livez", "readyz"):
        return PlainTextResponse("ok")
    if rest == "version":
        return JSONResponse(discovery.version_info(world.cluster(cluster).version))
    world.cluster(cluster)  # an unknown cluster is a 404 for everything below
    parts = rest.split("/") if rest else []
    body: Any = None
    if rest == "api":
        body = discovery.core_versions(server.split("://", 1)[1].split("/", 1)[0])
    elif rest == "api/v1":
        body = discovery.resource_list("v1")
    elif rest == "apis":
        body = discovery.group_list()
    elif len(parts) == 2 and parts[0] == "apis":
        body = discovery.group(parts[1])
    elif len(parts) == 3 and parts[0] == "apis":
        body = discovery.resource_list(f"{parts[1]}/{parts[2]}")
    elif parts[:1] == ["openapi"]:
        body = openapi.document(rest)
    elif not parts:
        body = {"paths": ["/api", "/api/v1", "/apis", "/version", "/openapi/v2", "/openapi/v3"]}
    return None if body is None else JSONResponse(body)


def _watch(world: ClusterSet, cluster: str, call: Call) -> Response:
    path = call.path
    if path.group_version == discovery.EVENTS and path.resource == "events":
        k, convert = kinds.by_kind("Event"), events_v1
    else:
        found = discovery.stored_kind(path.group_version, path.resource)
        if found is None or path.subresource is not None:
            raise NotFound(f"the server could not find the requested resource (watch {path.resource})")
        k, convert = found, None
    world.cluster(cluster)
    stream = Watch(world, cluster, k, call, convert).stream()
    return StreamingResponse(stream, media_type="application/json")
