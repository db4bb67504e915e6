"""``steward serve``: the REST API and the webhook receiver for one tree, in one process.

A thin shell over :mod:`steward.service`; registered on the main app by :func:`register`
so that FastAPI and uvicorn load only when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register", "serve"]

_EPILOG = (
    "Examples:\n\n"
    "  steward serve examples/distro\n\n"
    "  steward serve ~/src-openeuler --host 0.0.0.0 --port 8080 --db postgresql://steward@db/steward\n\n"
    "The API's document is at /openapi.json, its pages at /docs; webhooks go to "
    "/webhooks/github, /webhooks/gitlab, /webhooks/gitee and /webhooks/gitea. "
    "Writes need the [service] token of the configuration (see docs/service.md).\n\n"
    "Exit status: 0 stopped by SIGINT/SIGTERM, 2 usage error, 3 the store cannot be opened."
)


def serve(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A package tree.")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8080,
    db: Annotated[str | None, typer.Option(help="Database URL.")] = None,
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
    profile: Annotated[str | None, typer.Option(help="Distro profile.")] = None,
    schedule: Annotated[
        bool, typer.Option("--schedule/--no-schedule", help="Check upstreams when they are due.")
    ] = True,
) -> None:
    """Serve the tree's packages, upstream releases and checks over HTTP, and receive webhooks."""
    from steward.cli.main import _load_cli_config, _runtime_error, _usage_error
    from steward.cli.output import err
    from steward.distro.profiles import ProfileError
    from steward.distro.tree import TreeError
    from steward.service.server import open_state
    from steward.service.server import serve as run_server
    from steward.store import StoreError

    config = _load_cli_config(config_path)
    try:
        state = open_state(path, config, db=db, profile=profile)
    except (TreeError, ProfileError) as exc:
        raise _usage_error(str(exc)) from exc
    except StoreError as exc:
        raise _runtime_error(str(exc)) from exc
    if not config.service.token:
        err.print("No [service] token is configured: the API's write endpoints are disabled.")
    run_server(state, host, port, schedule=schedule)
    raise typer.Exit(0)


def register(app: typer.Typer) -> None:
    """Add ``steward serve`` to the main command."""
    app.command("serve", epilog=_EPILOG)(serve)
