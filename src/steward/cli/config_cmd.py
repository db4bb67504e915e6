"""``steward config check``: the configuration in effect and where each value came from."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

config_app = typer.Typer(
    name="config",
    help="Inspect Steward's configuration (see docs/configuration.md).",
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
)

#: Version of the ``--json`` document's shape.
SCHEMA = "steward.config-check/1"


@config_app.command(
    epilog=(
        "Examples:\n\n"
        "  steward config check\n\n"
        "  steward config check --config site.toml --json\n\n"
        "Exit status: 0 the configuration is valid, 2 it is not (the error names the file "
        "and the key)."
    )
)
def check(
    config_path: Annotated[
        Path | None, typer.Option("--config", help="Config file (default: the usual lookup).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Validate the configuration and print every setting with its origin."""
    from steward.config import TREE_FILE, ConfigError, config_paths, load_config, setting_origins

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        if json_output:
            _emit({"schema": SCHEMA, "valid": False, "error": str(exc)})
        else:
            print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    settings = [
        {"key": key, "value": _redacted(value), "origin": origin}
        for key, value, origin in setting_origins(config)
    ]
    notes = []
    if config.path is None and Path(TREE_FILE).is_file():
        notes.append(
            f"./{TREE_FILE} is a tree's file and is not read as your configuration; "
            "use --config or ~/.config/steward/config.toml"
        )
    if json_output:
        _emit(
            {
                "schema": SCHEMA,
                "valid": True,
                "file": str(config.path) if config.path else None,
                "searched": [str(p) for p in config_paths(config_path)],
                "settings": settings,
                "notes": notes,
            }
        )
        raise typer.Exit(0)
    where = str(config.path) if config.path else "none (defaults only)"
    print(f"configuration file: {where}")
    width = max(len(s["key"]) for s in settings)
    shown = min(40, max(len(_text(s["value"])) for s in settings))
    for item in settings:
        print(f"{item['key']:<{width}}  {_text(item['value']):<{shown}}  {item['origin']}")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    raise typer.Exit(0)


def _redacted(value: Any) -> Any:
    """URLs with their credentials (``user:pass@``, ``?access_token=``) blanked out."""
    from steward.upstream.fetch import redact_url

    if isinstance(value, str) and "://" in value:
        return redact_url(value)
    if isinstance(value, dict):
        return {_redacted(k): _redacted(v) for k, v in value.items()}
    return value


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _emit(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
