"""Versioning: the next SemVer version, and rewriting the ``version`` field of a contract file
(or the ``info.version`` of an OpenAPI description, in YAML or JSON).

:func:`set_version_text` changes the bytes of the version scalar and nothing else: comments,
quoting style, key order, blank lines, line endings and a byte-order mark all stay as they were.
It finds the scalar with PyYAML's scanner (exact start and end offsets of the token, so an
anchor or tag in front of it is kept), splices in the new value in the same quoting style, and
checks that the result parses to the same data apart from the version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from workbench.amendment.atomic import atomic_write
from workbench.contract.errors import ContractError
from workbench.contract.yamlsrc import load_yaml, read_regular
from workbench.engine import semver

_BOM = b"\xef\xbb\xbf"


class BumpError(ValueError):
    """The version cannot be bumped as asked; the message is one line."""


def parse_semver(version: str) -> tuple[int, int, int, str | None]:
    """``"2.1.0-rc.1"`` -> ``(2, 1, 0, "rc.1")``; raise :class:`BumpError` when not SemVer."""
    try:
        v = semver.parse(version)
    except ValueError as exc:
        raise BumpError(str(exc)) from None
    return v.major, v.minor, v.patch, ".".join(v.prerelease) or None


def next_version(version: str, bump: str) -> str:
    """The version after a ``major``/``minor``/``patch`` bump of ``version`` (the engine's
    SemVer rules: a pre-release is finished by the bump it was heading for, ``2.0.0-rc.1`` +
    major is ``2.0.0``; build metadata is dropped; ``none`` keeps the version)."""
    try:
        return semver.bump(version, bump)
    except ValueError as exc:
        raise BumpError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class BumpResult:
    """What :func:`apply_bump` did: the versions and the 1-based line it rewrote."""

    path: str
    old_version: str
    new_version: str
    line: int
    changed: bool


_STARTS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_ENDS = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def _version_token(text: str, at: tuple[str, ...] = ("version",)) -> yaml.ScalarToken:
    """The scanner token of the version value at ``at`` (``("version",)`` in a contract,
    ``("info", "version")`` in an OpenAPI description), in block or flow style (JSON too)."""
    stack: list[str | None] = []  # per open collection, the key it is the value of
    key: str | None = None
    expect: str | None = None  # "key" after a KeyToken, "colon" after its key, then "value"
    where = "/".join(at)
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, _STARTS):
                stack.append(key if expect == "value" else None)
                key, expect = None, None
                continue
            if isinstance(token, _ENDS):
                if stack:
                    stack.pop()
                key, expect = None, None
                continue
            here = (*stack[1:], key) == at and None not in stack[1:]
            if isinstance(token, yaml.KeyToken):
                expect = "key"
            elif isinstance(token, yaml.ScalarToken) and expect == "key":
                key, expect = token.value, "colon"
            elif isinstance(token, yaml.ValueToken) and expect == "colon":
                expect = "value"
            elif isinstance(token, yaml.AnchorToken | yaml.TagToken) and expect == "value":
                continue
            elif isinstance(token, yaml.ScalarToken) and expect == "value" and here:
                return token
            elif isinstance(token, yaml.AliasToken) and expect == "value" and here:
                raise BumpError("the version is an alias (*name): edit it by hand")
            else:
                expect = None
    except yaml.YAMLError as exc:
        raise BumpError(f"the file is not valid YAML: {str(exc).splitlines()[0]}") from None
    if at == ("version",):
        raise BumpError("the contract has no top-level 'version' field")
    raise BumpError(f"the file has no '{where}' field")


def _render(version: str, style: str | None) -> str:
    if style == '"':
        return f'"{version}"'
    if style == "'":
        return f"'{version}'"
    return version


def set_version_text(
    text: str,
    new_version: str,
    source: str = "contract",
    at: tuple[str, ...] = ("version",),
) -> tuple[str, str, int]:
    """``text`` with the version at ``at`` (the top-level ``version``; ``("info", "version")``
    in an OpenAPI description) set to ``new_version``.

    Returns ``(new_text, old_version, line)``. Only the characters of the version scalar change.
    """
    parse_semver(new_version)
    before = _load(text, source)
    token = _version_token(text, at)
    if token.style in ("|", ">"):
        raise BumpError("the version is a block scalar (| or >): edit it by hand")
    start, end = token.start_mark.index, token.end_mark.index
    if "\n" in text[start:end] or "\r" in text[start:end]:
        raise BumpError("the version spans several lines: edit it by hand")
    new_text = text[:start] + _render(new_version, token.style) + text[end:]
    _verify(before, _load(new_text, source), new_version, at)
    return new_text, str(token.value), token.start_mark.line + 1


def _load(text: str, source: str) -> object:
    """The data of ``text`` through the one located loader (its limits, its refusals)."""
    try:
        return load_yaml(text, source).data
    except ContractError as exc:
        raise BumpError(f"the contract is not valid YAML: {exc.first.format()}") from None


def _verify(old: object, new: object, new_version: str, at: tuple[str, ...]) -> None:
    def setting(data: object, value: object) -> object:
        """``data`` with the value at ``at`` replaced (copies along the way)."""
        if not isinstance(data, dict):
            raise BumpError("rewriting the version line did not produce the new version")
        out = dict(data)
        node = out
        for key in at[:-1]:
            inner = node.get(key)
            if not isinstance(inner, dict):
                raise BumpError("rewriting the version line did not produce the new version")
            node[key] = dict(inner)
            node = node[key]
        node[at[-1]] = value
        return out

    found: object = new
    for key in at:
        found = found.get(key) if isinstance(found, dict) else None
    if str(found) != new_version:
        raise BumpError("rewriting the version line did not produce the new version")
    if setting(old, found) != new:  # pragma: no cover - a scanner/composer disagreement
        raise BumpError("rewriting the version line would change other values")


def apply_bump(
    path: str | Path, new_version: str, at: tuple[str, ...] = ("version",)
) -> BumpResult:
    """Set the version of the contract file at ``path`` in place (atomic write); ``at`` is
    where the version is (an OpenAPI description's ``info.version``).

    Every byte outside the version scalar is preserved; the file's permissions too.
    """
    p = Path(path)
    try:
        raw = read_regular(p)
    except OSError as exc:
        raise BumpError(f"{path}: cannot read: {exc.strerror or exc}") from None
    bom = raw.startswith(_BOM)
    try:
        text = raw[len(_BOM) if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError:
        raise BumpError(f"{path}: not UTF-8") from None
    new_text, old_version, line = set_version_text(text, new_version, str(path), at)
    changed = new_text != text
    if changed:
        atomic_write(p, (_BOM if bom else b"") + new_text.encode("utf-8"))
    return BumpResult(str(path), old_version, new_version, line, changed)
