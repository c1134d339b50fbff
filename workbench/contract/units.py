"""Durations and dates as a contract writes them.

Durations: every spelling a contract may use normalizes to whole seconds.

Accepted: ``900`` (seconds), ``"900"``, ``"900s"``, ``"15m"``, ``"1h30m"``, ``"2d"``, ``"1w"``,
and ISO 8601 durations without calendar units (``"PT15M"``, ``"P1DT2H"``, ``"P2W"``).
Years and months are refused: their length in seconds is not fixed.
"""

from __future__ import annotations

import datetime as dt
import re

_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0}
_COMPACT = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")

DURATION_PATTERN = (
    r"^(\d+|(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?|P(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?)$"
)


class DurationError(ValueError):
    """A value that is not a duration."""


def parse_duration(value: object) -> int:
    """Return the duration ``value`` in whole seconds, or raise :class:`DurationError`."""
    if isinstance(value, bool):
        raise DurationError(f"{value!r} is not a duration")
    if isinstance(value, int):
        if value < 0:
            raise DurationError(f"{value} is negative")
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if not isinstance(value, str):
        raise DurationError(f"{value!r} is not a duration")
    text = value.strip()
    if text.isdigit():
        return int(text)
    if not text:
        raise DurationError("empty duration")
    m = _COMPACT.match(text)
    if m and any(m.groups()):
        w, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
        return w * 604800 + d * 86400 + h * 3600 + mi * 60 + s
    m = _ISO.match(text.upper())
    if m and any(m.groups()):
        w, d, h, mi = (int(g) if g else 0 for g in m.groups()[:4])
        sec = float(m.group(5)) if m.group(5) else 0.0
        if not sec.is_integer():
            raise DurationError(f"{value!r} has a fractional number of seconds")
        return w * 604800 + d * 86400 + h * 3600 + mi * 60 + int(sec)
    raise DurationError(
        f"{value!r} is not a duration (use seconds, '15m', '1h30m', '2d' or ISO 8601 'PT15M')"
    )


def format_span(seconds: int) -> str:
    """A measured span for people: ``format_duration`` up to two days, then whole days
    (``638 days``, not ``638d16h56m22s``: the hours of a span that long say nothing)."""
    if seconds >= 2 * 86400:
        return f"{int(seconds) // 86400} days"
    return format_duration(max(int(seconds), 0))


def format_duration(seconds: int | None) -> str:
    """Human spelling of a duration in seconds: ``900`` -> ``15m``, ``5400`` -> ``1h30m``."""
    if seconds is None:
        return "unset"
    if seconds == 0:
        return "0s"
    parts = []
    rest = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            q, rest = divmod(rest, size)
            parts.append(f"{q}{unit}")
    return "".join(parts)


def as_date(value: object) -> dt.date | None:
    """A contract's date (a deprecation's ``announced`` or ``sunset``): a date as loaded, or
    its ISO text; ``None`` for anything else."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
