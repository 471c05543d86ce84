"""The sandbox's tool catalogue (``tools.yaml``): names, descriptions for an LLM, argument schemas, hints.

Plain data, no MCP types: the server turns each ``ToolSpec`` into an MCP ``Tool``; ``ClusterSet.call`` uses
``validate`` so bad arguments get one clear message whichever transport (or test) called.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from kubecopilot.resources import read_yaml
from kubecopilot.sandbox.errors import BadRequest

TOOLS_FILE = Path(__file__).with_name("tools.yaml")


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    read_only: bool
    destructive: bool
    idempotent: bool
    properties: dict[str, dict[str, Any]]
    required: tuple[str, ...]

    @property
    def input_schema(self) -> dict[str, Any]:
        return {"type": "object", "properties": self.properties, "required": list(self.required),
                "additionalProperties": False}

    @property
    def annotations(self) -> dict[str, Any]:
        hints: dict[str, Any] = {"title": self.title, "readOnlyHint": self.read_only, "openWorldHint": False}
        if not self.read_only:
            hints["destructiveHint"] = self.destructive
            hints["idempotentHint"] = self.idempotent
        return hints

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Checked, coerced arguments. ``None`` means "not given" (some clients send every optional field)."""
        args = {k: v for k, v in arguments.items() if v is not None}
        unknown = sorted(set(args) - set(self.properties))
        if unknown:
            raise BadRequest(
                f'unknown argument "{unknown[0]}" for {self.name}',
                hint="accepted arguments: " + ", ".join(self.properties),
            )
        for name in self.required:
            if name not in args or args[name] == "":
                desc = self.properties[name].get("description", "")
                raise BadRequest(f'missing required argument "{name}" for {self.name}: {desc}')
        for name, value in list(args.items()):
            args[name] = _coerce(value, self.properties[name])
        try:
            jsonschema.validate(args, self.input_schema)
        except jsonschema.ValidationError as exc:
            where = ".".join(str(p) for p in exc.absolute_path) or "arguments"
            raise BadRequest(f'invalid argument "{where}" for {self.name}: {exc.message}') from None
        return args


class ToolCatalog:
    def __init__(self, specs: dict[str, ToolSpec]) -> None:
        self._specs = specs

    @classmethod
    def load(cls, path: Path = TOOLS_FILE) -> ToolCatalog:
        data = read_yaml(path)
        shared = data["arguments"]
        specs = {name: _spec(name, body, shared) for name, body in data["tools"].items()}
        return cls(specs)

    def get(self, name: str) -> ToolSpec | None:
        return self._specs.get(name)

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def markdown(self) -> str:
        """The tool table of docs/sandbox.md (a test keeps the two identical)."""
        rows = ["| tool | kind | arguments (`?` optional; every tool also takes `cluster?`) |", "|---|---|---|"]
        for spec in self:
            kind = "read" if spec.read_only else ("write, destructive" if spec.destructive else "write")
            args = [a if a in spec.required else f"{a}?" for a in spec.properties if a != "cluster"]
            rows.append(f"| `{spec.name}` | {kind} | {', '.join(args) or '—'} |")
        return "\n".join(rows) + "\n"


def _spec(name: str, body: dict[str, Any], shared: dict[str, dict[str, Any]]) -> ToolSpec:
    properties: dict[str, dict[str, Any]] = {}
    required: list[str] = []
    entries = [(arg, False) for arg in body.get("params") or ()]
    entries += [(arg, True) for arg in [*(body.get("optional") or ()), "cluster"]]
    for arg, optional in entries:
        schema = dict(shared[arg])
        alt = schema.pop("optional_description", None)
        if optional and alt:
            schema["description"] = alt
        properties[arg] = schema
        if not optional:
            required.append(arg)
    read_only = bool(body.get("read_only", False))
    return ToolSpec(
        name=name,
        title=body["title"],
        description=" ".join(body["description"].split()),
        read_only=read_only,
        destructive=bool(body.get("destructive", False)) and not read_only,
        idempotent=bool(body.get("idempotent", False)),
        properties=properties,
        required=tuple(required),
    )


def _coerce(value: Any, schema: dict[str, Any]) -> Any:
    """Accept what LLMs commonly send: numbers and booleans as strings."""
    kind = schema.get("type")
    if kind == "integer" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value
