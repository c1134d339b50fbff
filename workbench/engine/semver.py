"""SemVer 2.0.0: parse, order, bump, and classify what a version change did.

Decisions for the amendment verdict (documented in docs/rules.md):

- ``required_for(kind, old)``: a breaking change needs a major bump, a risky or additive one a
  minor bump, an editorial one a patch. While the *old* version is ``0.y.z`` (initial
  development) SemVer item 4 lets anything change; we follow the common convention (Cargo, npm
  caret ranges) that the minor number acts as the major: breaking needs ``0.(y+1).0``, anything
  else ``0.y.(z+1)``.
- ``bump_kind(old, new)``: the highest component that went up (``major``/``minor``/``patch``),
  ``none`` when equal, ``downgrade`` when lower, ``invalid`` when either is not SemVer. A step
  within one pre-release series (``1.1.0-rc.1`` -> ``1.1.0-rc.2`` or ``1.1.0``) counts as
  ``patch``; :func:`prerelease_step` tells it apart, and since pre-releases carry no
  compatibility promise (SemVer item 9) the verdict accepts it for any required bump.
"""

from __future__ import annotations

from workbench.contract.loader import SEMVER as _SEMVER  # the format's own definition
from workbench.contract.record import Frozen

BUMPS = ("none", "patch", "minor", "major")
BUMP_ORDER = {b: i for i, b in enumerate(BUMPS)}


class Version(Frozen):
    """A parsed SemVer version."""

    __slots__ = ("build", "major", "minor", "patch", "prerelease")
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...]
    build: str

    def __init__(
        self, major: int, minor: int, patch: int, prerelease: tuple[str, ...] = (), build: str = ""
    ):
        put = object.__setattr__
        put(self, "major", major)
        put(self, "minor", minor)
        put(self, "patch", patch)
        put(self, "prerelease", prerelease)
        put(self, "build", build)

    @property
    def core(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + self.build
        return text


def parse(text: str) -> Version:
    """Parse a SemVer 2.0.0 string; raise ``ValueError`` when it is not one."""
    m = _SEMVER.match(str(text).strip())
    if not m:
        raise ValueError(f"{text!r} is not a SemVer version (MAJOR.MINOR.PATCH)")
    pre = tuple(m.group(4).split(".")) if m.group(4) else ()
    return Version(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre, m.group(5) or "")


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def _pre_key(pre: tuple[str, ...]) -> tuple:
    # a release sorts after every pre-release of the same core (SemVer item 11.3)
    if not pre:
        return (1,)
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre)
    return (0, parts, len(pre))


def compare(a: str | Version, b: str | Version) -> int:
    """-1, 0 or 1 by SemVer precedence (build metadata is ignored)."""
    va = a if isinstance(a, Version) else parse(a)
    vb = b if isinstance(b, Version) else parse(b)
    ka = (va.core, _pre_key(va.prerelease))
    kb = (vb.core, _pre_key(vb.prerelease))
    return (ka > kb) - (ka < kb)


def bump(version: str, kind: str) -> str:
    """The next version after ``version`` for a ``major``/``minor``/``patch`` change.

    A pre-release is released by the bump it was heading for: ``2.0.0-rc.1`` bumped ``major``
    is ``2.0.0``; ``1.2.0-rc.1`` bumped ``minor`` is ``1.2.0``, bumped ``major`` is ``2.0.0``.
    ``none`` returns the version unchanged. Build metadata is dropped.
    """
    v = parse(version)
    if kind == "none":
        return str(version)
    if kind not in ("major", "minor", "patch"):
        raise ValueError(f"unknown bump {kind!r} (major, minor, patch or none)")
    pre = bool(v.prerelease)
    if kind == "major":
        if pre and v.minor == 0 and v.patch == 0:
            return f"{v.major}.0.0"
        return f"{v.major + 1}.0.0"
    if kind == "minor":
        if pre and v.patch == 0:
            return f"{v.major}.{v.minor}.0"
        return f"{v.major}.{v.minor + 1}.0"
    if pre:
        return f"{v.major}.{v.minor}.{v.patch}"
    return f"{v.major}.{v.minor}.{v.patch + 1}"


def bump_kind(old: str, new: str) -> str:
    """What the version change did: major, minor, patch, prerelease, none, downgrade, invalid."""
    try:
        vo, vn = parse(old), parse(new)
    except ValueError:
        return "invalid"
    order = compare(vo, vn)
    if order == 0:
        return "none"
    if order > 0:
        return "downgrade"
    if vo.core == vn.core:
        return "patch"  # a step within one pre-release series (see prerelease_step)
    if vn.major != vo.major:
        return "major"
    if vn.minor != vo.minor:
        return "minor"
    return "patch"


def prerelease_step(old: str, new: str) -> bool:
    """Whether ``old`` -> ``new`` moves within one pre-release series (same core, old is a
    pre-release, new is later)."""
    try:
        vo, vn = parse(old), parse(new)
    except ValueError:
        return False
    return bool(vo.prerelease) and vo.core == vn.core and compare(vo, vn) < 0


def required_for(kind: str, old: str) -> str:
    """The bump ``kind`` requires, given the old version (``0.y.z`` shifts everything down)."""
    try:
        v = parse(old)
    except ValueError:
        return kind
    if v.major == 0 and kind in ("major", "minor"):
        return {"major": "minor", "minor": "patch"}[kind]
    return kind


def satisfies(actual: str, required: str) -> bool:
    """Whether a version change of kind ``actual`` is enough for a ``required`` bump."""
    if actual in ("invalid", "downgrade"):
        return False
    return BUMP_ORDER.get(actual, -1) >= BUMP_ORDER.get(required, 0)


def max_bump(kinds) -> str:
    best = "none"
    for kind in kinds:
        if BUMP_ORDER.get(kind, 0) > BUMP_ORDER[best]:
            best = kind
    return best
