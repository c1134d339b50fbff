"""``workbench serve``: the terminal UI in a browser, through textual-serve.

Each browser tab that connects gets its own ``workbench open PATH`` process (the same app, the
same repository, the same keys), run by textual-serve with its web driver. Whoever reaches the
port can act with the git identity of the user who started the server, so:

- it binds to loopback by default, and :func:`exposure_warning` says so when it does not;
- on a loopback binding, requests must name the server by a loopback ``Host`` (a web page whose
  domain was re-pointed at 127.0.0.1, DNS rebinding, is refused);
- the terminal's WebSocket is refused when a browser opens it from another origin (a page on
  another site cannot drive the workbench: browsers do not apply CORS to WebSockets);
- the page is served from the package's own template: no font or script from a third party.
"""

from __future__ import annotations

import asyncio
import ipaddress
import shlex
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "web"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


class ServeError(Exception):
    """The server cannot start (the port is taken, the host cannot be bound): one line."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or a name) only ever means this machine."""
    name = host.strip("[]").lower()
    if name in ("localhost", "localhost.") or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(name, None)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def exposure_warning(host: str, port: int) -> str | None:
    """The warning printed before serving on a host that is not loopback, else ``None``."""
    if is_loopback(host):
        return None
    where = "every network interface" if host in ("0.0.0.0", "::", "") else host
    return (
        f"workbench serve: warning: listening on {where} (port {port}): anyone who can reach "
        "this port can use the workbench on this repository with your git identity (read every "
        "contract and its history, stage, commit and sign off amendments). Use the default "
        f"host {DEFAULT_HOST} unless the network in between is yours."
    )


def served_command(path: Path, *, python: str | None = None) -> str:
    """The shell command textual-serve runs for each browser session: the TUI on ``path``."""
    exe = python or sys.executable
    code = "from workbench.cli import main; main()"
    target = str(Path(path).resolve())
    return f"{shlex.quote(exe)} -c {shlex.quote(code)} open {shlex.quote(target)}"


def url_host(host: str) -> str:
    """``host`` as it goes in a URL (IPv6 addresses in brackets)."""
    try:
        return f"[{host}]" if ipaddress.ip_address(host.strip("[]")).version == 6 else host
    except ValueError:
        return host


def allowed_hosts(host: str, port: int) -> frozenset[str] | None:
    """The ``Host`` headers a loopback server answers (``None``: any, for other bindings)."""
    if not is_loopback(host):
        return None
    names = {"127.0.0.1", "localhost", "[::1]", url_host(host).lower()}
    return frozenset(f"{n}:{port}" for n in names) | (
        frozenset(names) if port == 80 else frozenset()
    )


def make_server(path: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> Any:
    """The textual-serve server for the workbench on ``path`` (not started)."""
    from aiohttp import web
    from textual_serve.server import Server

    allowed = allowed_hosts(host, port)
    repo = Path(path).resolve()
    sessions: set[asyncio.Task] = set()

    class WorkbenchServer(Server):
        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(guard)
            return app

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            # The page's WebSocket URL names the server as the browser did (a 0.0.0.0 binding
            # is reached by some other name). Set and used with no await in between.
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def on_startup(self, app: web.Application) -> None:
            return None  # the command prints its own lines

        async def on_shutdown(self, app: web.Application) -> None:
            # aiohttp waits for open WebSockets before it stops (a minute): end each browser
            # session now; textual-serve then tells its app to quit and waits for it.
            for task in list(sessions):
                task.cancel()

    @web.middleware
    async def guard(request: web.Request, handler: Callable) -> web.StreamResponse:
        if allowed is not None and request.host.lower() not in allowed:
            raise web.HTTPForbidden(text="workbench serve: unexpected Host header\n")
        origin = request.headers.get("Origin")
        expected = f"{request.scheme}://{request.host}".lower()
        if request.path == "/ws" and origin is not None and origin.lower() != expected:
            raise web.HTTPForbidden(text="workbench serve: cross-origin session refused\n")
        if request.path != "/ws":
            return await handler(request)
        task = asyncio.current_task()
        assert task is not None
        sessions.add(task)
        try:
            return await handler(request)
        finally:
            sessions.discard(task)

    server = WorkbenchServer(
        served_command(repo),
        host=host,
        port=port,
        title=f"workbench: {repo.name}",
        public_url=f"http://{url_host(host)}:{port}",
        templates_path=TEMPLATES,
    )
    return server


def serve(
    path: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the workbench on ``path`` until interrupted (Ctrl+C or SIGTERM).

    Raises :class:`ServeError` when the address cannot be bound."""
    server = make_server(path, host, port)
    server.initialize_logging = lambda: None  # keep the command's output to its own lines
    try:
        probe = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    with socket.socket(probe[0][0], socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(probe[0][4])
        except OSError as exc:
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    echo(
        f"Serving the workbench on {Path(path).resolve()} at "
        f"http://{url_host(host)}:{port}/ (Ctrl+C to stop)"
    )
    server.serve()
