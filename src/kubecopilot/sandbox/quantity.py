"""Kubernetes resource quantities ("500m", "2", "64Mi", "1Gi") as numbers, and back."""

from __future__ import annotations

import re

from kubecopilot.sandbox.errors import Invalid

_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
_FACTORS = {
    None: 1,
    "m": 0.001,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
}
MI = 1024**2


def parse(text: str | int | float, field: str = "quantity") -> float:
    """The value in base units (cores for cpu, bytes for memory)."""
    if isinstance(text, int | float):
        return float(text)
    match = _QUANTITY.match(str(text).strip())
    if not match:
        raise Invalid(
            f"{field}: Invalid value: {text!r}: quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        )
    return float(match.group(1)) * _FACTORS[match.group(2)]


def millicores(text: str | int | float | None) -> int:
    return 0 if text in (None, "") else round(parse(text) * 1000)


def mebibytes(text: str | int | float | None) -> int:
    return 0 if text in (None, "") else round(parse(text) / MI)


def format_cpu(milli: int) -> str:
    return f"{milli // 1000}" if milli % 1000 == 0 and milli else f"{milli}m"


def format_memory(mib: int) -> str:
    return f"{mib // 1024}Gi" if mib and mib % 1024 == 0 else f"{mib}Mi"
