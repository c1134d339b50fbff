"""The amend actions: the one registry behind ``workbench amend`` and the TUI checklist screen.

Each action has an id, a title, a one-line help, whether it writes (an answer: refused on a
read-only staged or committed revision), its parameters, what it runs (a function of an
:class:`~workbench.amendment.session.AmendmentSession` and those parameters) and how its result
is described: the :class:`Outcome` both faces show, in one wording. The command line generates
its ``workbench amend`` subcommands from ``ACTIONS`` (parameters become arguments and options);
the checklist screen asks for the parameters in its dialogs and dispatches through the same
entries. A new action, or a new wording, is one change here.

Importing this module imports no session, engine or git code (``workbench amend --help``
lists the actions without them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.amendment.atomic import all_or_nothing

if TYPE_CHECKING:
    from workbench.amendment.bump import BumpResult
    from workbench.amendment.changelog import ChangelogResult
    from workbench.amendment.checklist import Checklist
    from workbench.amendment.record import Acceptance, Notified, Record, SignOff
    from workbench.amendment.session import AmendmentSession


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an action (a keyword of its ``run``).

    ``kind``: ``argument`` (one required value), ``arguments`` (any number), ``option`` (a
    value) or ``flag`` (a switch). ``flag`` is the option's name on the command line when it is
    not ``--NAME``; ``date`` values are ``YYYY-MM-DD`` and reach ``run`` as dates.
    """

    name: str
    help: str = ""
    kind: str = "option"
    flag: str | None = None
    short: str | None = None
    metavar: str | None = None
    required: bool = False
    default: Any = None
    date: bool = False

    @property
    def option(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action did, for any face.

    ``note`` is the one line that says it (empty when the refreshed checklist says it all);
    ``notice`` is a notice to show (Markdown) and ``where`` where it is; ``checklist`` is set
    when the answer is the checklist itself (the command line prints it as ``amend status``
    does; the checklist screen shows it anyway).
    """

    note: str = ""
    notice: str | None = None
    where: str = ""
    checklist: Checklist | None = None


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    title: str
    help: str
    writes: bool
    run: Callable[..., Any]  # (session, **params) -> result
    describe: Callable[..., Outcome]  # (session, result, **params) -> Outcome
    params: tuple[Param, ...] = ()
    command: str | None = None  # the `workbench amend` subcommand; None: the TUI only
    usage: Callable[..., str | None] | None = None  # (**params) -> what is wrong, or None

    def usage_error(self, params: Mapping[str, Any]) -> str | None:
        """What is wrong with ``params`` as a whole (before anything is opened), or ``None``."""
        return self.usage(**params) if self.usage is not None else None

    def perform(self, session: AmendmentSession, **params: Any) -> Outcome:
        """Run the action on ``session`` and describe its result; refusals raise
        :class:`~workbench.amendment.session.AmendmentError`."""
        with all_or_nothing():  # a failure half-way leaves every file as it was
            result = self.run(session, **params)
        return self.describe(session, result, **params)


# --- the actions --------------------------------------------------------------------------------


def _started(s: AmendmentSession, record: Record, **_: Any) -> Outcome:
    from workbench.amendment.record import versions_text  # the session loaded it already

    assert s.located is not None
    return Outcome(f"{s.located.relpath}: {record.contract} {versions_text(record)}")


def _bumped(s: AmendmentSession, result: BumpResult, **_: Any) -> Outcome:
    if s.unversioned:  # an artefact without a SemVer version: the record keeps the label
        where = s.located.relpath if s.located is not None else "the record"
        if not result.changed:
            return Outcome(f"{where}: already released as {result.new_version}")
        return Outcome(
            f"{where}: released as {result.new_version} ({s.path} itself is unchanged: it "
            "carries no version)"
        )
    if not result.changed:
        return Outcome(f"{s.path}: already at {result.new_version}")
    return Outcome(f"{s.path}:{result.line}: version {result.old_version} -> {result.new_version}")


def _accepted(s: AmendmentSession, acc: Acceptance, **_: Any) -> Outcome:
    return Outcome(f"accepted {acc.fingerprint} ({acc.rule} at {acc.path})")


def _signed(s: AmendmentSession, sign: SignOff, **_: Any) -> Outcome:
    where = s.located.relpath if s.located is not None else "the record"
    return Outcome(
        f"signed off by {sign.who} for change set {sign.fingerprint}; commit {where} as "
        "yourself: the merge gate verifies that commit's author"
    )


def _withdrawn(s: AmendmentSession, removed: list[Acceptance], **_: Any) -> Outcome:
    return Outcome(
        "withdrew "
        + "; ".join(f"{a.fingerprint} ({a.rule or 'finding'} at {a.path or '?'})" for a in removed)
    )


def _noticed(s: AmendmentSession, result: tuple[str, str], show: bool = False, **_: Any) -> Outcome:
    text, rel = result
    return Outcome(text if show else f"wrote {rel}", notice=text, where=rel)


CHANGELOG_VERBS: dict[str, str] = {
    "created": "created with the entry",
    "inserted": "entry added",
    "replaced": "entry replaced",
    "exists": "already has an entry (use --replace to rewrite it)",
}


def _logged(s: AmendmentSession, result: ChangelogResult, **_: Any) -> Outcome:
    return Outcome(f"{result.path}: {CHANGELOG_VERBS[result.status]}")


def _notified(s: AmendmentSession, done: list[Notified], **_: Any) -> Outcome:
    return Outcome("notified: " + ", ".join(n.consumer for n in done))


def _notify_usage(consumers: tuple[str, ...] = (), everyone: bool = False, **_: Any) -> str | None:
    return "name the consumers, or give --all" if bool(consumers) == everyone else None


def _saved(s: AmendmentSession, result: Any, **_: Any) -> Outcome:
    return Outcome()


def _refresh(s: AmendmentSession) -> Checklist:
    """Re-check; on the working tree also save a record that exists with the fresh results
    (never when the contract is unchanged since the base: a re-check is a read)."""
    return s.sync() if s.mode == "worktree" else s.refresh()


def _refreshed_note(s: AmendmentSession, checklist: Checklist, **_: Any) -> Outcome:
    if s.unchanged:
        return Outcome(
            f"{s.path}: contract unchanged since {s.base_label}: nothing to amend, nothing written",
            checklist=checklist,
        )
    return Outcome(checklist=checklist)


def _start(
    s: AmendmentSession, summary: str | None = None, effective: dt.date | None = None
) -> Record:
    return s.start(summary=summary, effective=effective)


def _notify(
    s: AmendmentSession, consumers: tuple[str, ...] = (), everyone: bool = False
) -> list[Notified]:
    return s.notify(None if everyone else list(consumers))


FINGERPRINT = Param("fingerprint", kind="argument")

_ACTIONS: tuple[Action, ...] = (
    Action(
        "start",
        "Start the amendment record",
        "Create the amendment record for the next version (or keep the existing one).",
        writes=True,
        run=_start,
        describe=_started,
        params=(
            Param("summary", "One paragraph for the notice and the record."),
            Param(
                "effective",
                "The day the new version takes effect.",
                metavar="YYYY-MM-DD",
                date=True,
            ),
        ),
        command="start",
    ),
    Action(
        "summary",
        "Write the summary",
        "Set the summary the notice and the record show.",
        writes=True,
        run=lambda s, text: s.set_summary(text),
        describe=_saved,
        params=(Param("text", kind="argument"),),
        command="summary",
    ),
    Action(
        "bump",
        "Set the version",
        "Set the contract's version in the working tree; only the version line changes. An "
        "artefact without a SemVer version is released under the label given (kept in the "
        "record).",
        writes=True,
        run=lambda s, version=None: s.apply_bump(version),
        describe=_bumped,
        params=(
            Param(
                "version",
                "Default: the required bump. For an artefact without a SemVer version: the "
                "release label (2025-06, r42...).",
                metavar="X.Y.Z",
            ),
        ),
        command="bump",
    ),
    Action(
        "accept",
        "Accept a finding",
        "Accept a breaking or security finding (by fingerprint or a prefix) with a reason.",
        writes=True,
        run=lambda s, fingerprint, reason: s.accept(fingerprint, reason),
        describe=_accepted,
        params=(
            FINGERPRINT,
            Param("reason", "Why the finding is acceptable (kept).", short="-r", required=True),
        ),
        command="accept",
    ),
    Action(
        "withdraw",
        "Withdraw an acceptance",
        "Remove an acceptance (for example one whose finding is gone).",
        writes=True,
        run=lambda s, fingerprint: s.withdraw(fingerprint),
        describe=_withdrawn,
        params=(FINGERPRINT,),
        command="withdraw",
    ),
    Action(
        "sign_off",
        "Sign off",
        "Sign off the committed change as its security reviewer: you, as git config names you "
        "(user.name, user.email); commit the record yourself.",
        writes=True,
        run=lambda s, reviewer=None, email=None, comment="": s.sign_off(reviewer, email, comment),
        describe=_signed,
        params=(
            Param(
                "reviewer",
                "Only a check: must be your git user.name (nobody signs off for someone else).",
            ),
            Param("email", "Only a check: must be your git user.email."),
            Param("comment", "A note kept with the sign-off.", default=""),
        ),
        command="sign-off",
    ),
    Action(
        "notice",
        "Generate the notice",
        "Generate the notice, write it next to the record and note it in the record.",
        writes=True,
        run=lambda s, show=False: s.generate_notice(),
        describe=_noticed,
        params=(Param("show", "Also print the notice.", kind="flag", flag="--print"),),
        command="notice",
    ),
    Action(
        "preview",
        "Preview the notice",
        "Show the notice for the current state without writing anything.",
        writes=False,
        run=lambda s: s.render_notice(),
        describe=lambda s, text: Outcome(notice=text, where="preview (not saved)"),
    ),
    Action(
        "changelog",
        "Append the changelog entry",
        "Append the Keep a Changelog entry to the CHANGELOG.md next to the contract.",
        writes=True,
        run=lambda s, replace=False: s.append_changelog(replace=replace),
        describe=_logged,
        params=(Param("replace", "Rewrite an existing entry for this version.", kind="flag"),),
        command="changelog",
    ),
    Action(
        "notify",
        "Confirm consumers as notified",
        "Confirm consumers as notified of this change set (after sending the notice).",
        writes=True,
        run=_notify,
        describe=_notified,
        params=(
            Param("consumers", kind="arguments"),
            Param("everyone", "Every affected consumer.", kind="flag", flag="--all"),
        ),
        command="notify",
        usage=_notify_usage,
    ),
    Action(
        "refresh",
        "Re-check",
        "Re-run the checks and save the record (moving it if the version changed).",
        writes=False,
        run=_refresh,
        describe=_refreshed_note,
        command="refresh",
    ),
)

ACTIONS: dict[str, Action] = {a.id: a for a in _ACTIONS}

__all__ = ["ACTIONS", "Action", "Outcome", "Param"]
