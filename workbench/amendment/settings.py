"""The ``amendments:`` section of ``.workbench.yaml``: how strict the checklist and gate are.

```yaml
amendments:
  directory: amendments        # where records live: <directory>/<contract>/<version>.yaml
  notice_period: 90d           # minimum time between today and a deprecation's sunset
  require_reviewer: true       # the security review needs a sign-off by someone else
  reviewers: [Grace Hopper]    # optional: only these names or emails may sign off
  require_signed_signoff: false  # the commit adding a sign-off must carry a valid signature
  changelog: CHANGELOG.md      # file next to the contract; false turns the item off
  require_notified: true       # every affected consumer must be confirmed notified
  min_bump: patch              # smallest required bump that needs a record (patch|minor|major)
  schema_clarity: changed      # check what the amendment touched (changed) or everything (all)
```

Every key is optional and validated; a mistake is an error at file:line:col.
"""

from __future__ import annotations

import difflib
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.config import Config, load_config
from workbench.contract.errors import ContractError, Problem
from workbench.contract.units import DurationError, format_duration, parse_duration

DEFAULT_NOTICE_PERIOD = 90 * 86400
BUMPS = ("patch", "minor", "major")
CLARITY_MODES = ("changed", "all")
KEYS = (
    "directory",
    "notice_period",
    "require_reviewer",
    "reviewers",
    "require_signed_signoff",
    "changelog",
    "require_notified",
    "min_bump",
    "schema_clarity",
)


@dataclass(frozen=True, slots=True)
class AmendmentSettings:
    """The checklist settings in force (defaults when ``.workbench.yaml`` says nothing)."""

    directory: str = "amendments"
    notice_period: int = DEFAULT_NOTICE_PERIOD
    require_reviewer: bool = True
    reviewers: tuple[str, ...] = ()
    require_signed_signoff: bool = False
    changelog: str | None = "CHANGELOG.md"
    require_notified: bool = True
    min_bump: str = "patch"
    schema_clarity: str = "changed"
    source: str = "defaults"
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def notice_days(self) -> int:
        return self.notice_period // 86400

    def describe_notice_period(self) -> str:
        return format_duration(self.notice_period)

    def to_dict(self) -> dict[str, Any]:
        return {
            "directory": self.directory,
            "notice_period": format_duration(self.notice_period),
            "require_reviewer": self.require_reviewer,
            "reviewers": list(self.reviewers),
            "require_signed_signoff": self.require_signed_signoff,
            "changelog": self.changelog if self.changelog else False,
            "require_notified": self.require_notified,
            "min_bump": self.min_bump,
            "schema_clarity": self.schema_clarity,
        }


DEFAULT_SETTINGS = AmendmentSettings()


def _hint(value: str, choices: tuple[str, ...]) -> str:
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _relative_dir(value: str) -> str | None:
    """A clean repository-relative directory, or ``None`` if it escapes the repository."""
    text = value.replace("\\", "/").strip()
    if not text or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    norm = posixpath.normpath(text)
    if norm in (".", "..") or norm.startswith("../"):
        return None
    if any(part.casefold().rstrip(". ") == ".git" for part in norm.split("/")):
        return None  # never write records into the git directory (hooks live there)
    return norm


def parse_settings(config: Config) -> AmendmentSettings:
    """Validate ``config.amendments``; raise :class:`ContractError` listing every problem."""
    section = config.amendments or {}
    problems: list[Problem] = []

    def bad(key: str, message: str, *rest: Any) -> None:
        problems.append(config.problem(("amendments", key, *rest), message))

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key, value in section.items():
        if key not in KEYS:
            bad(key, f"unknown amendments setting {key!r}{_hint(str(key), KEYS)}")
            continue
        where = config.problem(("amendments", key), "")
        origins[key] = f"{where.file}:{where.line}"
        values[key] = value

    kwargs: dict[str, Any] = {}
    if "directory" in values:
        v = values["directory"]
        clean = _relative_dir(v) if isinstance(v, str) else None
        if clean is None:
            bad(
                "directory",
                f"directory {v!r} must be a relative path inside the repository, outside .git",
            )
        else:
            kwargs["directory"] = clean
    if "notice_period" in values:
        try:
            kwargs["notice_period"] = parse_duration(values["notice_period"])
        except DurationError as exc:
            bad("notice_period", str(exc))
    for flag in ("require_reviewer", "require_notified", "require_signed_signoff"):
        if flag in values:
            if isinstance(values[flag], bool):
                kwargs[flag] = values[flag]
            else:
                bad(flag, f"{flag} must be true or false, not {values[flag]!r}")
    if "reviewers" in values:
        v = values["reviewers"]
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            bad("reviewers", "reviewers must be a list of names or emails")
        else:
            kwargs["reviewers"] = tuple(x.strip() for x in v)
    if "changelog" in values:
        v = values["changelog"]
        if v is False or v is None:
            kwargs["changelog"] = None
        elif isinstance(v, str) and v.strip() and "/" not in v and "\\" not in v:
            kwargs["changelog"] = v.strip()
        else:
            bad("changelog", "changelog must be a file name (next to the contract) or false")
    if "min_bump" in values:
        v = values["min_bump"]
        if v not in BUMPS:
            bad("min_bump", f"min_bump {v!r} is not one of: {', '.join(BUMPS)}")
        else:
            kwargs["min_bump"] = v
    if "schema_clarity" in values:
        v = values["schema_clarity"]
        if v not in CLARITY_MODES:
            bad("schema_clarity", f"schema_clarity {v!r} is not one of: changed, all")
        else:
            kwargs["schema_clarity"] = v
    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise ContractError(problems)
    return AmendmentSettings(source=config.source, origins=origins, **kwargs)


def load_settings(repo_root: str | Path) -> AmendmentSettings:
    """The amendment settings of the repository at ``repo_root``; raise ContractError."""
    config = load_config(repo_root)
    if config.document is None:
        return DEFAULT_SETTINGS
    return parse_settings(config)
