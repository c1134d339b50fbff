"""The one exception of the history layer: a repository problem told in one line."""

from __future__ import annotations


class HistoryError(Exception):
    """A repository cannot be read as asked (not a repository, unknown revision, no commits...).

    ``str(exc)`` is a complete one-line message suitable for a CLI error or a TUI notice.
    """
