"""``steward vulns``: which known vulnerabilities hit the tree's packages, and what fixes them.

A thin shell over :func:`steward.workflows.vulns.scan_tree`; registered on the main app by
:func:`register` so the command's code loads only when it runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["register", "vulns"]

_EPILOG = (
    "Examples:\n\n"
    "  steward vulns examples/distro --advisories ../shared/data/osv\n\n"
    "  steward vulns ~/src-openeuler --advisories osv-openEuler.zip --severity high --json\n\n"
    "  steward vulns ~/src-openeuler --advisories csaf/ --format sarif > vulns.sarif\n\n"
    "  steward vulns sync -a osv-openEuler.zip -a csaf/   # keep them in the store\n\n"
    "  steward vulns ~/src-openeuler                     # then match against the store\n\n"
    "Advisories: OSV records, folders and data-dump zips, CSAF 2.0 (openEuler, Red Hat, VEX) "
    "and openEuler CVRF XML. Upgrades come from the answers 'steward check' stored.\n\n"
    "Exit status: 0 nothing needs action, 1 an affected package has no fix planned, "
    "2 usage error."
)

_STATUSES = ("affected", "fixed-by-backport", "fixed-by-upgrade", "not-affected", "ambiguous")
_SEVERITIES = ("critical", "high", "medium", "low")


def vulns(
    target: Annotated[str, typer.Argument(metavar="PATH|sync", help="A package tree, or 'sync'.")],
    advisories: Annotated[
        list[str] | None,
        typer.Option(
            "--advisories",
            "-a",
            help="Advisory file, folder or OSV zip (repeatable); for sync also a URL.",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="table, markdown or sarif.")
    ] = "table",
    severity: Annotated[
        str | None, typer.Option(help="Only this severity and worse (critical/high/medium/low).")
    ] = None,
    status: Annotated[
        list[str] | None, typer.Option(help="Only findings with this status (repeatable).")
    ] = None,
    package: Annotated[
        list[str] | None, typer.Option(help="Only this package (repeatable).")
    ] = None,
    ecosystem: Annotated[
        list[str] | None,
        typer.Option(
            help="Advisory ecosystem to apply (repeatable; 'any' for all). "
            "Default: the profile's, e.g. openEuler:24.03-LTS."
        ),
    ] = None,
    use_store: Annotated[
        bool, typer.Option("--store/--no-store", help="Read upgrades from the store.")
    ] = True,
    db: Annotated[str | None, typer.Option(help="Database URL.")] = None,
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
    profile: Annotated[str | None, typer.Option(help="Distro profile.")] = None,
) -> None:
    """Known vulnerabilities of every package: affected, fixed by backport or upgrade.

    'steward vulns sync -a SOURCE ...' keeps the advisories of each source in the store;
    'steward vulns PATH' without --advisories then matches against them.
    """
    from steward.cli.main import _load_cli_config, _load_distro, _open_store, _usage_error
    from steward.cli.output import err
    from steward.vuln.report import filter_findings
    from steward.workflows.vulns import scan_tree, upstream_releases

    config = _load_cli_config(config_path)
    if target == "sync":
        _sync(advisories or [], db, config, json_output)
    path = Path(target)
    if not path.is_dir():
        raise _usage_error(f"{target} is not a package tree (a folder) nor 'sync'")

    if output_format not in ("table", "markdown", "sarif"):
        raise _usage_error("--format must be table, markdown or sarif")
    if severity is not None and severity not in _SEVERITIES:
        raise _usage_error(f"--severity must be one of {', '.join(_SEVERITIES)}")
    for value in status or []:
        if value not in _STATUSES:
            raise _usage_error(f"--status must be one of {', '.join(_STATUSES)}")
    distro = _load_distro(path, profile, None, config)
    ecosystems: list[str] | None = list(ecosystem or [])
    if ecosystems and "any" in ecosystems:
        ecosystems = None
    if not advisories and not use_store:
        raise _usage_error("--no-store needs --advisories: there is nothing else to match")
    if use_store:
        with _open_store(db, config) as store:
            upstream = upstream_releases(store, distro)
            report = scan_tree(
                distro, advisories or [], ecosystems=ecosystems, upstream=upstream, store=store
            )
    else:
        report = scan_tree(distro, advisories or [], ecosystems=ecosystems)
    for error in report.errors:
        err.print(f"[yellow]skipped[/yellow] {_escape(str(error))}")
    shown = filter_findings(
        report.findings, min_severity=severity, statuses=status or (), packages=package or ()
    )
    if json_output:
        from steward.cli.main import _emit_json

        _emit_json(
            {
                "tree": str(target),
                "ecosystems": list(report.ecosystems) if report.ecosystems else None,
                "advisories": report.advisories,
                "packages": report.packages,
                "findings": [f.to_dict() for f in shown],
                "errors": [e.to_dict() for e in report.errors],
            }
        )
    elif output_format == "markdown":
        from steward.vuln.report import findings_markdown

        sys.stdout.write(findings_markdown(shown))
    elif output_format == "sarif":
        from steward.cli.main import _emit_json
        from steward.vuln.report import findings_sarif

        _emit_json(findings_sarif(shown, path))
    else:
        _print_table(shown, report)
    raise typer.Exit(1 if any(f.needs_action for f in shown) else 0)


def _sync(sources: list[str], db: str | None, config: Any, json_output: bool) -> None:
    from steward.cli.main import _emit_json, _open_store, _usage_error
    from steward.cli.output import out
    from steward.workflows.vulns import sync_sources

    if not sources:
        raise _usage_error("steward vulns sync needs --advisories SOURCE (repeatable)")
    from steward.workflows.check import fetch_config

    with _open_store(db, config) as store:
        results = sync_sources(store, sources, fetch=fetch_config(config, None))
    if json_output:
        _emit_json(
            {
                "sources": [
                    {
                        "key": r.key,
                        "advisories": r.advisories,
                        "replaced": r.replaced,
                        "unchanged": r.unchanged,
                        "documents": r.documents,
                        "not_modified": r.not_modified,
                        "errors": [e.to_dict() for e in r.errors],
                    }
                    for r in results
                ]
            }
        )
    else:
        for r in results:
            kept = (
                "unchanged (304), nothing downloaded"
                if r.unchanged
                else "stored"
                if r.replaced
                else "nothing readable; the previous import is kept"
            )
            if r.documents or r.not_modified:
                kept += f" ({r.documents} documents changed, {r.not_modified} unchanged)"
            out.print(
                f"{_escape(r.key)}: {r.advisories} advisories {kept}, "
                f"{len(r.errors)} records skipped"
            )
    raise typer.Exit(0 if all(r.replaced or r.unchanged for r in results) else 1)


def _escape(text: str) -> str:
    from rich.markup import escape

    return str(escape(text))


_STYLE = {
    "affected": "red",
    "ambiguous": "yellow",
    "fixed-by-upgrade": "cyan",
    "fixed-by-backport": "green",
    "not-affected": "dim",
}


def _print_table(findings: list[Any], report: Any) -> None:
    from rich.table import Table

    from steward.cli.output import out
    from steward.vuln.report import advisory_text, status_text

    table = Table(show_lines=False)
    for column in ("package", "EVR", "advisory", "severity"):
        table.add_column(column)
    table.add_column("status", no_wrap=True)  # the column a reader scans: never cut
    for f in findings:
        style = _STYLE.get(f.status.value, "")
        table.add_row(
            f.package,
            f.evr,
            _escape(advisory_text(f)),
            f.severity or "-",
            f"[{style}]{_escape(status_text(f))}[/{style}]" if style else status_text(f),
        )
    out.print(table)
    scope = ", ".join(report.ecosystems) if report.ecosystems else "every ecosystem"
    hit = len({f.package for f in report.findings})
    out.print(
        f"{report.packages} packages, {report.advisories} advisories ({scope}): "
        f"{hit} packages named, {len(findings)} findings shown, "
        f"{len(report.errors)} records skipped"
    )


def register(app: typer.Typer) -> None:
    """Add ``steward vulns`` to the main command."""
    app.command("vulns", epilog=_EPILOG)(vulns)
