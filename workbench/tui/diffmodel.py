"""The data behind the diff view: aligned lines, folds, and the lines each finding points to.

Pure Python (no Textual): it is built in a worker thread and handed to the widget, which only
renders the rows on screen.

A :class:`DiffDocument` holds the two texts, their line alignment (``difflib`` opcodes, after
stripping the common head and tail so a one-line amendment of a 10,000-line contract costs
almost nothing) and the findings as :class:`Item`\\ s with their line spans. :meth:`layout`
turns it into display rows for a mode (split or unified), a context size and a set of expanded
folds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from functools import cache
from typing import TYPE_CHECKING, Any

from workbench.tui.safe import clean_inline, clean_lines

if TYPE_CHECKING:  # the engine is imported by the workers that judge, not while the app starts
    from workbench.contract.yamlsrc import Loc
    from workbench.engine.model import DiffReport

# Row kinds.
EQUAL, DELETE, INSERT, REPLACE, FOLD, BANNER = range(6)
Row = tuple[int, int, int, int]  # kind, old line index (-1), new line index (-1), extra

# Mark flags of a line.
SAFE, RISKY, BREAKING, WEAKENS, SECURITY = 1, 2, 4, 8, 16
SEVERITY_FLAG = {"safe": SAFE, "risky": RISKY, "breaking": BREAKING}
SECURITY_SEVERITIES = ("critical", "high", "medium", "low", "info")


@cache
def severity_rank() -> dict[str, int]:
    """The engine's order of severities (``MARK_RANK``), worst first."""
    from workbench.engine.model import MARK_RANK

    return MARK_RANK


