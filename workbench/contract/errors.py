"""Problems found while loading or validating a contract, each pointing at a source position."""

from __future__ import annotations

from workbench.contract.record import Frozen
from workbench.textsafe import clean


class Problem(Frozen):
    """One thing wrong with an input file, at a 1-based line and column."""

    __slots__ = ("column", "file", "json_path", "line", "message", "severity")
    file: str
    line: int
    column: int
    message: str
    json_path: str
    severity: str  # error | warning

    def __init__(
        self,
        file: str,
        line: int,
        column: int,
        message: str,
        json_path: str = "",
        severity: str = "error",
    ):
        put = object.__setattr__
        put(self, "file", file)
        put(self, "line", line)
        put(self, "column", column)
        put(self, "message", message)
        put(self, "json_path", json_path)
        put(self, "severity", severity)

    def format(self) -> str:
        """``file:line:col: error: message (at json.path)``, the one-line form every face prints.

        The file name, the message and the path come from the input (a key is whatever the file
        says): control, bidi and invisible characters in them are shown escaped, and a newline
        as ``\\n``, so the line stays one line and prints as it reads."""
        where = f" (at {clean(self.json_path)})" if self.json_path else ""
        return (
            f"{clean(self.file)}:{self.line}:{self.column}: {self.severity}: "
            f"{clean(self.message)}{where}"
        )

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
            "path": self.json_path,
        }


class ContractError(Exception):
    """Raised when a file cannot be turned into a contract; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.format() for p in problems))

    @property
    def first(self) -> Problem:
        return self.problems[0]
