"""The one registry of user commands: key bindings, footer, help screen and command palette.

Every command has a stable id (the key a user remaps in ``settings.yaml``'s ``keymap``), its
default keys, the action it runs, a title and a one-line description. Widgets build their
``BINDINGS`` from it by scope, the ``?`` screen lists it by group, and the palette offers every
command that makes sense without a key (``palette=True``).

Scopes: ``app`` (anywhere), ``main`` (the main screen), ``list`` (the contracts, history and
findings lists), ``history`` (the history list only), ``nav`` (cursor movement in every list
and the diff), ``scroll`` (sideways scrolling of the lists and the diff), ``diffview`` (the
diff only: its search), ``finding`` (the finding detail), ``checklist`` (the
amendment checklist screen: listed on its own ``?`` screen, not in the palette), ``dialog``
(the checklist's dialogs), ``summary`` (the summary dialog), ``notice`` (the notice preview),
``pager`` (scrolling the ``?`` screen and the notice), ``help`` (the ``?`` screen), ``empty``
(the screen shown when there is nothing to browse), ``editor`` (the built-in editor), ``choice``
(its questions: unsaved changes, a file changed on disk), ``commit`` (the commit dialog).

A new key is one ``Command`` here: the class that handles it takes its scope's bindings with
``bindings(scope)``, and the ``?`` screen, the palette, ``docs/keys.md`` and the user's keymap
follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class Command:
    id: str
    keys: str
    action: str
    title: str
    description: str
    group: str
    scope: str
    show: bool = False
    palette: bool = True
    key_display: str | None = None
    bind: bool = True  # False: listed (help, palette) but bound by Textual itself
    priority: bool = False
    footer_width: int = 0  # a ``show`` command leaves the footer below this terminal width

    def binding(self) -> Binding:
        return Binding(
            self.keys,
            self.action,
            self.title,
            show=self.show,
            key_display=self.key_display,
            priority=self.priority,
            tooltip=self.description,
            id=self.id,
        )


NAVIGATION = "Navigation"
REVISIONS = "Revisions"
DIFF = "Diff and findings"
GENERAL = "General"
CHECKLIST = "Amendment checklist"
EDITOR = "Editor"
RECIPES = "Amendment recipes"
SCREENS = "Keys screen, notice and empty screen"

_BUILTIN: tuple[Command, ...] = (
    # --- navigation ------------------------------------------------------------------------
    Command(
        "nav.down",
        "j,down",
        "cursor_down",
        "Down",
        "Move the cursor down",
        NAVIGATION,
        "nav",
        palette=False,
        key_display="j/↓",
    ),
    Command(
        "nav.up",
        "k,up",
        "cursor_up",
        "Up",
        "Move the cursor up",
        NAVIGATION,
        "nav",
        palette=False,
        key_display="k/↑",
    ),
    Command(
        "nav.page-down",
        "pagedown,ctrl+d",
        "page_down",
        "Page down",
        "Move a page down",
        NAVIGATION,
        "nav",
        palette=False,
    ),
    Command(
        "nav.page-up",
        "pageup,ctrl+u",
        "page_up",
        "Page up",
        "Move a page up",
        NAVIGATION,
        "nav",
        palette=False,
    ),
    Command(
        "nav.top",
        "home,g",
        "scroll_top",
        "Top",
        "Go to the first line",
        NAVIGATION,
        "nav",
        palette=False,
    ),
    Command(
        "nav.bottom",
        "end,G",
        "scroll_bottom",
        "Bottom",
        "Go to the last line",
        NAVIGATION,
        "nav",
        palette=False,
    ),
    Command(
        "nav.open",
        "enter",
        "select_cursor",
        "Open",
        "Open: contract → history → diff; expand a folded region",
        NAVIGATION,
        "nav",
        palette=False,
    ),
    Command(
        "nav.left",
        "h,left",
        "scroll_left",
        "Scroll left",
        "Scroll left (long lines)",
        NAVIGATION,
        "scroll",
        palette=False,
        key_display="h/←",
    ),
    Command(
        "nav.right",
        "l,right",
        "scroll_right",
        "Scroll right",
        "Scroll right (long lines)",
        NAVIGATION,
        "scroll",
        palette=False,
        key_display="l/→",
    ),
    Command(
        "pane.next",
        "tab",
        "focus_pane(1)",
        "Next pane",
        "Focus the next pane",
        NAVIGATION,
        "main",
        palette=False,
    ),
    Command(
        "pane.previous",
        "shift+tab",
        "focus_pane(-1)",
        "Previous pane",
        "Focus the previous pane",
        NAVIGATION,
        "main",
        palette=False,
    ),
    Command(
        "pane.contracts",
        "1",
        "focus_named('contracts')",
        "Contracts",
        "Focus the contracts pane",
        NAVIGATION,
        "main",
    ),
    Command(
        "pane.history",
        "2",
        "focus_named('history')",
        "History",
        "Focus the history pane",
        NAVIGATION,
        "main",
    ),
    Command(
        "pane.diff", "3", "focus_named('diff')", "Diff", "Focus the diff pane", NAVIGATION, "main"
    ),
    Command(
        "pane.findings",
        "4",
        "focus_named('findings')",
        "Findings",
        "Focus the findings list",
        NAVIGATION,
        "main",
    ),
    Command(
        "nav.back",
        "escape",
        "back",
        "Back",
        "Back: close the filter, clear the mark, previous pane",
        NAVIGATION,
        "main",
        palette=False,
        key_display="esc",
    ),
    Command(
        "list.filter",
        "slash",
        "screen.filter",
        "Filter",
        "Filter the current list (in the diff: search it)",
        NAVIGATION,
        "list",
        show=True,
        key_display="/",
    ),
    Command(
        "pane.zoom",
        "z",
        "zoom",
        "Zoom",
        "Maximise the focused pane (again to restore)",
        NAVIGATION,
        "main",
    ),
    # --- revisions -------------------------------------------------------------------------
    Command(
        "rev.mark",
        "space",
        "screen.mark",
        "Mark",
        "Mark a revision: the diff then shows marked vs selected, older on the left",
        REVISIONS,
        "history",
        show=True,
        footer_width=66,
    ),
    Command(
        "rev.swap",
        "s",
        "swap_sides",
        "Swap sides",
        "Swap the sides of a marked-vs-selected diff (judge a rollback)",
        REVISIONS,
        "main",
    ),
    Command(
        "rev.base",
        "b",
        "compare_base",
        "vs base",
        "Working tree vs the merge base of the default branch",
        REVISIONS,
        "main",
        show=True,
        footer_width=112,
    ),
    Command(
        "app.refresh",
        "r",
        "refresh_all",
        "Refresh",
        "Reload contracts and history from disk and git",
        REVISIONS,
        "main",
    ),
    Command(
        "amend.checklist",
        "c",
        "checklist",
        "Checklist",
        "Open the amendment checklist of the selected draft",
        REVISIONS,
        "main",
        show=True,
        footer_width=76,
    ),
    Command(
        "amend.commit",
        "C",
        "commit",
        "Commit",
        "Open the draft's checklist and commit the amendment (when the gate lets it through)",
        REVISIONS,
        "main",
        key_display="C",
    ),
    Command(
        "edit.open",
        "e",
        "edit",
        "Edit",
        "Edit the contract in the built-in editor, with a live verdict",
        REVISIONS,
        "main",
        show=True,
        footer_width=84,
    ),
    Command(
        "edit.external",
        "E",
        "external_editor",
        "Open in $EDITOR",
        "Open the contract in $VISUAL/$EDITOR at the finding's line",
        REVISIONS,
        "main",
        key_display="E",
    ),
    Command(
        "amend.recipe",
        "R",
        "recipe",
        "Recipe",
        "Pick an amendment recipe for the selected contract (rotate an algorithm, rename a "
        "scope...): review its diff and verdict, then apply it to the working tree",
        RECIPES,
        "main",
        key_display="R",
    ),
    # --- diff and findings -----------------------------------------------------------------
    Command(
        "findings.next",
        "n",
        "next_finding(1)",
        "Next finding",
        "Next breaking, risky or security-weakening finding",
        DIFF,
        "main",
        show=True,
        footer_width=66,
        key_display="n",
    ),
    Command(
        "findings.previous",
        "N",
        "next_finding(-1)",
        "Previous finding",
        "Previous breaking, risky or security-weakening finding",
        DIFF,
        "main",
        key_display="N",
    ),
    Command(
        "findings.detail",
        "",
        "finding_detail",
        "Finding detail",
        "Enter on a finding: its rationale, fix, citation, values, witness; y copies, a accepts",
        DIFF,
        "main",
        key_display="enter",
    ),
    Command(
        "findings.filter",
        "f",
        "cycle_filter",
        "Filter findings",
        "Cycle the findings filter: all, breaking, security",
        DIFF,
        "main",
        show=True,
        footer_width=94,
    ),
    Command(
        "diff.unified",
        "u",
        "toggle_unified",
        "Split/unified/auto",
        "Cycle the diff mode: split, unified, auto (split when there is room)",
        DIFF,
        "main",
        show=True,
        footer_width=128,
    ),
    Command(
        "diff.wrap",
        "w",
        "toggle_wrap",
        "Wrap lines",
        "Fold long lines in the diff (again: scroll them sideways)",
        DIFF,
        "main",
    ),
    Command(
        "diff.search",
        "slash",
        "screen.filter",
        "Search the diff",
        "In the diff: / searches (matches highlighted; n/N go to them; esc clears)",
        DIFF,
        "diffview",
        palette=False,
        key_display="/",
    ),
    Command(
        "diff.less-context",
        "left_curly_bracket",
        "context(-1)",
        "Less context",
        "Show fewer unchanged lines around changes",
        DIFF,
        "main",
        key_display="{",
    ),
    Command(
        "diff.more-context",
        "right_curly_bracket",
        "context(1)",
        "More context",
        "More unchanged lines around changes (up to all)",
        DIFF,
        "main",
        key_display="}",
    ),
    # --- general ---------------------------------------------------------------------------
    Command(
        "app.help",
        "question_mark",
        "help",
        "Help",
        "Show all keys",
        GENERAL,
        "app",
        show=True,
        key_display="?",
    ),
    Command(
        "app.palette",
        "ctrl+p",
        "command_palette",
        "Commands",
        "Every command; jump to any contract or revision",
        GENERAL,
        "app",
        palette=False,
        priority=True,
    ),
    Command(
        "app.layout",
        "L",
        "toggle_layout",
        "Toggle layout",
        "Switch between stacked lists and three columns",
        GENERAL,
        "main",
    ),
    Command(
        "app.theme",
        "",
        "app.change_theme",
        "Change theme",
        "Pick a colour theme",
        GENERAL,
        "app",
        bind=False,
    ),
    Command("app.quit", "q", "quit", "Quit", "Quit the workbench", GENERAL, "app", show=True),
    # --- the amendment checklist (its own screen) --------------------------------------------
    Command(
        "checklist.close",
        "escape",
        "close",
        "Back",
        "Back to the history",
        CHECKLIST,
        "checklist",
        show=True,
        palette=False,
    ),
    Command(
        "checklist.switch",
        "tab",
        "switch",
        "Steps/items",
        "Move between the steps and their items",
        CHECKLIST,
        "checklist",
        palette=False,
    ),
    Command(
        "checklist.steps",
        "1",
        "focus_pane('steps')",
        "Steps",
        "Focus the steps pane",
        CHECKLIST,
        "checklist",
        palette=False,
    ),
    Command(
        "checklist.items",
        "2",
        "focus_pane('items')",
        "Items",
        "Focus the items pane",
        CHECKLIST,
        "checklist",
        palette=False,
    ),
    Command(
        "checklist.bump",
        "b",
        "bump",
        "Bump",
        "Apply the required bump: set the version (only the version line changes)",
        CHECKLIST,
        "checklist",
        show=True,
        palette=False,
    ),
    Command(
        "checklist.accept",
        "a",
        "accept",
        "Accept",
        "Accept the finding with a written reason (or fix it: e edits the contract)",
        CHECKLIST,
        "checklist",
        show=True,
        palette=False,
    ),
    Command(
        "checklist.withdraw",
        "x",
        "withdraw",
        "Withdraw",
        "Withdraw the acceptance of the selected finding",
        CHECKLIST,
        "checklist",
        palette=False,
    ),
    Command(
        "checklist.sign-off",
        "s",
        "sign_off",
        "Sign off",
        "The reviewer signs off this change set",
        CHECKLIST,
        "checklist",
        show=True,
        palette=False,
    ),
    Command(
        "checklist.notice",
        "t",
        "notice",
        "Notice",
        "Generate the notice and preview it",
        CHECKLIST,
        "checklist",
        show=True,
        palette=False,
        footer_width=100,
    ),
    Command(
        "checklist.preview",
        "v",
        "preview",
        "Preview",
        "Preview the notice without saving it",
        CHECKLIST,
        "checklist",
        palette=False,
    ),
    Command(
        "checklist.changelog",
        "w",
        "changelog",
        "Changelog",
        "Append the entry to the changelog",
        CHECKLIST,
        "checklist",
        show=True,
        palette=False,
        footer_width=100,
    ),
    Command(
        "checklist.notify",
        "n",
        "notify",
        "Notified",
        "Confirm this consumer was told (N: every affected consumer)",
        CHECKLIST,
        "checklist",
        show=True,
        palette=False,
        footer_width=100,
    ),
    Command(
        "checklist.notify-all",
        "N",
        "notify_all",
        "All notified",
        "Confirm that every affected consumer was told",
        CHECKLIST,
        "checklist",
        palette=False,
    ),
    Command(
        "checklist.summary",
        "m",
        "summary",
        "Summary",
        "Write the summary",
        CHECKLIST,
        "checklist",
        palette=False,
    ),
    Command(
        "checklist.edit",
        "e",
        "edit",
        "Edit",
        "Edit the contract in the built-in editor",
        CHECKLIST,
        "checklist",
        show=True,
        palette=False,
    ),
    Command(
        "checklist.external",
        "E",
        "external_editor",
        "Open in $EDITOR",
        "Edit the contract in $VISUAL/$EDITOR at the selected item's line",
        CHECKLIST,
        "checklist",
        palette=False,
        key_display="E",
    ),
    Command(
        "checklist.commit",
        "C",
        "commit",
        "Commit",
        "Commit the amendment's files (when the gate lets it through)",
        CHECKLIST,
        "checklist",
        show=True,
        palette=False,
        key_display="C",
    ),
    Command(
        "checklist.start",
        "d",
        "start",
        "New amendment",
        "Start the amendment record",
        CHECKLIST,
        "checklist",
        show=True,
        palette=False,
        footer_width=100,
    ),
    Command(
        "checklist.refresh",
        "r",
        "refresh",
        "Refresh",
        "Re-check and save the record",
        CHECKLIST,
        "checklist",
        palette=False,
    ),
    Command(
        "checklist.dialog-cancel",
        "escape",
        "cancel",
        "Cancel",
        "Close a dialog without saving",
        CHECKLIST,
        "dialog",
        show=True,
        palette=False,
    ),
    Command(
        "checklist.summary-save",
        "ctrl+s",
        "save",
        "Save",
        "Save the summary being written",
        CHECKLIST,
        "summary",
        show=True,
        palette=False,
    ),
    Command(
        "checklist.notice-close",
        "escape,q",
        "dismiss",
        "Close",
        "Close the notice preview",
        CHECKLIST,
        "notice",
        show=True,
        palette=False,
    ),
    Command(
        "checklist.notice-copy",
        "y",
        "copy",
        "Copy",
        "Copy the notice as plain text (works over SSH)",
        CHECKLIST,
        "notice",
        show=True,
        palette=False,
    ),
    # --- the finding detail -------------------------------------------------------------------
    Command(
        "finding.close",
        "escape,q",
        "close",
        "Close",
        "Close the finding detail",
        DIFF,
        "finding",
        show=True,
        palette=False,
    ),
    Command(
        "finding.copy",
        "y",
        "copy",
        "Copy",
        "Copy the finding as plain text (works over SSH)",
        DIFF,
        "finding",
        show=True,
        palette=False,
    ),
    Command(
        "finding.accept",
        "a",
        "accept",
        "Accept",
        "Accept the finding with a written reason (the working-tree draft only)",
        DIFF,
        "finding",
        show=True,
        palette=False,
    ),
    # --- the built-in editor (its own screen) ------------------------------------------------
    Command(
        "editor.save",
        "ctrl+s",
        "save",
        "Save",
        "Save the buffer to the working tree (atomically; warns if the file changed on disk)",
        EDITOR,
        "editor",
        show=True,
        palette=False,
    ),
    Command(
        "editor.close",
        "escape",
        "close",
        "Back",
        "Leave the buffer for the lists; again: leave the editor (asks first if unsaved)",
        EDITOR,
        "editor",
        show=True,
        palette=False,
        key_display="esc",
    ),
    Command(
        "editor.switch",
        "ctrl+t",
        "switch",
        "Buffer/lists",
        "Move the focus between the buffer, the problems and the findings",
        EDITOR,
        "editor",
        show=True,
        palette=False,
    ),
    Command(
        "editor.next-problem",
        "f8",
        "next_problem",
        "Next problem",
        "Move the cursor to the next line with a validation problem",
        EDITOR,
        "editor",
        show=True,
        palette=False,
    ),
    Command(
        "editor.external",
        "ctrl+o",
        "external",
        "$EDITOR",
        "Open the saved file in $VISUAL/$EDITOR at the cursor's line, then read it back",
        EDITOR,
        "editor",
        palette=False,
    ),
    Command(
        "choice.save",
        "s",
        "choose('save')",
        "Save",
        "Save the changes, then leave",
        EDITOR,
        "choice",
        show=True,
        palette=False,
    ),
    Command(
        "choice.discard",
        "d",
        "choose('discard')",
        "Discard",
        "Leave without saving",
        EDITOR,
        "choice",
        show=True,
        palette=False,
    ),
    Command(
        "choice.overwrite",
        "o",
        "choose('overwrite')",
        "Overwrite",
        "Write this buffer over the file that changed on disk",
        EDITOR,
        "choice",
        show=True,
        palette=False,
    ),
    Command(
        "choice.reload",
        "r",
        "choose('reload')",
        "Reload",
        "Read the file from disk again (this buffer's changes are lost)",
        EDITOR,
        "choice",
        show=True,
        palette=False,
    ),
    Command(
        "choice.cancel",
        "escape",
        "cancel",
        "Cancel",
        "Close the question and go back",
        EDITOR,
        "choice",
        show=True,
        palette=False,
    ),
    Command(
        "commit.confirm",
        "ctrl+s",
        "commit",
        "Commit",
        "Commit the amendment's files with this message (the hooks run)",
        CHECKLIST,
        "commit",
        show=True,
        palette=False,
    ),
    Command(
        "commit.cancel",
        "escape",
        "cancel",
        "Cancel",
        "Close the commit dialog without committing",
        CHECKLIST,
        "commit",
        show=True,
        palette=False,
    ),
    # --- the keys screen, the notice preview and the empty screen ----------------------------
    Command(
        "help.close",
        "escape,q,question_mark",
        "dismiss",
        "Close",
        "Close the keys screen",
        SCREENS,
        "help",
        show=True,
        palette=False,
    ),
    Command(
        "help.search",
        "slash",
        "search",
        "Search",
        "Search the keys screen (enter keeps the search, esc clears it)",
        SCREENS,
        "help",
        show=True,
        palette=False,
        key_display="/",
    ),
    Command(
        "pager.down",
        "j,down",
        "scroll('down')",
        "Scroll down",
        "Scroll the keys screen or the notice down a line",
        SCREENS,
        "pager",
        palette=False,
        key_display="j/↓",
    ),
    Command(
        "pager.up",
        "k,up",
        "scroll('up')",
        "Scroll up",
        "Scroll the keys screen or the notice up a line",
        SCREENS,
        "pager",
        palette=False,
        key_display="k/↑",
    ),
    Command(
        "pager.page-down",
        "pagedown,ctrl+d,space",
        "scroll('page_down')",
        "Page down",
        "Scroll the keys screen or the notice down a page",
        SCREENS,
        "pager",
        palette=False,
    ),
    Command(
        "pager.page-up",
        "pageup,ctrl+u",
        "scroll('page_up')",
        "Page up",
        "Scroll the keys screen or the notice up a page",
        SCREENS,
        "pager",
        palette=False,
    ),
    Command(
        "pager.top",
        "g,home",
        "scroll('home')",
        "Top",
        "Scroll the keys screen or the notice to the top",
        SCREENS,
        "pager",
        palette=False,
    ),
    Command(
        "pager.bottom",
        "G,end",
        "scroll('end')",
        "Bottom",
        "Scroll the keys screen or the notice to the bottom",
        SCREENS,
        "pager",
        palette=False,
    ),
    Command(
        "empty.demo",
        "d",
        "demo",
        "Open the demo",
        "No contracts here: build and open the demo repository",
        SCREENS,
        "empty",
        show=True,
        palette=False,
    ),
    Command(
        "empty.retry",
        "r",
        "retry",
        "Retry",
        "No contracts here: look again",
        SCREENS,
        "empty",
        show=True,
        palette=False,
    ),
)


def _recipe_commands() -> tuple[Command, ...]:
    """One palette command per amendment recipe (no default key: a keymap may give one)."""
    from workbench.amendment.recipes import RECIPES as REGISTRY

    return tuple(
        Command(
            f"recipe.{r.id}",
            "",
            f"recipe('{r.id}')",
            f"Recipe: {r.title}",
            r.help,
            RECIPES,
            "main",
        )
        for r in REGISTRY.values()
    )


_ALL: dict[str, Command] = {}


def _all() -> dict[str, Command]:
    """Every command by id: the built-in ones and one per recipe. The recipes (and the
    contract code they bring) are imported the first time a list of every command is needed
    (the palette, the keys screen, a keymap), not while the app starts: none of them has a
    key, so no binding and no footer needs them."""
    if not _ALL:
        _ALL.update((c.id, c) for c in _BUILTIN + _recipe_commands())
    return _ALL


def __getattr__(name: str) -> object:
    """``COMMANDS`` (every command, in order) and ``BY_ID`` (the same by id), built on first
    use."""
    if name == "COMMANDS":
        return tuple(_all().values())
    if name == "BY_ID":
        return _all()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


GROUPS: tuple[str, ...] = (
    NAVIGATION,
    REVISIONS,
    DIFF,
    RECIPES,
    GENERAL,
    CHECKLIST,
    EDITOR,
    SCREENS,
)


def footer_hidden(width: int) -> frozenset[str]:
    """Ids of the commands the footer leaves out at ``width`` columns (it has room for the
    most useful keys, and always for help and quit)."""
    return frozenset(c.id for c in _BUILTIN if c.footer_width > width)


def bindings(*scopes: str) -> list[Binding]:
    """The bindings of the commands in ``scopes``, for a class's ``BINDINGS``."""
    return [c.binding() for c in _BUILTIN if c.scope in scopes and c.bind and c.keys]


def commands(*, palette: bool | None = None) -> Iterable[Command]:
    for c in _all().values():
        if palette is None or c.palette == palette:
            yield c
