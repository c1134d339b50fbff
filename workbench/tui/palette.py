"""The command palette (``ctrl+p``): every registered command, and a jump to any contract or
any loaded revision of the selected contract.

Hits are built as ``Content`` (the contract names, subjects and authors are untrusted text):
Textual's own ``Matcher.highlight`` parses its argument as markup, so we highlight ourselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from workbench.tui import commands
from workbench.tui.safe import clean_inline

if TYPE_CHECKING:
    from workbench.tui.screens.main import MainScreen

OTHER_REVISIONS = 30  # revisions offered per contract other than the selected one


def _highlight(provider: Provider, query: str, text: str) -> tuple[float, Content]:
    """Score ``text`` against ``query`` and highlight the matched characters, literally."""
    matcher = provider.matcher(query)
    score = matcher.match(text)
    content = Content(text)
    if score:
        _, offsets = matcher.fuzzy_search.match(matcher.query, text)
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return score, content


class WorkbenchCommands(Provider):
    """Commands from the registry, then contracts, then revisions of the selected contract."""

    def _under(self) -> Any:
        """The screen under the palette (its commands and jumps act there, never unseen on a
        screen further below)."""
        from textual.command import CommandPalette

        for screen in reversed(self.app.screen_stack):
            if not isinstance(screen, CommandPalette):
                return screen
        return None

    def _main(self) -> MainScreen | None:
        """The main screen when it is the one under the palette (over the checklist or the
        help, its commands and jumps would act unseen on the screen below)."""
        from workbench.tui.screens.main import MainScreen

        screen = self._under()
        return screen if isinstance(screen, MainScreen) else None

    def _editor(self) -> Any:
        """The editor when it is the screen under the palette: the recipes act on its buffer."""
        from workbench.tui.screens.editor import EditorScreen

        screen = self._under()
        return screen if isinstance(screen, EditorScreen) else None

    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(text shown, help, callback) for everything the palette offers."""
        out: list[tuple[str, str, Callable[[], object]]] = []
        main = self._main()
        editor = self._editor() if main is None else None
        for cmd in commands.commands(palette=True):
            if editor is not None and (cmd.id.startswith("recipe.") or cmd.id == "amend.recipe"):
                help_text = cmd.description.replace("the working tree", "the editor's buffer")
                out.append((cmd.title, help_text, partial(self._in_editor, editor, cmd)))
                continue
            if cmd.scope in ("main", "history", "list") and main is None:
                continue
            keys = self.app._keymap.get(cmd.id, cmd.keys) if cmd.keys else ""
            shown = ", ".join(
                self.app.get_key_display(cmd.binding().with_key(k.strip()))
                for k in keys.split(",")
                if k.strip()
            )
            # Textual parses a hit's help as markup: ours is fixed text, the keys are escaped
            help_text = cmd.description + (f"  ({escape(shown)})" if shown else "")
            out.append((cmd.title, help_text, partial(self._run, cmd)))
        if main is not None:
            for entry in main.entries:
                name = clean_inline(entry.id or entry.path)
                text = f"contract {name} {clean_inline(entry.version)} · {clean_inline(entry.path)}"
                out.append(
                    (
                        text,
                        "Show this contract's history",
                        partial(main.jump_to_contract, entry.path),
                    )
                )
            names = {e.path: clean_inline(e.id or e.path) for e in main.entries}
            current = main.current_path
            # the selected contract's revisions first, then every other indexed contract's
            paths = sorted(main.revision_index, key=lambda p: (p != current, p))
            for path in paths:
                revisions = list(main.revision_index.get(path, ()))
                if path != current:
                    revisions = revisions[:OTHER_REVISIONS]
                for revision in revisions:
                    date = revision.date.strftime("%Y-%m-%d") if revision.date else "draft"
                    text = (
                        f"revision {revision.short} {names.get(path, clean_inline(path))} "
                        f"{clean_inline(revision.version)} {date} "
                        f"{clean_inline(revision.subject)} · {clean_inline(revision.author_name)}"
                    )
                    jump = partial(main.jump_to_revision, path, revision.rev)
                    out.append((text, "Show this revision's diff", jump))
        return out

    def _in_editor(self, editor: Any, cmd: commands.Command) -> None:
        self.app.call_later(editor.run_action, cmd.action)

    def _run(self, cmd: commands.Command) -> None:
        main = self._main()
        action = cmd.action
        if cmd.scope == "app" or main is None:
            self.app.call_later(self.app.run_action, action)
        else:
            self.app.call_later(main.run_action, action.removeprefix("screen."))

    async def discover(self) -> Hits:
        for text, help_text, callback in self._entries():
            yield DiscoveryHit(Content(text), callback, text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        for n, (text, help_text, callback) in enumerate(self._entries()):
            if n % 200 == 199:
                await asyncio.sleep(0)  # a long list never freezes the typing
            score, display = _highlight(self, query, text)
            if score > 0:
                yield Hit(score, display, callback, text=text, help=help_text)