CONTEXT_STEPS = (0, 1, 3, 5, 10, 25, -1)  # -1: everything (no folds)
MIN_FOLD = 4  # never fold fewer lines than this: the fold row would hide almost nothing


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the findings list: an engine finding or a security review finding."""

    index: int
    kind: str  # "change" | "security"
    severity: str  # breaking|risky|safe, or critical|high|medium|low|info for security
    rule: str
    path: str
    message: str
    breaks: tuple[str, ...] = ()
    weakens: bool = False
    old_span: tuple[int, int] | None = None  # 1-based first and last line
    new_span: tuple[int, int] | None = None
    note: str = ""
    security: str = "neutral"  # weakens | strengthens | neutral (engine findings)
    was: str = ""  # the old and new values, as text
    now: str = ""
    fix: str = ""
    citation: str = ""
    new: bool = True  # introduced by this amendment (a security finding may be already present)
    rationale: str = ""
    finding: Any = None  # the core finding (``Finding`` or ``SecurityFinding``): the detail

    @property
    def counted(self) -> bool:
        """A security finding the security count includes (new, not accepted, above info)."""
        return (
            self.kind == "security"
            and self.new
            and self.severity != "info"
            and not getattr(self.finding, "ignored", False)
        )

    @property
    def important(self) -> bool:
        """What ``n``/``N`` stop at: breaking or risky changes, weakenings, serious security."""
        if self.kind == "security":
            return self.severity in ("critical", "high", "medium")
        return self.severity in ("breaking", "risky") or self.weakens

    @property
    def is_security(self) -> bool:
        """Shown under the ``security`` filter: security findings and weakening changes."""
        return self.kind == "security" or self.weakens

    @property
    def flags(self) -> int:
        """Gutter marks: the severity bar of a change, and ◆ for what weakens security in this
        amendment (a finding already present, accepted or advice is not marked on the lines of
        every revision; the findings list shows it with a dim ◇)."""
        if self.kind == "security":
            return SECURITY if self.counted or self.weakens else 0
        return SEVERITY_FLAG.get(self.severity, 0) | (WEAKENS if self.weakens else 0)

    @property
    def rank(self) -> int:
        return severity_rank().get(self.severity, 9)

    def contains(self, old_line: int | None, new_line: int | None) -> bool:
        """Whether this item points at the 1-based line of either side."""
        if (
            new_line is not None
            and self.new_span
            and self.new_span[0] <= new_line <= self.new_span[1]
        ):
            return True
        return bool(
            old_line is not None
            and self.old_span
            and self.old_span[0] <= old_line <= self.old_span[1]
        )

    @property
    def span_size(self) -> int:
        spans = [s for s in (self.new_span, self.old_span) if s]
        return min((s[1] - s[0] for s in spans), default=1 << 30)


def _span(loc: Loc | None) -> tuple[int, int] | None:
    """A location as a 1-based ``(first, last)`` line span."""
    if loc is None or loc.line < 1:
        return None
    return (loc.line, max(loc.end_line, loc.line))


def _anchor(loc: Loc | None, value: Any) -> tuple[int, int] | None:
    """The span of one side of a change. A side without the value (an addition's old side, a
    removal's new side) points at the enclosing block only to say where: its first line."""
    span = _span(loc)
    if span is not None and value is None:
        return (span[0], span[0])
    return span


def items_from_report(report: DiffReport | None) -> list[Item]:
    """The findings and security findings of a ``DiffReport`` as display items, worst first."""
    items: list[Item] = []
    if report is None:
        return items
    for f in report.findings:
        items.append(
            Item(
                index=0,
                kind="change",
                severity=f.severity,
                rule=clean_inline(f.rule),
                path=clean_inline(f.path),
                message=clean_inline(f.message),
                breaks=tuple(clean_inline(b) for b in f.breaks),
                weakens=f.security == "weakens",
                old_span=_anchor(f.old_loc, f.old),
                new_span=_anchor(f.new_loc, f.new),
                note=clean_inline(f.note or ""),
                security=f.security,
                was=_value(f.path, f.old),
                now=_value(f.path, f.new),
                finding=f,
            )
        )
    for s in report.security_findings:
        # a security finding points into the side it names: the new contract, or the old one
        # for something the amendment removed
        span = _span(s.location)
        old_span, new_span = (span, None) if s.side == "old" else (None, span)
        items.append(
            Item(
                index=0,
                kind="security",
                severity=s.severity,
                rule=clean_inline(s.rule),
                path=clean_inline(s.path),
                message=clean_inline(s.message),
                weakens=s.kind == "regression",
                old_span=old_span,
                new_span=new_span,
                note="" if s.new_in_amendment else "already present",
                security="weakens" if s.kind == "regression" else "neutral",
                fix=clean_inline(s.fix),
                citation=clean_inline(s.citation),
                new=bool(s.new_in_amendment),
                finding=s,
            )
        )
    return number_items(items)


def _value(path: str, value: Any) -> str:
    """A finding's old or new value as one short line, as the text report writes it (durations
    as ``15m``, booleans as YAML's ``true``); ``""`` when the side has none."""
    if value is None:
        return ""
    from workbench.report.common import display_value  # in the worker, not at start-up

    return clean_inline(display_value(path, value, 120))


def number_items(items: Iterable[Item]) -> list[Item]:
    """Sort items: new in this amendment first, then worst first, then by position; and
    number them."""
    ordered = sorted(
        items,
        key=lambda it: (
            not it.new,
            it.rank,
            (it.new_span or it.old_span or (1 << 30,))[0],
            it.rule,
            it.path,
        ),
    )
    return [replace(it, index=i) for i, it in enumerate(ordered)]


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Line alignment as difflib-style opcodes.

    ``difflib.SequenceMatcher`` alone takes seconds on large, repetitive YAML (thousands of
    ``type: string`` lines), so we anchor on lines that are rare in both ranges (patience /
    histogram diff: unique lines first, then the least frequent ones), keep the longest
    increasing run of anchors, recurse between them, and leave only small anchorless gaps to
    ``SequenceMatcher``.
    """
    pairs: list[tuple[int, int]] = []
    _align(a, b, 0, len(a), 0, len(b), pairs)
    ops: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    k, n = 0, len(pairs)
    while k < n:
        pi, pj = pairs[k]
        if pi > i or pj > j:
            tag = "replace" if pi > i and pj > j else ("delete" if pi > i else "insert")
            ops.append((tag, i, pi, j, pj))
        run = 1
        while k + run < n and pairs[k + run] == (pi + run, pj + run):
            run += 1
        ops.append(("equal", pi, pi + run, pj, pj + run))
        i, j = pi + run, pj + run
        k += run
    if i < len(a) or j < len(b):
        tag = "replace" if i < len(a) and j < len(b) else ("delete" if i < len(a) else "insert")
        ops.append((tag, i, len(a), j, len(b)))
    return ops


SMALL_GAP = 40_000  # cells of the (old x new) matrix difflib may examine in an anchorless gap


def _align(
    a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int, out: list[tuple[int, int]]
) -> None:
    """Append the matched ``(old, new)`` line pairs of ``a[alo:ahi]`` and ``b[blo:bhi]``."""
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        out.append((alo, blo))
        alo += 1
        blo += 1
    tail: list[tuple[int, int]] = []
    while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
        ahi -= 1
        bhi -= 1
        tail.append((ahi, bhi))
    if alo < ahi and blo < bhi:
        anchors = _anchors(a, b, alo, ahi, blo, bhi)
        if anchors:
            i, j = alo, blo
            for ai, bj in anchors:
                _align(a, b, i, ai, j, bj, out)
                out.append((ai, bj))
                i, j = ai + 1, bj + 1
            _align(a, b, i, ahi, j, bhi, out)
        elif (ahi - alo) * (bhi - blo) <= SMALL_GAP:
            matcher = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            for i, j, size in matcher.get_matching_blocks():
                out.extend((alo + i + t, blo + j + t) for t in range(size))
    out.extend(reversed(tail))


def _anchors(
    a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Pairs of equal lines that are rare in both ranges, as a longest increasing sequence."""
    count_a: dict[str, int] = {}
    for i in range(alo, ahi):
        count_a[a[i]] = count_a.get(a[i], 0) + 1
    count_b: dict[str, int] = {}
    for j in range(blo, bhi):
        line = b[j]
        if line in count_a:
            count_b[line] = count_b.get(line, 0) + 1
    if not count_b:
        return []
    best = min(max(count_a[line], count_b[line]) for line in count_b)
    if best > 64:
        return []
    rare = {line for line, c in count_b.items() if c == count_a[line] and c <= best}
    if not rare:
        return []
    seen: dict[str, list[int]] = {}
    for j in range(blo, bhi):
        if b[j] in rare:
            seen.setdefault(b[j], []).append(j)
    candidates: list[tuple[int, int]] = []
    nth: dict[str, int] = {}
    for i in range(alo, ahi):
        line = a[i]
        if line in rare:
            k = nth.get(line, 0)
            nth[line] = k + 1
            candidates.append((i, seen[line][k]))
    return _longest_increasing(candidates)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (sorted by old index) with increasing new index."""
    from bisect import bisect_left

    tails: list[int] = []  # smallest new index ending an increasing run of each length
    tail_at: list[int] = []  # index into pairs of that run's last element
    back = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[pos] = j
            tail_at[pos] = k
        back[k] = tail_at[pos - 1] if pos else -1
    out = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        out.append(pairs[k])
        k = back[k]
    out.reverse()
    return out


PAIR_CELLS = 900  # largest replaced block (old lines x new lines) paired by similarity
PAIR_CUTOFF = 0.6  # lines less similar than this are not worth facing each other


def pair_lines(
    a: list[str], b: list[str], i1: int, i2: int, j1: int, j2: int
) -> list[tuple[int, int]]:
    """How the rows of a replaced block ``a[i1:i2]`` -> ``b[j1:j2]`` line up, top to bottom.

    Like ``difflib.Differ``: the most similar pair of lines faces each other, then the same
    above and below it; lines with no similar counterpart pair up in order. So a line that
    changed next to an inserted comment stays opposite its new version instead of the comment.
    """
    if (i2 - i1) * (j2 - j1) > PAIR_CELLS or i1 == i2 or j1 == j2:
        return _in_order(i1, i2, j1, j2)
    ratios: dict[tuple[int, int], float] = {}
    matcher = SequenceMatcher(None, autojunk=False)
    for j in range(j1, j2):
        matcher.set_seq2(b[j])
        for i in range(i1, i2):
            matcher.set_seq1(a[i])
            if matcher.real_quick_ratio() < PAIR_CUTOFF or matcher.quick_ratio() < PAIR_CUTOFF:
                continue
            ratio = matcher.ratio()
            if ratio >= PAIR_CUTOFF:
                ratios[i, j] = ratio

    def place(i1: int, i2: int, j1: int, j2: int) -> list[tuple[int, int]]:
        best, where = 0.0, None
        for (i, j), ratio in ratios.items():
            if i1 <= i < i2 and j1 <= j < j2 and ratio > best:
                best, where = ratio, (i, j)
        if where is None:
            return _in_order(i1, i2, j1, j2)
        i, j = where
        return [*place(i1, i, j1, j), (i, j), *place(i + 1, i2, j + 1, j2)]

    return place(i1, i2, j1, j2)


def _in_order(i1: int, i2: int, j1: int, j2: int) -> list[tuple[int, int]]:
    """Pairs in order, then the old lines left over, then the new ones."""
    n = min(i2 - i1, j2 - j1)
    out = [(i1 + t, j1 + t) for t in range(n)]
    out += [(i, -1) for i in range(i1 + n, i2)]
    out += [(-1, j) for j in range(j1 + n, j2)]
    return out


@dataclass(slots=True)
class Layout:
    """Display rows for one mode/context/expansion, and where each source line landed."""

    rows: list[Row]
    old_row: list[int]  # old line index -> row index (a fold row when folded)
    new_row: list[int]
    folds: int = 0
    banners: list[str] = field(default_factory=list)  # the text of each banner row


@dataclass(slots=True)
class DiffDocument:
    """Two versions of a contract (either may be missing), aligned, with findings on lines."""

    old_text: str | None
    new_text: str | None
    items: list[Item] = field(default_factory=list)
    old_label: str = ""
    new_label: str = ""
    errors: list[str] = field(default_factory=list)  # shown as banners above the diff
    old_lines: list[str] = field(init=False)
    new_lines: list[str] = field(init=False)
    opcodes: list[tuple[str, int, int, int, int]] = field(init=False)
    old_marks: dict[int, int] = field(init=False)  # 0-based line -> flags
    new_marks: dict[int, int] = field(init=False)
    _pairings: dict[int, list[tuple[int, int]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pairings = {}
        self.old_lines = _lines(self.old_text)
        self.new_lines = _lines(self.new_text)
        self.errors = [clean_inline(e) for e in self.errors]
        self.opcodes = _opcodes(self.old_lines, self.new_lines)
        self.set_items(self.items)

    def set_items(self, items: list[Item]) -> None:
        """Attach findings (they may arrive after the texts) and compute the gutter marks."""
        self.items = items
        self.old_marks, self.new_marks = {}, {}
        for it in items:
            flags = it.flags
            for span, marks, size in (
                (it.old_span, self.old_marks, len(self.old_lines)),
                (it.new_span, self.new_marks, len(self.new_lines)),
            ):
                if span is None:
                    continue
                for line in range(span[0] - 1, min(span[1], size)):
                    marks[line] = marks.get(line, 0) | flags

    @property
    def changed(self) -> bool:
        return any(op[0] != "equal" for op in self.opcodes)

    @property
    def stats(self) -> tuple[int, int]:
        """Lines removed and added."""
        removed = sum(i2 - i1 for tag, i1, i2, _, _ in self.opcodes if tag != "equal")
        added = sum(j2 - j1 for tag, _, _, j1, j2 in self.opcodes if tag != "equal")
        return removed, added

    def layout(
        self,
        mode: str = "split",
        context: int = 3,
        expanded: Iterable[int] = (),
        width: int | None = None,
    ) -> Layout:
        """Rows for ``mode`` (``split`` or ``unified``); unchanged runs longer than the context
        around changes and marked lines fold into one row unless their id is in ``expanded``.
        The errors come first, as banner rows wrapped to ``width`` cells (whole when ``None``):
        an error names the file, line and column, and none of it may be cut off."""
        expanded = set(expanded)
        banners = banner_lines(self.errors, width)
        rows: list[Row] = [(BANNER, -1, -1, i) for i in range(len(banners))]
        old_row = [0] * len(self.old_lines)
        new_row = [0] * len(self.new_lines)
        folds = 0
        last = len(self.opcodes) - 1
        for k, (tag, i1, i2, j1, j2) in enumerate(self.opcodes):
            if tag == "equal":
                keep = self._visible(i1, i2, j1, k == 0, k == last, context)
                n = i2 - i1
                t = 0
                while t < n:
                    if keep is None or keep[t]:
                        old_row[i1 + t] = new_row[j1 + t] = len(rows)
                        rows.append((EQUAL, i1 + t, j1 + t, 0))
                        t += 1
                        continue
                    u = t
                    while u < n and not keep[u]:
                        u += 1
                    if u - t < MIN_FOLD or (i1 + t) in expanded:
                        for v in range(t, u):
                            old_row[i1 + v] = new_row[j1 + v] = len(rows)
                            rows.append((EQUAL, i1 + v, j1 + v, 0))
                    else:
                        folds += 1
                        here = len(rows)
                        for v in range(t, u):
                            old_row[i1 + v] = new_row[j1 + v] = here
                        rows.append((FOLD, i1 + t, j1 + t, u - t))
                    t = u
            elif tag == "delete":
                for i in range(i1, i2):
                    old_row[i] = len(rows)
                    rows.append((DELETE, i, -1, -1))
            elif tag == "insert":
                for j in range(j1, j2):
                    new_row[j] = len(rows)
                    rows.append((INSERT, -1, j, -1))
            elif mode == "unified":
                partner = {}
                for i, j in self._pairing(k):
                    if i >= 0 and j >= 0:
                        partner[i], partner[j + len(self.old_lines)] = j, i
                for i in range(i1, i2):
                    old_row[i] = len(rows)
                    rows.append((DELETE, i, -1, partner.get(i, -1)))
                for j in range(j1, j2):
                    new_row[j] = len(rows)
                    rows.append((INSERT, -1, j, partner.get(j + len(self.old_lines), -1)))
            else:
                for i, j in self._pairing(k):
                    if i >= 0:
                        old_row[i] = len(rows)
                    if j >= 0:
                        new_row[j] = len(rows)
                    kind = REPLACE if i >= 0 and j >= 0 else DELETE if i >= 0 else INSERT
                    rows.append((kind, i, j, 0 if kind == REPLACE else -1))
        return Layout(rows, old_row, new_row, folds, banners)

    def _pairing(self, k: int) -> list[tuple[int, int]]:
        """The rows of the replaced block ``opcodes[k]`` as ``(old, new)`` line pairs (-1: no
        line on that side), cached: each changed line faces its most similar counterpart."""
        cached = self._pairings.get(k)
        if cached is None:
            _, i1, i2, j1, j2 = self.opcodes[k]
            cached = self._pairings[k] = pair_lines(self.old_lines, self.new_lines, i1, i2, j1, j2)
        return cached

    def _visible(
        self, i1: int, i2: int, j1: int, first: bool, last: bool, context: int
    ) -> bytearray | None:
        """Which lines of an unchanged run stay visible (``None``: all of them)."""
        n = i2 - i1
        if context < 0 or n < MIN_FOLD:
            return None
        keep = bytearray(n)
        if not first:
            keep[: min(context, n)] = b"\x01" * min(context, n)
        if not last and context:
            keep[max(0, n - context) :] = b"\x01" * (n - max(0, n - context))
        marks_old, marks_new = self.old_marks, self.new_marks
        if marks_old or marks_new:
            for t in range(n):
                if (i1 + t) in marks_old or (j1 + t) in marks_new:
                    lo, hi = max(0, t - context), min(n, t + context + 1)
                    keep[lo:hi] = b"\x01" * (hi - lo)
        return keep


def banner_lines(errors: list[str], width: int | None) -> list[str]:
    """Each error as ``✖ message`` lines of at most ``width`` cells (continuations indented)."""
    import textwrap

    out: list[str] = []
    for error in errors:
        if width is None or width < 12:
            out.append(f"✖ {error}")
            continue
        parts = textwrap.wrap(error, width - 2, break_on_hyphens=False) or [""]
        out.append(f"✖ {parts[0]}")
        out.extend(f"  {part}" for part in parts[1:])
    return out


def _lines(text: str | None) -> list[str]:
    if text is None:
        return []
    lines = clean_lines(text)
    if lines and lines[-1] == "" and text.endswith(("\n", "\r")):
        lines.pop()
    return lines


def inline_changes(a: str, b: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Character spans that differ between two paired lines (empty when they share too little
    for a character diff to help the eye)."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < 0.35:
        return [], []
    old: list[tuple[int, int]] = []
    new: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            old.append((i1, i2))
        if j2 > j1:
            new.append((j1, j2))
    return old, new


__all__ = [
    "BANNER",
    "BREAKING",
    "CONTEXT_STEPS",
    "DELETE",
    "EQUAL",
    "FOLD",
    "INSERT",
    "REPLACE",
    "RISKY",
    "SAFE",
    "SECURITY",
    "WEAKENS",
    "DiffDocument",
    "Item",
    "Layout",
    "inline_changes",
    "items_from_report",
]
