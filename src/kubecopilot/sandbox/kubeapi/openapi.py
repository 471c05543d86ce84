"""A minimal OpenAPI v3 (``/openapi/v3`` and one document per group version), enough for kubectl: before
``apply``/``create``/``replace`` it checks there that each kind's PATCH accepts ``fieldValidation``; finding it,
kubectl leaves validation to the server (it sends ``fieldValidation=Strict``) instead of downloading schemas, and
``apply`` falls back to its built-in types for the patch it computes. The documents carry paths, not schemas:
``kubectl explain`` has nothing to explain. ``/openapi/v2`` is not served (client-go only reads it as protobuf)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from kubecopilot.sandbox import kinds
from kubecopilot.sandbox.errors import NotFound

ROOT = "openapi/v3"
_QUERY = [{"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
          for name in ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")]


def _gv_path(api_version: str) -> str:
    return f"api/{api_version}" if "/" not in api_version else f"apis/{api_version}"


def _item_path(k: kinds.Kind) -> str:
    scope = "namespaces/{namespace}/" if k.namespaced else ""
    return f"/{_gv_path(k.api_version)}/{scope}{k.plural}/{{name}}"


@cache
def group_version_document(api_version: str) -> dict[str, Any]:
    served = [k for k in kinds.KINDS if k.api_version == api_version]
    if not served:
        raise NotFound(f"the server could not find the requested resource (openapi for {api_version})")
    group, _, version = api_version.rpartition("/")
    paths = {}
    for k in served:
        gvk = {"group": group, "version": version, "kind": k.kind}
        operation = {"operationId": f"patch{k.kind}", "x-kubernetes-group-version-kind": gvk,
                     "x-kubernetes-action": "patch", "parameters": _QUERY,
                     "responses": {"200": {"description": "OK"}}}
        paths[_item_path(k)] = {"patch": operation}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "unversioned"}, "paths": paths,
            "components": {"schemas": {}}}


@cache
def root() -> dict[str, Any]:
    paths = {}
    for api_version in dict.fromkeys(k.api_version for k in kinds.KINDS):
        text = json.dumps(group_version_document(api_version), sort_keys=True)
        digest = hashlib.sha512(text.encode()).hexdigest()[:128].upper()
        paths[_gv_path(api_version)] = {"serverRelativeURL": f"/{ROOT}/{_gv_path(api_version)}?hash={digest}"}
    return {"paths": paths}


def document(path: str) -> dict[str, Any]:
    """``openapi/v3`` (the index) or ``openapi/v3/api/v1``, ``openapi/v3/apis/apps/v1`` …"""
    if path == ROOT:
        return root()
    if path.startswith(ROOT + "/api/") or path.startswith(ROOT + "/apis/"):
        rest = path[len(ROOT) + 1:].split("/")
        return group_version_document("/".join(rest[1:]) if rest[0] == "apis" else rest[1])
    raise NotFound(f"the server could not find the requested resource ({path})")
