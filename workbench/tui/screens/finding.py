"""The finding detail (``enter`` on a finding): everything the workbench knows about one finding,
as a reviewer reads it before deciding.

The full message, the rule's title, rationale, fix and citation with its link (from the rule
registries: the same text as the rule pages), who breaks, the old and new values with their
lines, the witness instance when schema inclusion found one, and whether this amendment
introduced the finding. ``y`` copies it as plain text (``App.copy_to_clipboard``: OSC 52, which
works over SSH); ``a`` accepts it with a reason through the amend action registry, as the
checklist does (only on the working-tree draft: a commit's amendment is history).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.tui import commands
from workbench.tui.diffmodel import Item
from workbench.tui.jobs import JobHost
from workbench.tui.safe import clean_inline
from workbench.tui.screens.help import scroll_pager
from workbench.tui.widgets.footer import Footer

WITNESS_CHARS = 2000  # a witness instance longer than this is cut (the JSON report has it all)


def _rule_meta(item: Item) -> Any:
    """The registry entry of the finding's rule (``None`` for an unknown id)."""
    if item.kind == "security":
        from workbench.security.registry import RULES

        return RULES.get(item.rule)
    from workbench.engine.rules import REGISTRY

    return REGISTRY.get(item.rule)


def detail_fields(item: Item) -> list[tuple[str, str]]:
    """The finding as (label, text) pairs: what the screen shows and ``y`` copies. Every text
    is cleaned of control characters (contract values are untrusted)."""
    from workbench.engine.citations import citation_url

    meta = _rule_meta(item)
    finding = item.finding
    fields: list[tuple[str, str]] = []
    title = getattr(meta, "title", "") or getattr(finding, "title", "")
    fields.append(("rule", f"{item.rule}" + (f": {title}" if title else "")))
    fields.append(("severity", item.severity))
    fields.append(("path", item.path))
    lines = []
    if item.old_span:
        lines.append(f"old {_span(item.old_span)}")
    if item.new_span:
        lines.append(f"new {_span(item.new_span)}")
    if lines:
        fields.append(("lines", ", ".join(lines)))
    fields.append(("message", item.message))
    if item.kind == "security":
        if getattr(finding, "ignored", None):
            status = f"accepted ({finding.ignored})"
        elif item.new:
            status = "new in this amendment"
        else:
            status = "already present in the old version (not counted for this amendment)"
        fields.append(("status", status))
    else:
        fields.append(("status", "new in this amendment"))
        breaks = ", ".join(b.replace("_", " ") for b in item.breaks) or "nobody"
        fields.append(("breaks", breaks))
        consumers = getattr(finding, "consumers", ()) or ()
        if consumers:
            fields.append(("consumers", ", ".join(consumers)))
        if item.security != "neutral":
            fields.append(("security", f"{item.security} security"))
        if item.was or item.now:
            fields.append(("was", item.was or "(unset)"))
            fields.append(("now", item.now or "(unset)"))
    if item.note and item.note != "already present":
        fields.append(("note", item.note))
    rationale = getattr(meta, "rationale", "")
    if rationale:
        fields.append(("rationale", rationale))
    fix = item.fix or getattr(meta, "fix", "")
    if fix:
        fields.append(("fix", fix))
    citation = item.citation or getattr(meta, "citation", "")
    if citation:
        url = citation_url(citation)
        fields.append(("citation", citation + (f"  {url}" if url else "")))
    witness = getattr(finding, "witness", None)
    if witness:
        fields.append(("witness", _witness(witness)))
    fingerprint = getattr(finding, "fingerprint", "")
    if fingerprint:
        fields.append(("fingerprint", fingerprint))
    return [(label, clean_inline(text)) for label, text in fields]


def _span(span: tuple[int, int]) -> str:
    return f"line {span[0]}" if span[0] == span[1] else f"lines {span[0]}-{span[1]}"


def _witness(witness: dict[str, Any]) -> str:
    """The instance one schema accepts and the other refuses, as JSON (cut when huge)."""
    instance = json.dumps(witness.get("instance"), ensure_ascii=False, default=str)
    if len(instance) > WITNESS_CHARS:
        instance = instance[:WITNESS_CHARS] + " …"
    valid, invalid = witness.get("valid"), witness.get("invalid")
    sides = f" (valid against the {valid} schema, invalid against the {invalid})" if valid else ""
    return instance + sides


