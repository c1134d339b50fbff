"""Per-repository settings: ``.workbench.yaml`` at the repository root.

```yaml
contracts:            # which files may be contracts or artefacts (globs relative to the root)
  include: ["**/*.yaml", "**/*.yml", "**/*.json"]
  exclude: ["amendments/**"]
security: {...}       # the security policy (validated by workbench.security.policy)
amendments: {...}     # the checklist settings (validated by workbench.amendment)
```
Every section is optional. Unknown keys are errors with file:line:col, so a typo never silently
turns a stricter policy off.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.contract.errors import ContractError, Problem
from workbench.contract.record import Record

if TYPE_CHECKING:  # the parser (and PyYAML) is imported when a settings file is read
    from workbench.contract.yamlsrc import LocatedDocument

CONFIG_NAME = ".workbench.yaml"
# Contracts are YAML; artefacts are YAML or JSON, and discovery documents are often kept under
# the name they are served at. Of the files selected, only those whose content is a contract or
# an artefact are listed (workbench.history.meta.sniff).
DEFAULT_INCLUDE = (
    "**/*.yaml",
    "**/*.yml",
    "**/*.json",
    "**/openid-configuration",
    "**/oauth-authorization-server",
)
DEFAULT_EXCLUDE = ("amendments/**", ".github/**", CONFIG_NAME, ".workbench-ignore.yaml")
SECTIONS = ("contracts", "security", "amendments")


class Config(Record):
    """Parsed ``.workbench.yaml``; sections other than ``contracts`` are handed to their owners
    as raw mappings together with the located document, so they can report exact positions."""

    __slots__ = ("amendments", "document", "exclude", "include", "security", "source")
    source: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    security: dict[str, Any]
    amendments: dict[str, Any]
    document: LocatedDocument | None

    def __init__(
        self,
        source: str = CONFIG_NAME,
        include: tuple[str, ...] = DEFAULT_INCLUDE,
        exclude: tuple[str, ...] = DEFAULT_EXCLUDE,
        security: dict[str, Any] | None = None,
        amendments: dict[str, Any] | None = None,
        document: LocatedDocument | None = None,
    ):
        self.source = source
        self.include = include
        self.exclude = exclude
        self.security = dict() if security is None else security
        self.amendments = dict() if amendments is None else amendments
        self.document = document

    def problem(self, raw: tuple, message: str) -> Problem:
        """A problem at ``raw`` (a path into the config file), for section validators."""
        if self.document is None:
            from workbench.contract.yamlsrc import format_json_path

            return Problem(self.source, 1, 1, message, format_json_path(raw))
        return self.document.problem(self.source, raw, message)


def load_config(root: str | Path) -> Config:
    """Read ``.workbench.yaml`` under ``root`` (defaults when absent); raise ContractError."""
    path = Path(root) / CONFIG_NAME
    if not os.path.lexists(path):
        return Config()
    # something that is not a regular file (a FIFO, a directory) is refused, not skipped: a
    # policy that silently vanished would turn its checks off
    from workbench.contract.files import read_bytes

    return parse_config(read_bytes(path, str(path)), str(path))


def parse_config(raw: bytes, source: str = CONFIG_NAME) -> Config:
    """Parse the bytes of a ``.workbench.yaml``; raise :class:`ContractError` on any problem."""
    from workbench.contract.yamlsrc import decode_source, load_yaml

    doc = load_yaml(decode_source(raw, source), source) if raw.strip() else None
    return config_from_document(doc, source)


def config_from_document(doc: LocatedDocument | None, source: str = CONFIG_NAME) -> Config:
    """Validate an already parsed settings document; raise :class:`ContractError` on any problem."""
    config = Config(source=source, document=doc)
    if doc is None or doc.data is None:
        return config
    data = doc.data
    if not isinstance(data, dict):
        raise ContractError([Problem(source, 1, 1, "the settings file must be a mapping")])
    problems = []
    for key in data:
        if key not in SECTIONS:
            problems.append(
                config.problem((key,), f"unknown section {key!r} (known: {', '.join(SECTIONS)})")
            )
    contracts = data.get("contracts") or {}
    if not isinstance(contracts, dict):
        problems.append(config.problem(("contracts",), "'contracts' must be a mapping"))
        contracts = {}
    for key, value in contracts.items():
        if key not in ("include", "exclude"):
            problems.append(config.problem(("contracts", key), f"unknown key {key!r}"))
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(config.problem(("contracts", key), f"'{key}' must be a list of globs"))
    for section in ("security", "amendments"):
        if data.get(section) is not None and not isinstance(data[section], dict):
            problems.append(config.problem((section,), f"'{section}' must be a mapping"))
    if problems:
        raise ContractError(problems)
    if "include" in contracts:
        config.include = tuple(contracts["include"])
    if "exclude" in contracts:
        config.exclude = (*DEFAULT_EXCLUDE, *contracts["exclude"])
    config.security = data.get("security") or {}
    config.amendments = data.get("amendments") or {}
    return config
