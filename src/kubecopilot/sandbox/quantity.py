"""Kubernetes quantities for the simulation: parsing (shared with the rest of KubeCopilot), the API server's error
wording for bad ones, and the whole-unit forms the simulation counts in (millicores, MiB)."""

from __future__ import annotations

from kubecopilot.quantity import parse_quantity
from kubecopilot.sandbox.errors import Invalid

MI = 1024**2


def parse(text: str | int | float, field: str = "quantity") -> float:
    """The value in base units (cores for cpu, bytes for memory); ``Invalid`` worded like the API server."""
    value = parse_quantity(text)
    if value is None or value < 0:
        raise Invalid(
            f"{field}: Invalid value: {text!r}: quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        )
    return float(value)


def millicores(text: str | int | float | None) -> int:
    return 0 if text in (None, "") else round(parse(text) * 1000)


def mebibytes(text: str | int | float | None) -> int:
    return 0 if text in (None, "") else round(parse(text) / MI)


def format_cpu(milli: int) -> str:
    return f"{milli // 1000}" if milli % 1000 == 0 and milli else f"{milli}m"


def format_memory(mib: int) -> str:
    return f"{mib // 1024}Gi" if mib and mib % 1024 == 0 else f"{mib}Mi"
