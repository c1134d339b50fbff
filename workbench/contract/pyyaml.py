"""PyYAML, imported without compiling the one regular expression the workbench never runs.

Importing PyYAML compiles ``yaml.reader.Reader.NON_PRINTABLE``, a character class spanning most
of Unicode whose bitmap the ``re`` module builds one code point at a time: more than half of
PyYAML's import, and more than a tenth of a whole file-to-file ``workbench diff``. Only PyYAML's
pure-Python ``Reader`` searches with it (``yaml.scan`` or ``yaml.safe_load`` with the pure
loaders); the located parser reads libyaml's event stream, whose reader checks printable
characters in C.

So while PyYAML is first imported, ``re.compile`` hands that one pattern back as a
:class:`LazyPattern`, compiled on its first use; every other pattern compiles as usual, and
``re.compile`` is itself again as soon as the import is done. A PyYAML release that spells the
pattern differently gets it compiled at import, as before: nothing but the time changes.

Import PyYAML as ``from workbench.contract.pyyaml import yaml`` before anything else imports it;
once it is imported (here or elsewhere) this module only hands it over.
"""

from __future__ import annotations

import _thread
import re
import sys
from typing import Any

NON_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
"""``yaml.reader.Reader.NON_PRINTABLE``'s pattern, as PyYAML 5 and 6 write it."""


class LazyPattern:
    """A compiled regular expression made on first use: every attribute (``search``,
    ``pattern``, ``flags``...) is the compiled pattern's."""

    __slots__ = ("_compiled", "_flags", "_pattern")

    def __init__(self, pattern: str, flags: int = 0):
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = _COMPILE(self._pattern, self._flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return repr(self.compiled())


_COMPILE = re.compile
_LOCK = _thread.allocate_lock()


def _deferring(pattern: Any, flags: Any = 0) -> Any:
    if type(pattern) is str and pattern == NON_PRINTABLE and not flags:
        return LazyPattern(pattern)
    return _COMPILE(pattern, flags)


def _import() -> Any:
    with _LOCK:
        if "yaml" not in sys.modules and re.compile is _COMPILE:
            re.compile = _deferring
            try:
                import yaml
            finally:
                re.compile = _COMPILE
    import yaml

    return yaml


yaml = _import()

__all__ = ["NON_PRINTABLE", "LazyPattern", "yaml"]
