"""``ToolGateway``: the only path from KubeCopilot to the MCP session (SPEC §2).

Every call goes catalog → cache (reads) → gate (writes) → client. Reads come from the cache when they can and say
so (``from_cache``, ``age_s``). Writes need an ``Approval`` from ``gate.ApprovalRegistry``; after one ran, the
cached reads it could have changed are evicted. A read that fails "not found" on a value that came from a cached
listing triggers stale-cache recovery (PRD 2.5): evict, re-read the listing once, retry once if the thing still
exists, else ``StaleReference`` with the fresh records. Never more than that: no loops.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from cachetools import LRUCache

from kubecopilot.errors import CapabilityMissing, MCPDisconnected, MCPUnavailable, StaleReference, ToolFailed
from kubecopilot.k8s import cluster_arg, names_cluster, names_namespace
from kubecopilot.tools.cache import CLUSTER_WIDE, ReadCache, namespace_of, normalise_args
from kubecopilot.tools.catalog import Catalog, ToolSpec
from kubecopilot.tools.client import RawResult, server_message
from kubecopilot.tools.gate import Approval, ApprovalRegistry, documents_in
from kubecopilot.tools.parsers import ParseError, Record, parse_records
from kubecopilot.tools.profiles import CapabilityBinding, Profile, fit_to_schema

# Policies whose entries can include objects of any namespace when read without one (all-namespace lists).
_NAMESPACED_POLICIES = ("events", "pods", "workloads", "services", "default")


_UNPARSED_MAX = 256  # listings kept for stale-value recovery; older ones are forgotten


class ToolClient(Protocol):
    def call_tool(
        self, name: str, args: Mapping[str, Any] | None = None, timeout: float | None = None
    ) -> RawResult: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ToolResult:
    tool: str
    args: dict[str, Any]
    text: str
    data: Any = None  # the answer parsed as JSON, when it is JSON
    from_cache: bool = False
    age_s: float | None = None

    def records(self, fmt: str = "auto", kind: str | None = None) -> list[Record]:
        return parse_records(self.text, fmt, kind)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Listing:
    capability: str
    tool: str
    records: list[Record]
    from_cache: bool
    age_s: float | None
    text: str = field(repr=False, default="")

    def names(self) -> list[str]:
        return [r.name for r in self.records]


@dataclass(frozen=True)
class _Origin:
    """Where a value the user may reuse came from: the listing call that produced it."""

    field: str  # "namespace", "cluster" or "name"
    tool: str
    args: dict[str, Any]
    fmt: str
    kind: str | None


class ToolGateway:
    def __init__(
        self,
        client: ToolClient,
        catalog: Catalog,
        profile: Profile,
        cache: ReadCache,
        approvals: ApprovalRegistry | None = None,
    ) -> None:
        self._client = client
        self.catalog = catalog
        self.profile = profile
        self.cache = cache
        self.approvals = approvals or ApprovalRegistry()
        self._origins: LRUCache[tuple[str, str], _Origin] = LRUCache(maxsize=4096)
        # Listings not parsed for their names yet: only a failed call needs to know where a value came from, so
        # a list read is parsed once (by whoever asked for it), not a second time here on every read.
        self._unparsed: OrderedDict[str, tuple[str, dict[str, Any], str, tuple[str, str | None]]] = OrderedDict()
        self._lock = threading.Lock()

    # --- the public surface -------------------------------------------------------------------------------------

    def call(
        self, tool: str, args: Mapping[str, Any] | None = None, *, approval: Approval | None = None, fresh: bool = False
    ) -> ToolResult:
        """Call one tool by name. Reads may come from the cache (``fresh`` skips it); writes need ``approval``."""
        spec = self.catalog.get(tool)
        clean = fit_to_schema(normalise_args(args or {}), spec.properties)
        if spec.is_write:
            return self._write(spec, clean, approval)
        return self._read(spec, clean, fresh=fresh, shape=self._shape_for(tool, clean))

    def invoke(
        self, capability: str, *, approval: Approval | None = None, fresh: bool = False, **slots: Any
    ) -> ToolResult:
        """Call what the server offers for a capability (``pod_logs``, ``scale`` …) with slot values."""
        binding = self.binding(capability, **slots)
        result = self.call(binding.tool, binding.build_args(slots), approval=approval, fresh=fresh)
        return _unwrapped(result, binding.text_key)

    def prepare(self, capability: str, **slots: Any) -> tuple[str, dict[str, Any]]:
        """The (tool, arguments) ``invoke`` would send for these slots, as the write gate will see them."""
        binding = self.binding(capability, **slots)
        spec = self.catalog.get(binding.tool)
        return binding.tool, fit_to_schema(normalise_args(binding.build_args(slots)), spec.properties)

    def records(self, capability: str, *, fresh: bool = False, **slots: Any) -> Listing:
        """A capability's answer as records (option lists, slot filling)."""
        binding = self.binding(capability, **slots)
        spec = self.catalog.get(binding.tool)
        args = fit_to_schema(binding.build_args(slots), spec.properties)
        result = (
            self._read(spec, args, fresh=fresh, shape=(binding.parser, binding.kind)) if not spec.is_write else None
        )
        if result is None:
            raise ToolFailed(
                f"{binding.tool} is classified as a write; it cannot serve {capability}", tool=binding.tool
            )
        try:
            found = parse_records(result.text, binding.parser, binding.kind)  # type: ignore[arg-type]
        except ParseError as exc:
            raise ToolFailed(
                f"could not read the answer of {binding.tool} as a list: {exc}", tool=binding.tool
            ) from None
        return Listing(capability, binding.tool, found, result.from_cache, result.age_s, result.text)

    def cached_records(self, capability: str, **slots: Any) -> list[Record] | None:
        """The capability's records if the cache holds them now, else None; never calls the server."""
        binding = self.binding(capability, **slots)
        spec = self.catalog.get(binding.tool)
        args = fit_to_schema(binding.build_args(slots), spec.properties)
        policy = spec.policy_for(args)
        entry = self.cache.peek(policy, spec.name, args, _cluster_of(args)) if policy else None
        if entry is None:
            return None
        try:
            return parse_records(entry.value.text, binding.parser, binding.kind)  # type: ignore[arg-type]
        except ParseError:
            return None

    def binding(self, capability: str, **slots: Any) -> CapabilityBinding:
        binding = self.profile.resolve(capability, slots, self.catalog)
        cluster, argument = slots.get("cluster"), binding.args.get("cluster")
        if cluster and argument and argument not in self.catalog.get(binding.tool).properties:
            # Dropping the argument would read the server's current cluster while saying it is another one.
            raise CapabilityMissing(
                f"{binding.tool} cannot target cluster {cluster!r}: this server offers no {argument!r} argument",
                hint="it serves only its current context (give it a kubeconfig with several contexts), "
                "or switch back to the current cluster",
                capability=capability,
            )
        return binding

    def caveat(self) -> str | None:
        """What users of this server over this transport should know (``Profile.caveats``), in English."""
        target = getattr(self._client, "target", None)
        return self.profile.caveat(str(getattr(target, "transport", "")))

    def has(self, capability: str) -> bool:
        return self.profile.has(capability, self.catalog)

    def refresh_cache(self) -> int:
        return self.cache.refresh()

    def close(self) -> None:
        self._client.close()

    # --- reads --------------------------------------------------------------------------------------------------

    def _read(
        self, spec: ToolSpec, args: dict[str, Any], *, fresh: bool, shape: tuple[str, str | None], recover: bool = True
    ) -> ToolResult:
        policy, cluster = spec.policy_for(args), _cluster_of(args)
        if policy and not fresh:
            entry = self.cache.get(policy, spec.name, args, cluster)
            if entry is not None:
                cached: ToolResult = entry.value
                return replace(cached, from_cache=True, age_s=self.cache.age_s(entry))
        try:
            result = self._execute(spec.name, args)
        except ToolFailed as exc:
            # A fresh read (the plan executor's) is not built on cached data: its "not found" is the answer.
            if recover and not fresh and exc.is_not_found:
                return self._recover(spec, args, exc, shape)
            raise
        if policy:
            self.cache.put(policy, spec.name, args, result, cluster)
            self._remember(spec.name, args, result.text, shape)
        return result

    def _recover(
        self, spec: ToolSpec, args: dict[str, Any], failure: ToolFailed, shape: tuple[str, str | None]
    ) -> ToolResult:
        """The stale-cache recovery of PRD 2.5: re-read each listing an argument came from (namespace, cluster,
        then name; each once). The first value no longer listed is stale; if all are still there, retry once."""
        candidates = self._origins_of(args)
        if not candidates:
            raise failure
        reread: dict[str, list[Record]] = {}
        for origin, value in candidates:
            key = json.dumps([origin.tool, origin.args], sort_keys=True, default=str)
            if key not in reread:
                records = self._reread(origin)
                if records is None:
                    raise failure
                reread[key] = records
            if value not in {r.name for r in reread[key]}:
                self._forget(origin, value)
                what = {"namespace": "namespace", "cluster": "cluster"}.get(origin.field, origin.kind or "object")
                raise StaleReference(
                    f"{what} {value!r} no longer exists (it came from a cached list that was out of date)",
                    hint="pick one of the current ones",
                    records=reread[key],
                    stale_value=value,
                    tool=spec.name,
                    server_message=failure.message,
                )
        return self._read(spec, args, fresh=True, shape=shape, recover=False)

    def _reread(self, origin: _Origin) -> list[Record] | None:
        """The listing again, from the server (it replaces the cached one); None when it cannot be parsed."""
        listing = self._read(
            self.catalog.get(origin.tool), origin.args, fresh=True, shape=(origin.fmt, origin.kind), recover=False
        )
        try:
            return parse_records(listing.text, origin.fmt, origin.kind)  # type: ignore[arg-type]
        except ParseError:
            return None

    def _forget(self, origin: _Origin, value: str) -> None:
        """A stale value: no longer offered as coming from a listing, and no cached answer about it is kept."""
        with self._lock:
            self._origins.pop((origin.field, value), None)
        self.cache.evict(where=lambda e: value in e.args.values())

    def _remember(self, tool: str, args: dict[str, Any], text: str, shape: tuple[str, str | None]) -> None:
        if shape[0] == "text":
            return
        key = json.dumps([tool, args], sort_keys=True, default=str)
        with self._lock:
            self._unparsed.pop(key, None)  # the newest answer of a listing is the one that counts
            self._unparsed[key] = (tool, dict(args), text, shape)
            while len(self._unparsed) > _UNPARSED_MAX:
                self._unparsed.popitem(last=False)

    def _learn_origins(self) -> None:
        """Parse the listings remembered since the last failure, oldest first, so newer listings win."""
        with self._lock:
            pending, self._unparsed = list(self._unparsed.values()), OrderedDict()
        for tool, args, text, (fmt, kind) in pending:
            try:
                found = parse_records(text, fmt, kind)  # type: ignore[arg-type]
            except (ParseError, ValueError, TypeError, AttributeError):
                continue  # not a listing we understand: nothing to remember
            with self._lock:
                for record in found:
                    field_name = _field_for_kind(record.kind or kind)
                    self._origins[(field_name, record.name)] = _Origin(field_name, tool, args, fmt, kind)

    def _origins_of(self, args: Mapping[str, Any]) -> list[tuple[_Origin, str]]:
        """The arguments whose values came from a listing, with where from; namespaces and clusters first."""
        self._learn_origins()
        candidates = sorted(
            ((_field_for_arg(k), v) for k, v in args.items() if isinstance(v, str)),
            key=lambda fv: ("namespace", "cluster", "name").index(fv[0]),
        )
        with self._lock:
            found = [(self._origins.get((f, v)), v) for f, v in candidates]
        return [(origin, value) for origin, value in found if origin is not None]

    def _shape_for(self, tool: str, args: Mapping[str, Any]) -> tuple[str, str | None]:
        """How to parse a raw call's answer: from the profile binding that makes this call, else guess."""
        for alternatives in self.profile.bindings.values():
            for b in alternatives:
                if b.tool == tool and all(args.get(k) == v for k, v in b.fixed.items()):
                    return b.parser, b.kind or _kind_arg(args)
        return "auto", _kind_arg(args)

    # --- writes -------------------------------------------------------------------------------------------------

    def _write(self, spec: ToolSpec, args: dict[str, Any], approval: Approval | None) -> ToolResult:
        self.approvals.check(approval, spec.name, args)
        try:
            return self._execute(spec.name, args)
        finally:
            # Even a failed or interrupted write may have changed something: over-evicting only costs a re-read.
            self._evict_after_write(args)

    def _evict_after_write(self, args: Mapping[str, Any]) -> int:
        return self.evict_namespace(namespace_of(args) or _manifest_namespace(args))

    def evict_namespace(self, namespace: str | None) -> int:
        """Drop the cached reads a write in ``namespace`` could have changed (this process's write, or one another
        process made: ``dialogue.freshness``): that namespace's reads and the all-namespace lists; None, a
        cluster-scoped write (a namespace, a node …): every list except the list of clusters."""
        if namespace:
            return self.cache.evict(namespace=namespace) + self.cache.evict(
                namespace=CLUSTER_WIDE, policies=_NAMESPACED_POLICIES
            )
        return self.cache.evict(where=lambda e: e.policy != "clusters")

    # --- the wire -----------------------------------------------------------------------------------------------

    def _execute(self, tool: str, args: dict[str, Any]) -> ToolResult:
        try:
            raw = self._client.call_tool(tool, args)
        except (MCPDisconnected, MCPUnavailable) as exc:
            if (caveat := self.caveat()) is not None and caveat not in (exc.hint or ""):
                exc.hint = f"{exc.hint}; {caveat}" if exc.hint else caveat
            raise
        if raw.is_error:
            raise ToolFailed(server_message(raw.text) or f"{tool} failed without a message", tool=tool)
        return ToolResult(tool, dict(args), raw.text, _json_or_none(raw.text, raw.structured))


