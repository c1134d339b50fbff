"""How every rule cites its standard, and where a citation links to.

One style for both rule families: the document, then ``§`` and the section, several sections
separated by commas, several documents by semicolons::

    RFC 9700 §2.1.1
    RFC 8725 §3.1, §3.2; RFC 9068 §2.1
    NIST SP 800-63B-4 §2.2.1-2.2.2
    SemVer 2.0.0 item 8                      (the SemVer specification numbers items)

The rule registries refuse a citation written another way (``section 3.1``), so the docs, the
reports and the TUI never mix styles.
"""

from __future__ import annotations

import re
from functools import cache

_RFC = re.compile(r"RFC\s*(\d{3,5})(?:,?\s*(?:§|sections?|sec\.?)?\s*(\d+(?:\.\d+)*))?", re.I)
# Other standards the rules cite, by where their canonical text lives.
_STANDARD_URLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"SP\s*800-63B", re.I), "https://pages.nist.gov/800-63-4/sp800-63b.html"),
    (re.compile(r"SP\s*800-57", re.I), "https://csrc.nist.gov/pubs/sp/800/57/pt1/r5/final"),
    (re.compile(r"SP\s*800-131A", re.I), "https://csrc.nist.gov/pubs/sp/800/131/a/r2/final"),
    (re.compile(r"IR\s*8547", re.I), "https://csrc.nist.gov/pubs/ir/8547/ipd"),
    (
        re.compile(r"OpenID Connect Core", re.I),
        "https://openid.net/specs/openid-connect-core-1_0.html",
    ),
    (
        re.compile(r"OpenID Connect Discovery", re.I),
        "https://openid.net/specs/openid-connect-discovery-1_0.html",
    ),
    (
        re.compile(r"ASVS", re.I),
        "https://owasp.org/www-project-application-security-verification-standard/",
    ),
)

# Words the house style replaces with "§" (a section number follows), and a section number
# after a part's name without its "§" ("validation 6.1.2"; versions follow capitalised names).
_OTHER_STYLE = re.compile(r"\b(?:sections?|sec\.|chapter)\s*\d", re.I)
_BARE_SECTION = re.compile(r"(?<![\w.-])[a-z][a-z-]*\s+(\d+\.\d+(?:\.\d+)*)")


def citation_url(citation: str) -> str | None:
    """A link to the first standard named in ``citation`` (RFCs with their section)."""
    found: list[tuple[int, str]] = []
    m = _RFC.search(citation)
    if m:
        url = f"https://www.rfc-editor.org/rfc/rfc{m.group(1)}"
        found.append((m.start(), f"{url}#section-{m.group(2)}" if m.group(2) else url))
    for pattern, url in _STANDARD_URLS:
        hit = pattern.search(citation)
        if hit:
            found.append((hit.start(), url))
    return min(found)[1] if found else None


@cache  # the registries check every rule's citation at import; half of them are repeats
def citation_problem(citation: str) -> str | None:
    """Why ``citation`` breaks the house style, or ``None`` when it follows it."""
    m = _OTHER_STYLE.search(citation)
    if m:
        return f"write sections as '§3.1', not {m.group(0)[:-1].strip()!r} ({citation!r})"
    m = _BARE_SECTION.search(citation)
    if m:
        return f"write the section as '§{m.group(1)}' ({citation!r})"
    if "§ " in citation:
        return f"no space after '§' ({citation!r})"
    return None
