"""Field selectors (``fieldSelector=status.phase!=Running,spec.nodeName=dev-node-1``).

The API server allows a handful of fields per kind (metadata.name and metadata.namespace everywhere, status.phase
and spec.nodeName for pods, involvedObject.*, reason, type and source for events …). Any dotted path into the object
is accepted here: a superset that answers every selector a real server answers the same way. A missing field
compares as the empty string, as the API server's field sets do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kubecopilot.sandbox.errors import BadRequest

_TERM = re.compile(r"^\s*(?P<path>[A-Za-z0-9_.\-/]+)\s*(?P<op>==|!=|=)\s*(?P<value>.*?)\s*$")
# Where the events API names a field differently from the stored object.
_ALIASES = {"source": "source.component"}


@dataclass(frozen=True)
class FieldTerm:
    path: tuple[str, ...]
    equal: bool
    value: str

    def matches(self, obj: dict[str, Any]) -> bool:
        return (field_value(obj, self.path) == self.value) is self.equal


@dataclass(frozen=True)
class FieldSelector:
    terms: tuple[FieldTerm, ...] = ()

    def matches(self, obj: dict[str, Any]) -> bool:
        return all(term.matches(obj) for term in self.terms)

    def value_of(self, path: str) -> str | None:
        """The value an equality term pins ``path`` to (``metadata.name`` of a one-object watch), if any."""
        wanted = tuple(path.split("."))
        return next((t.value for t in self.terms if t.equal and t.path == wanted), None)

    @classmethod
    def parse(cls, text: str | None) -> FieldSelector:
        terms = []
        for part in (text or "").split(","):
            if not part.strip():
                continue
            m = _TERM.match(part)
            if m is None:
                raise BadRequest(f'invalid field selector: "{part.strip()}": expected field=value, field==value or field!=value')
            path = _ALIASES.get(m["path"], m["path"])
            terms.append(FieldTerm(tuple(path.split(".")), m["op"] != "!=", _unescape(m["value"])))
        return cls(tuple(terms))


def field_value(obj: dict[str, Any], path: tuple[str, ...]) -> str:
    value: Any = obj
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _unescape(value: str) -> str:
    """Field selector values escape ``\\,``, ``\\=`` and ``\\\\``."""
    return re.sub(r"\\(.)", r"\1", value)
