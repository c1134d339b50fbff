"""Is this the same person? Names and emails compared as a reviewer would read them.

An author must not pass for a reviewer by writing their own name differently: ``Ada Author.``,
``Ada<U+200B>Author`` (a zero-width space), ``<U+0410>da Author`` (a Cyrillic A), ``ADA
AUTHOR`` or
``ada+review@example.com``. Both sides are reduced to a *key* before comparing:

- Unicode NFKC (full-width and compatibility forms become plain letters), then case folding;
- invisible characters removed: format characters (Unicode category Cf: zero-width spaces and
  joiners, bidirectional controls, soft hyphens), other controls, and variation selectors;
- names: letters and digits only (punctuation and spacing do not make another person), each
  letter mapped to its Latin look-alike when it has one (Cyrillic and Greek confusables);
- emails: the ``+tag`` of the local part dropped (``ada+x@`` is ``ada@``), the domain
  IDNA-normalized where possible.

A name that mixes scripts (Latin with Cyrillic or Greek letters) is refused outright as an
identity for a sign-off: :func:`mixed_script` names the scripts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Letters of other scripts that render like Latin ones (the usual spoofing set).
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b", "г": "r",
        "п": "n", "д": "d", "и": "u", "л": "n", "ц": "u", "ч": "y", "ш": "w", "щ": "w",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "μ": "u", "ς": "c",
        "σ": "o", "ζ": "z", "λ": "a",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Who:
    """A person as git or a record names them."""

    name: str
    email: str | None = None

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


def _visible(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Cc", "Cs", "Co", "Cn", "Mn", "Me"):
            continue  # invisible, control, unassigned; combining marks (accents stacked)
        if 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF:
            continue  # variation selectors
        out.append(ch)
    return "".join(out)


def name_key(name: str | None) -> str:
    """The comparison key of a person's name (see the module docstring); ``""`` when empty."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", _visible(name).casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Mn", "Me"))
    text = text.translate(_CONFUSABLES)
    return "".join(ch for ch in text if ch.isalnum())


def email_key(email: str | None) -> str:
    """The comparison key of an email address; ``""`` when empty."""
    if not email:
        return ""
    text = _visible(email).casefold().strip().strip("<>").strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    local = local.split("+", 1)[0]
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = domain.translate(_CONFUSABLES)
    return f"{local.translate(_CONFUSABLES)}@{domain}"


def same_person(a: Who | None, b: Who | None) -> bool:
    """Whether ``a`` and ``b`` name the same person: same name key or same email key."""
    if a is None or b is None:
        return False
    na, nb = name_key(a.name), name_key(b.name)
    if na and na == nb:
        return True
    ea, eb = email_key(a.email), email_key(b.email)
    return bool(ea and ea == eb)


def matches_entry(entry: str, who: Who) -> bool:
    """Whether a ``reviewers:`` entry (a name or an email) names ``who``."""
    if "@" in entry:
        return bool(email_key(entry)) and email_key(entry) == email_key(who.email)
    return bool(name_key(entry)) and name_key(entry) == name_key(who.name)


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    try:
        first = unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return "UNKNOWN"
    return first


def mixed_script(text: str | None) -> list[str]:
    """The scripts of the letters of ``text`` when there are several (``[]`` otherwise)."""
    scripts = {s for ch in _visible(text or "") if (s := _script(ch)) is not None}
    return sorted(scripts) if len(scripts) > 1 else []


def hidden_characters(text: str | None) -> bool:
    """Whether ``text`` holds characters a reader cannot see (format or control characters)."""
    return _visible(text or "") != unicodedata.normalize("NFKC", text or "")


__all__ = [
    "Who",
    "email_key",
    "hidden_characters",
    "matches_entry",
    "mixed_script",
    "name_key",
    "same_person",
]
