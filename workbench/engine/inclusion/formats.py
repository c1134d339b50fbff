"""The format checker witnesses are confirmed with: ``jsonschema``'s own checks (date, email,
ipv4, ipv6, regex, uuid...) plus standard-library checks for the formats it leaves to optional
packages (date-time, time, uri, uri-reference, hostname, duration), so that ``format`` is an
assertion for every common format. A format neither knows is not checked, and a change to it
is undecided."""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlsplit

import jsonschema

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_HOST = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    import datetime as dt

    try:
        dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return False
    return True


def _time(value: object) -> bool:
    return not isinstance(value, str) or bool(_TIME.match(value))


def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(parts.scheme) and bool(_SCHEME.match(parts.scheme))


def _uri_reference(value: object) -> bool:
    return not isinstance(value, str) or not any(c.isspace() for c in value)


def _hostname(value: object) -> bool:
    return not isinstance(value, str) or bool(_HOST.match(value))


def _duration(value: object) -> bool:
    return not isinstance(value, str) or bool(_DURATION.match(value))


EXTRA = {
    "date-time": _date_time,
    "time": _time,
    "uri": _uri,
    "iri": _uri,
    "uri-reference": _uri_reference,
    "iri-reference": _uri_reference,
    "hostname": _hostname,
    "idn-hostname": _hostname,
    "duration": _duration,
}


@cache
@cache
def format_checker(validator_class: type) -> jsonschema.FormatChecker:
    """The dialect's format checker with the standard-library checks added where missing (one
    per dialect: every validator and every judged root shares it; nothing changes it)."""
    base = validator_class.FORMAT_CHECKER
    checker = jsonschema.FormatChecker(())
    checker.checkers = dict(base.checkers)
    for name, fn in EXTRA.items():
        if name not in checker.checkers:
            checker.checkers[name] = (fn, ())
    return checker
