"""``steward import`` and ``--config nvchecker.toml``: other tools' configurations, read as is.

The readers are in :mod:`steward.upstream.imports`; this module says on the command line
what Steward does not use, and turns an nvchecker configuration into Steward's settings.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from steward.cli.output import emit_document, err, escape, usage_error

__all__ = ["IMPORT_EPILOG", "import_config", "nvchecker_as_config"]

IMPORT_EPILOG = (
    "Examples:\n\n"
    "  steward import examples/nvchecker.toml > steward.toml\n\n"
    "  steward import examples/anitya-projects.json --distro openEuler --json\n\n"
    "Prints the packages as [packages.NAME] tables of a steward.toml, with a comment for "
    "every key or setting Steward does not read. An nvchecker configuration can also be "
    "used directly: steward check TREE --config nvchecker.toml.\n\n"
    "Exit status: 0 read, 2 the file is not an nvchecker or Anitya configuration."
)


def _report_unsupported(imported: Any) -> None:
    """One line on standard error per package or setting whose keys Steward ignores."""
    for item in imported.ignored:
        err.print(f"note: {escape(str(imported.source))}: Steward does not use {escape(item)}")
    for package in imported.packages:
        if package.unsupported:
            keys = ", ".join(package.unsupported)
            err.print(
                f"note: {escape(str(imported.source))}: {escape(package.name)}: "
                f"Steward does not read {escape(keys)}"
            )
        for note in package.notes:
            err.print(f"note: {escape(str(imported.source))}: {escape(package.name)}: {note}")


def _replace(settings: Any, **changes: Any) -> Any:
    """A copy of a settings object with ``changes`` (a dataclass or a pydantic model)."""
    if hasattr(settings, "model_copy"):
        return settings.model_copy(update=changes)
    import dataclasses

    return dataclasses.replace(settings, **changes)


def nvchecker_as_config(path: Path, base: Any = None) -> Any:
    """Steward's configuration ``base`` (default: the defaults) with an nvchecker file's
    packages, keyfile and limits. Raises ``ImportFormatError`` or ``ConfigError``."""
    from steward.config import Config, ConfigError
    from steward.upstream.imports import read_nvchecker

    imported = read_nvchecker(path)
    _report_unsupported(imported)
    base = base if base is not None else Config()
    changes: dict[str, Any] = {}
    if imported.keyfile is not None:
        if not imported.keyfile.is_file():
            raise ConfigError(f"{path}: keyfile {imported.keyfile} does not exist")
        changes["key_file"] = imported.keyfile
    if imported.concurrency:
        changes["concurrency"] = imported.concurrency
    if imported.timeout:
        changes["timeout"] = imported.timeout
    return _replace(
        base,
        network=_replace(base.network, **changes),
        packages={**base.packages, **imported.tables()},
        path=path,
    )


def import_config(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="An nvchecker or Anitya file.")
    ],
    file_format: Annotated[
        str, typer.Option("--from", help="auto, nvchecker (TOML) or anitya (JSON export).")
    ] = "auto",
    distro: Annotated[
        str | None,
        typer.Option(help="Anitya: name packages as this distribution does (e.g. Fedora)."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Read an nvchecker configuration or an Anitya export as Steward package tables."""
    from steward.cli import documents as d
    from steward.upstream.imports import (
        ImportFormatError,
        looks_like_nvchecker,
        read_anitya,
        read_nvchecker,
        to_toml,
    )

    if file_format not in ("auto", "nvchecker", "anitya"):
        raise usage_error(f"--from {file_format!r}: choose auto, nvchecker or anitya")
    if file_format == "auto":
        file_format = "anitya" if path.suffix == ".json" else "nvchecker"
        if file_format == "nvchecker" and not looks_like_nvchecker(path):
            raise usage_error(
                f"{path} is neither an nvchecker configuration nor an Anitya export (.json)"
            )
    try:
        imported = (
            read_anitya(path, distro=distro) if file_format == "anitya" else read_nvchecker(path)
        )
    except ImportFormatError as exc:
        raise usage_error(str(exc)) from exc
    if json_output:
        packages = [
            d.ImportedPackage(package=p.name, table=p.table, unsupported=list(p.unsupported))
            for p in imported.packages
        ]
        emit_document(
            d.ImportDocument(
                source=str(path),
                format=imported.format,
                packages=packages,
                ignored=list(imported.ignored),
                summary=d.ImportSummary(
                    packages=len(packages),
                    with_unsupported_keys=sum(1 for p in packages if p.unsupported),
                ),
            )
        )
        return
    _report_unsupported(imported)
    sys.stdout.write(to_toml(imported))
