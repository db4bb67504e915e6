"""Run the service with uvicorn: in the foreground (``steward serve``) or in a thread.

:func:`open_state` loads the tree and opens the store; :func:`serve` runs until SIGINT or
SIGTERM (uvicorn's graceful shutdown: requests in flight finish; the check running then
finishes too, and checks still waiting are dropped, to be found again by the next check
of the tree). :class:`ServerThread` runs the same server in a thread of this process on
a free loopback port, as the tests do.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn

from steward.config import Config
from steward.distro.tree import load_tree
from steward.service.app import create_app
from steward.service.state import ServiceState
from steward.store import Store

__all__ = ["ServerThread", "open_state", "serve"]


def open_state(
    path: Path, config: Config, *, db: str | None = None, profile: str | None = None
) -> ServiceState:
    """The tree at ``path`` loaded and the store (``db``, else the configured) opened."""
    distro = load_tree(path, profile=profile or config.profile)
    store = Store.open(db or config.db)
    return ServiceState(distro=distro, config=config, store=store, policy=config.policy)


def _server(state: ServiceState, host: str, port: int, log_level: str = "info") -> uvicorn.Server:
    settings = uvicorn.Config(
        create_app(state),
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=30,
    )
    return uvicorn.Server(settings)


def serve(
    state: ServiceState, host: str = "127.0.0.1", port: int = 8080, *, schedule: bool = True
) -> None:
    """Serve (and, with ``schedule``, run the scheduler) until interrupted, then let the
    running check finish and close the store."""
    from steward.service.scheduler import Scheduler

    scheduler = Scheduler(state).start() if schedule else None
    # uvicorn handles SIGINT/SIGTERM itself (graceful shutdown), then raises the signal
    # again for the handler it found; this one lets the process finish its cleanup and
    # exit 0 instead of dying of the signal.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _stopped)
    try:
        _server(state, host, port).run()
    finally:
        if scheduler is not None:
            scheduler.stop()
        state.stop()
        state.store.close()


def _stopped(number: int, frame: object) -> None:
    """The signal already stopped the server: nothing more to do."""


class ServerThread:
    """The service on ``127.0.0.1`` at a free port, in a thread, until :meth:`stop`."""

    def __init__(self, state: ServiceState, host: str = "127.0.0.1") -> None:
        with socket.socket() as probe:
            probe.bind((host, 0))
            self.port = probe.getsockname()[1]
        self.host = host
        self.state = state
        self._server = _server(state, host, self.port, "warning")
        self._thread = threading.Thread(target=self._server.run, name="steward-serve", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self.state.stop()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
