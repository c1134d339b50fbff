"""Command-line faces of the workbench: one thin module per command, each calling the same core
functions the TUI uses.

``main`` is the console script. ``workbench --version`` is answered here, before click or any
command is imported (click alone takes three times as long to import as Python takes to start),
and so is a plain ``workbench diff`` (its arguments read by ``quick.py``, which hands anything
unusual to click); every other command line goes to the click group in ``group.py``, which
imports a command's module only when that command runs, and lists them for ``--help`` from
``COMMANDS`` below.

Exit codes everywhere: 0 success, 1 findings or invalid input that the command reports, 2 usage
errors (and load errors for ``diff``/``review``, which cannot compare what they cannot read),
refusals of the environment (read-only, full disk, name too long) and, through the guard in
``output.run``, anything unexpected: one line on standard error, never a traceback.
"""

import os
import sys

from workbench import __version__

# Every command: name -> (module under workbench.cli, the first paragraph of its help, which
# `workbench --help` shortens as click would; a test keeps both in step). ``open`` (the terminal
# UI) is hidden: it is what `workbench [PATH]` runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "amend": (
        "amend",
        "Answer the amendment checklist from the command line (the TUI's `c` screen does the "
        "same).",
    ),
    "check": (
        "check",
        "Fail when a changed contract has no complete and current amendment record.",
    ),
    "demo": (
        "demo",
        "Build the demo repository (sample contracts with their history) and open it.",
    ),
    "diff": ("diff", "Classify what an amendment changes, for whom, and how badly."),
    "import": (
        "importer",
        "Read an artefact (OIDC discovery, RFC 8414 metadata, OpenAPI 3, Keycloak realm export, "
        "Dex config) and write it as a contract in format v1.1 that judges the same.",
    ),
    "log": (
        "log",
        "One line per amendment, newest first: date, revision, author, version, the bump the "
        "changes need and the one made, counts of breaking/risky/safe findings, security "
        "weakenings and new security findings, and the subject.",
    ),
    "notice": (
        "notice",
        "Print the amendment notice (Markdown) for OLD -> NEW, files or REV:PATH.",
    ),
    "open": (
        "ui",
        "Open the workbench on the repository containing PATH (a contract file is preselected).",
    ),
    "review": (
        "review",
        "Security review of a contract (PATH) or of an amendment (OLD NEW).",
    ),
    "serve": (
        "serve",
        "Serve the workbench on the repository containing PATH to a browser.",
    ),
    "validate": (
        "validate",
        "Check contracts against format v1 and artefacts as their readers read them; print "
        "every problem as file:line:col.",
    ),
}
HIDDEN = frozenset({"open"})
PROG = "workbench"


class Main:
    """The ``workbench`` entry point. It behaves as the click group does (``main()`` parses
    ``sys.argv``; ``main.main(args=...)`` is what click's test runner calls) and answers
    ``--version`` without importing click."""

    name = PROG

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self.main(*args, **kwargs)

    def main(
        self, args: list[str] | None = None, prog_name: str | None = None, **extra: object
    ) -> object:
        argv = sys.argv[1:] if args is None else list(args)
        if argv == ["--version"] and extra.get("standalone_mode", True):
            sys.stdout.write(f"{PROG}, version {__version__}\n")
            sys.stdout.flush()
            sys.exit(0)
        standalone = extra.get("standalone_mode", True)
        if argv[:1] == ["diff"] and standalone and set(extra) <= {"standalone_mode"}:
            from workbench.cli.quick import diff_arguments

            arguments = diff_arguments(argv[1:])
            if arguments is not None:
                from workbench.cli.output import guard

                try:
                    guard(lambda: _diff(arguments), "workbench diff")
                except SystemExit as done:
                    _leave(done)
        from workbench.cli.group import cli

        if not extra.get("standalone_mode", True):  # a caller that handles click's exceptions
            return cli.main(args=args, prog_name=prog_name, **extra)
        from workbench.cli.output import run  # the gate on click's messages, and the guard

        extra.pop("standalone_mode", None)
        run(cli, args, prog_name, **extra)


def _diff(arguments: dict) -> object:
    import gc

    # The collector pauses while the command's modules are imported (what they define lives
    # as long as the process: collecting every few hundred objects found nothing to free), and
    # those objects are then frozen out of later collections.
    paused = gc.isenabled()
    gc.disable()
    try:
        from workbench.cli.diff import run
    finally:
        if paused:
            gc.freeze()
            gc.enable()
    return run(**arguments)


def _leave(done: SystemExit) -> None:
    """End the ``workbench`` console script with ``done``'s status without the interpreter's
    teardown (freeing every module's objects costs a small diff a tenth of its time), once
    everything written is flushed; never returns. Anything the teardown would do (exit handlers, other
    threads, a status that is not a plain number) or any other caller (a test calling
    ``main()``) gets the ``SystemExit`` back, as before."""
    code = 0 if done.code is None else done.code
    if (
        type(code) is int
        and 0 <= code <= 255
        and _console_script()
        and _ncallbacks() == 0
        and ("threading" not in sys.modules or sys.modules["threading"].active_count() == 1)
    ):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            raise done from None  # the interpreter's own final flush reports it, as before
        os._exit(code)
    raise done


def _console_script() -> bool:
    """Whether the process is the installed ``workbench`` script, which ends with this call."""
    script = sys.modules.get("__main__")
    name = os.path.basename(getattr(script, "__file__", None) or "")
    return getattr(script, "main", None) is main and name in _SCRIPT_NAMES


def _ncallbacks() -> int:
    import atexit

    count = getattr(atexit, "_ncallbacks", None)
    return count() if count is not None else -1


_SCRIPT_NAMES = frozenset({"workbench", "workbench.exe", "workbench-script.py"})


main = Main()

__all__ = ["COMMANDS", "HIDDEN", "main"]
