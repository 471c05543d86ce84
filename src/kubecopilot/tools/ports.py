"""What the layers above need from the tool layer, as a Protocol: ``ToolGateway`` is the ``Gateway``; tests hand
in small fakes. Diagnosis and the conversation both name it, so it lives with the tools it describes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kubecopilot.tools.gateway import Listing, ToolResult
    from kubecopilot.tools.parsers import Record
    from kubecopilot.tools.profiles import CapabilityBinding


class Gateway(Protocol):
    """The one path to the cluster: capabilities with slot values, reads possibly cached."""

    def invoke(self, capability: str, *, fresh: bool = False, **slots: Any) -> ToolResult: ...

    def records(self, capability: str, *, fresh: bool = False, **slots: Any) -> Listing: ...

    def cached_records(self, capability: str, **slots: Any) -> list[Record] | None: ...

    def binding(self, capability: str, **slots: Any) -> CapabilityBinding: ...

    def has(self, capability: str) -> bool: ...

    def refresh_cache(self) -> int: ...

    def evict_namespace(self, namespace: str | None) -> int: ...
