"""``steward advisory``: the distribution's own fixes as a CSAF 2.0 VEX document and OSV
records, validated against the official schemas before they are written.

A thin shell over :func:`steward.workflows.vulns.publish_fixes`; registered on the main app
by :func:`register`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["advisory", "register"]

_EPILOG = (
    "Examples:\n\n"
    "  steward advisory examples/distro -a ../shared/data/osv -o out/\n\n"
    "  steward advisory ~/src-openeuler -o advisories/ --created 2026-01-02T00:00:00Z\n\n"
    "Writes OUT/csaf/<tracking id>.json (CSAF 2.0, category csaf_vex) and OUT/osv/<id>.json "
    "(one OSV record per vulnerability): what the tree's backported patches fix "
    "(known_not_affected, vulnerable_code_not_present), what its versions already fix "
    "(fixed) and which upstream upgrade fixes the rest (known_affected with the remediation). "
    "Exit status: 0 written, 2 usage error."
)


def _file_name(name: str) -> str:
    """CSAF's file name rule: lower case, every run of other characters an ``_``."""
    return re.sub(r"[^+\-a-z0-9]+", "_", name.lower()) + ".json"


def advisory(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A package tree.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write into.")],
    advisories: Annotated[
        list[Path] | None,
        typer.Option("--advisories", "-a", help="Advisory file, folder or OSV zip (repeatable)."),
    ] = None,
    created: Annotated[
        str | None,
        typer.Option(help="Release date written (ISO 8601; default now): same input, same files."),
    ] = None,
    publisher: Annotated[str, typer.Option(help="Publisher name.")] = "openEuler",
    namespace: Annotated[
        str, typer.Option(help="Publisher namespace URL.")
    ] = "https://www.openeuler.org",
    id_prefix: Annotated[
        str, typer.Option(help="OSV id prefix: a home-database prefix such as 'OESA-', or x_…")
    ] = "x_steward-",
    use_store: Annotated[
        bool,
        typer.Option("--store/--no-store", help="Read upgrades and advisories from the store."),
    ] = True,
    db: Annotated[str | None, typer.Option(help="Database URL.")] = None,
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
    profile: Annotated[str | None, typer.Option(help="Distro profile.")] = None,
) -> None:
    """Write the tree's own fixes as a CSAF 2.0 VEX document and OSV records."""
    from steward.cli.main import _load_cli_config, _load_distro, _open_store, _usage_error
    from steward.cli.output import err
    from steward.vuln.publish import Publisher
    from steward.workflows.vulns import publish_fixes, upstream_releases

    when = _parse_created(created) if created else dt.datetime.now(dt.UTC)
    if not id_prefix.startswith("x_") and not re.fullmatch(r"[A-Za-z][A-Za-z-]*-", id_prefix):
        raise _usage_error("--id-prefix must start with x_ or be a prefix such as OESA-")
    if not advisories and not use_store:
        raise _usage_error("--no-store needs --advisories: there is nothing else to match")
    config = _load_cli_config(config_path)
    distro = _load_distro(path, profile, None, config)
    who = Publisher(publisher, namespace, id_prefix)
    if use_store:
        with _open_store(db, config) as store:
            published = publish_fixes(
                distro, advisories or [], created=when, publisher=who,
                upstream=upstream_releases(store, distro), store=store,
            )  # fmt: skip
    else:
        published = publish_fixes(distro, advisories or [], created=when, publisher=who)
    for error in published.report.errors:
        err.print(f"skipped {error}", markup=False)
    csaf_name = _file_name(published.csaf["document"]["tracking"]["id"])
    _write(output / "csaf" / csaf_name, published.csaf)
    for record in published.osv:
        _write(output / "osv" / f"{record['id']}.json", record)
    err.print(
        f"wrote {output / 'csaf' / csaf_name} ({len(published.csaf.get('vulnerabilities', []))} "
        f"vulnerabilities) and {len(published.osv)} OSV records to {output / 'osv'}",
        markup=False,
    )
    raise typer.Exit(0)


def _parse_created(text: str) -> dt.datetime:
    from steward.cli.main import _usage_error

    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _usage_error(f"--created: {exc}") from exc
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _write(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    temporary.replace(path)


def register(app: typer.Typer) -> None:
    """Add ``steward advisory`` to the main command."""
    app.command("advisory", epilog=_EPILOG)(advisory)