def finding_text(item: Item) -> str:
    """The finding as plain text (what ``y`` copies)."""
    width = max(len(label) for label, _ in detail_fields(item))
    return "\n".join(f"{label.ljust(width)}  {text}" for label, text in detail_fields(item)) + "\n"


def finding_content(item: Item) -> Content:
    """The finding for the screen: labels dim, the text literal (never markup)."""
    out: list[Content] = []
    for label, text in detail_fields(item):
        style = "bold $security" if label == "status" and "new" in text else ""
        if label == "severity":
            style = "bold"
        out.append(
            Content.assemble(
                (f"{label:>11}  ", "dim"), Content.styled(text, style) if style else Content(text)
            )
        )
    return Content("\n").join(out)


@dataclass(frozen=True, eq=False)
class AcceptFinding:
    """Accept one finding of the working-tree draft with a reason (the amend action)."""

    path: str
    fingerprint: str
    reason: str


class FindingScreen(JobHost, ModalScreen[bool]):
    """One finding in full; dismissed with ``True`` when it was accepted (the main screen
    then reloads)."""

    BINDINGS = commands.bindings("finding", "pager")

    DEFAULT_CSS = """
    FindingScreen { align: center middle; }
    FindingScreen > VerticalScroll {
        width: 110;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    FindingScreen #finding-text { width: 100%; }
    FindingScreen #finding-hint { color: $text-muted; margin: 1 0 0 0; }
    """

    def __init__(self, item: Item, *, path: str | None, writable: bool, repo: Any) -> None:
        super().__init__()
        self.item = item
        self.path = path
        self.writable = writable
        self.repo = repo
        self.accepted = False

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = Content.assemble(
                ("Finding ", "bold"), (clean_inline(self.item.rule), "bold $text-primary")
            )
            yield Static(finding_content(self.item), id="finding-text")
            hint = "y copies · esc closes"
            if self.can_accept:
                hint = "a accepts with a reason · " + hint
            yield Static(Content(hint), id="finding-hint")
        yield Footer()

    @property
    def can_accept(self) -> bool:
        """Breaking changes and security findings the draft introduced can be accepted."""
        item = self.item
        if not self.writable or not getattr(item.finding, "fingerprint", ""):
            return False
        if item.kind == "security":
            return item.new and not getattr(item.finding, "ignored", None)
        return item.severity == "breaking"

    def action_scroll(self, where: str) -> None:
        scroll_pager(self.query_one(VerticalScroll), where)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(finding_text(self.item))
        self.notify("Finding copied as plain text.")

    def action_close(self) -> None:
        self.dismiss(self.accepted)

    def action_accept(self) -> None:
        from workbench.tui.screens.checklist import ReasonDialog

        if not self.can_accept:
            why = "Only the working-tree draft's breaking or new security findings can be accepted."
            self.notify(why, severity="warning")
            return
        fingerprint = self.item.finding.fingerprint

        def done(reason: str | None) -> None:
            if reason and self.path is not None:
                request = AcceptFinding(self.path, fingerprint, reason)
                self.run_job(request, self._accept, self._accepted, self._failed, group="accept")

        label = f"{self.item.severity} {self.item.rule} at {self.item.path}"
        self.app.push_screen(ReasonDialog(label), done)

    def _accept(self, request: AcceptFinding) -> str:
        """Through the amend action registry, as the checklist and ``workbench amend``."""
        from workbench.amendment.actions import ACTIONS
        from workbench.amendment.session import AmendmentSession

        session = AmendmentSession.open(request.path, repo=self.repo)
        try:
            outcome = ACTIONS["accept"].perform(
                session, fingerprint=request.fingerprint, reason=request.reason
            )
        finally:
            session.close()
        return outcome.note or "Accepted."

    def _accepted(self, request: AcceptFinding, note: str) -> None:
        self.accepted = True
        self.notify(clean_inline(note), markup=False)
        self.dismiss(True)

    def _failed(self, request: AcceptFinding, error: str) -> None:
        self.notify(clean_inline(error), severity="error", markup=False, timeout=8)