def _unwrapped(result: ToolResult, text_key: str | None) -> ToolResult:
    """The text inside a JSON envelope (``{"name": …, "logs": "…"}``), when the binding says the answer is one."""
    if text_key and isinstance(result.data, Mapping) and isinstance(result.data.get(text_key), str):
        return replace(result, text=result.data[text_key], data=None)
    return result


def _json_or_none(text: str, structured: Any) -> Any:
    if text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    if isinstance(structured, dict) and set(structured) != {"result"}:
        return structured
    return None


def _cluster_of(args: Mapping[str, Any]) -> str | None:
    return cluster_arg(args)


def _kind_arg(args: Mapping[str, Any]) -> str | None:
    for key in ("kind", "resourceType", "resource_type"):
        value = args.get(key)
        if isinstance(value, str):
            return value
    return None


def _field_for_kind(kind: str | None) -> str:
    lowered = (kind or "").lower()
    if lowered in ("namespace", "namespaces", "project"):
        return "namespace"
    if lowered in ("cluster", "context"):
        return "cluster"
    return "name"


def _field_for_arg(key: str) -> str:
    lowered = key.lower()
    if names_namespace(lowered) or lowered.endswith("namespace"):
        return "namespace"
    if names_cluster(lowered):
        return "cluster"
    return "name"


def _manifest_namespace(args: Mapping[str, Any]) -> str | None:
    for doc in documents_in(args):
        namespace = (doc.get("metadata") or {}).get("namespace")
        if isinstance(namespace, str) and namespace:
            return namespace
    return None
