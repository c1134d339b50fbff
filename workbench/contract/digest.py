"""SHA-256 without loading OpenSSL.

``hashlib`` loads the OpenSSL library when it is imported (about a tenth of a small
``workbench diff`` at start-up, for the 16-hex-digit fingerprints every command prints). The
interpreter's own SHA-256 module gives the same digests; ``hashlib`` is the fallback where a
build leaves it out.
"""

from __future__ import annotations

import sys

try:  # the builtin module's name: _sha256 up to Python 3.11, _sha2 since 3.12
    if sys.version_info >= (3, 12):
        from _sha2 import sha256 as _sha256
    else:
        from _sha256 import sha256 as _sha256
except ImportError:  # pragma: no cover - a build without the builtin hashes
    from hashlib import sha256 as _sha256


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in hexadecimal."""
    return _sha256(data).hexdigest()


__all__ = ["sha256_hex"]
