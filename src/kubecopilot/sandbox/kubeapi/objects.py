"""Shared pieces of the REST layer: the request as the handlers see it, their answer, object export (Secret
values never leave the sandbox, as with its MCP tools) and list envelopes."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from kubecopilot.sandbox import kinds
from kubecopilot.sandbox.errors import APIError, BadRequest
from kubecopilot.sandbox.kubeapi.paths import ResourcePath
from kubecopilot.sandbox.ops import common

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

Obj = dict[str, Any]
# A Secret's values read "<redacted>", base64-encoded so that clients decoding []byte still can.
REDACTED = base64.b64encode(b"<redacted>").decode()


class MethodNotAllowed(APIError):
    reason = "MethodNotAllowed"


class UnsupportedMediaType(APIError):
    reason = "UnsupportedMediaType"


@dataclass(frozen=True)
class Call:
    """One REST request: method, parsed path, query parameters, body and its content type."""

    method: str
    path: ResourcePath
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = "application/json"
    accept: str = "application/json"

    def json_body(self) -> Any:
        if not self.body:
            return None
        if "protobuf" in self.content_type or "cbor" in self.content_type:
            raise UnsupportedMediaType(f"the sandbox reads JSON and YAML request bodies, not {self.content_type}")
        try:
            if "yaml" in self.content_type:
                return yaml.load(self.body, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            return json.loads(self.body)
        except (ValueError, yaml.YAMLError) as exc:
            raise BadRequest(f"the request body is not valid {'YAML' if 'yaml' in self.content_type else 'JSON'}: {exc}") from None

    def object_body(self) -> Obj:
        body = self.json_body()
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        return body

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("true", "1")

    def dry_run(self) -> bool:
        return "All" in self.query.get("dryRun", "")


@dataclass(frozen=True)
class Reply:
    status: int
    body: Obj | str  # a JSON object, or plain text (logs)


def export(obj: Obj) -> Obj:
    """As the MCP tools export it, with the placeholder base64-encoded: the API's Secret data is base64."""
    return common.export(obj, REDACTED)


def list_of(kind: kinds.Kind, c: Cluster, items: list[Obj]) -> Obj:
    return {"apiVersion": kind.api_version, "kind": kind.list_kind,
            "metadata": {"resourceVersion": str(c.store.revision)}, "items": [export(o) for o in items]}


def wants(accept: str, shape: str) -> bool:
    """True when the Accept header asks for ``as=<shape>`` (Table, PartialObjectMetadata, …) in meta.k8s.io."""
    for option in accept.split(","):
        params = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in option.split(";")[1:])}
        if params.get("as") == shape and params.get("g") == "meta.k8s.io":
            return True
    return False
