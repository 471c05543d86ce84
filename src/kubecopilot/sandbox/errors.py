"""Errors of the simulated API server, worded like the real one so clients can match on them.

They are ``KubeCopilotError`` subclasses: the MCP layer turns them into ``isError`` results with ``message`` as
the text, and the CLI (``kubecopilot sandbox --scenario x``) prints them like any other typed error.
"""

from __future__ import annotations

from kubecopilot.errors import ConfigError, KubeCopilotError


class APIError(KubeCopilotError):
    """An error the Kubernetes API server (or kubectl) would report; ``reason`` is the API Status reason."""

    code = "sandbox_api_error"
    reason = "BadRequest"


class NotFound(APIError):
    reason = "NotFound"

    @classmethod
    def of(cls, resource: str, name: str, namespace: str | None = None) -> NotFound:
        """``pods "x" not found in namespace "dev"``; a missing namespace reads ``namespace "qa" not found``."""
        if resource == "namespaces":
            return cls(f'namespace "{name}" not found', resource=resource, name=name)
        where = f' in namespace "{namespace}"' if namespace else ""
        return cls(f'{resource} "{name}" not found{where}', resource=resource, name=name, namespace=namespace)


class AlreadyExists(APIError):
    reason = "AlreadyExists"

    @classmethod
    def of(cls, resource: str, name: str) -> AlreadyExists:
        return cls(f'{resource} "{name}" already exists', resource=resource, name=name)


class Invalid(APIError):
    """A request that fails validation: ``Kind "name" is invalid: field: problem``."""

    reason = "Invalid"


class Conflict(APIError):
    """A write based on a stale resourceVersion (optimistic concurrency)."""

    reason = "Conflict"


class Forbidden(APIError):
    reason = "Forbidden"


class BadRequest(APIError):
    """Bad arguments (missing, wrong type), a patch that does not apply, a manifest that does not parse."""

    reason = "BadRequest"


class UnknownScenario(ConfigError):
    code = "unknown_scenario"
