"""``steward health PATH``: technical lag, maintenance and review signals per package and SIG.

A thin shell over :func:`steward.workflows.health.run_health`: a table by default,
``--json`` for one document (a record per package, per SIG, for the distribution), or
``--format html --output report.html`` for a self-contained page with plots.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["EPILOG", "health"]

EPILOG = (
    "Examples:\n\n"
    "  steward check ~/src-openeuler && steward health ~/src-openeuler\n\n"
    "  steward health ~/src-openeuler --json > health.json\n\n"
    "  steward health ~/src-openeuler --format html --output health.html\n\n"
    "Lag comes from the releases `steward check` stored; maintenance from each package's "
    "git history; --sigs names a sig-info.yaml or a folder of them (openEuler's community "
    "repository).\n\n"
    "Exit status: 0 report written, 1 some packages could not be read fully, 2 usage error."
)


def health(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A package tree.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    output_format: Annotated[str, typer.Option("--format", help="table, json or html.")] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    sigs: Annotated[
        Path | None,
        typer.Option("--sigs", exists=True, help="sig-info.yaml, or a folder holding them."),
    ] = None,
    plots: Annotated[
        Path | None, typer.Option("--plots", help="Also save the HTML report's plots here.")
    ] = None,
    forge: Annotated[
        str | None,
        typer.Option(
            help="Read PRs and issues from OWNER/<package> on a forge: gitee:src-openeuler."
        ),
    ] = None,
    advisories: Annotated[
        list[Path] | None,
        typer.Option(
            "--advisories",
            "-a",
            exists=True,
            help="Security debt from these advisories (OSV, CSAF, CVRF; as steward vulns).",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Compute ages as of this UTC date (YYYY-MM-DD); default now."),
    ] = None,
    min_dependents: Annotated[
        int,
        typer.Option(min=0, help="Early warning: dormant packages with this many dependents."),
    ] = 3,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Only these packages (repeatable).")
    ] = None,
    db: Annotated[
        str | None, typer.Option(help="Database URL (default: SQLite in the user data directory).")
    ] = None,
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
    profile: Annotated[str | None, typer.Option(help="Distro profile.")] = None,
) -> None:
    """Report the health of every package: lag, maintenance, review, status and warnings."""
    from steward.cli.main import _load_cli_config, _load_distro, _open_store, _usage_error
    from steward.health.ownership import OwnershipError, load_ownership
    from steward.health.status import StatusRules
    from steward.workflows.health import (
        HealthOptions,
        fetch_forge,
        parse_forge,
        run_health,
        security_from_advisories,
    )

    chosen = "json" if json_output else output_format
    if chosen not in ("table", "json", "html"):
        raise _usage_error(f"--format must be table, json or html, not {chosen!r}")
    if chosen == "html" and output is None:
        raise _usage_error("--format html needs --output FILE")
    config = _load_cli_config(config_path)
    try:
        ownership = load_ownership(sigs) if sigs else None
    except OwnershipError as exc:
        raise _usage_error(str(exc)) from exc
    try:
        now = _dt.datetime.fromisoformat(as_of).replace(tzinfo=_dt.UTC) if as_of else None
    except ValueError as exc:
        raise _usage_error(f"--as-of takes a date such as 2026-06-30, not {as_of!r}") from exc
    rules = StatusRules(warning_dependents=min_dependents)
    options = HealthOptions(ownership=ownership, rules=rules, now=now)
    try:
        forge_at = parse_forge(forge) if forge else None
    except ValueError as exc:
        raise _usage_error(str(exc)) from exc
    distro = _load_distro(path, profile, only, config)
    items, failed = None, None
    if forge_at is not None:
        items, failed = fetch_forge([p.name for p in distro], *forge_at, config)
    with _open_store(db, config) as store:
        security = None
        if advisories:
            when = now or _dt.datetime.now(_dt.UTC)
            security = security_from_advisories(distro, advisories, store, now=when)
        report = run_health(
            distro,
            store=store,
            forge=items,
            forge_errors=failed,
            security=security,
            options=options,
        )
    incomplete = any(p.errors for p in report.packages)
    if chosen == "html":
        from steward.health.report import render_html

        assert output is not None
        output.write_text(render_html(report, plot_dir=plots), encoding="utf-8")
        print(f"health report of {len(report.packages)} packages written to {output}")
    elif chosen == "json":
        text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
        if output:
            output.write_text(text + "\n", encoding="utf-8")
        else:
            sys.stdout.write(text + "\n")
    else:
        _print_table(report)
    raise typer.Exit(1 if incomplete else 0)


def _number(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _print_table(report: Any) -> None:
    from rich.table import Table

    from steward.cli.output import out

    table = Table(title=f"Health of {report.tree}")
    for head in ("package", "SIG", "status", "rdeps", "behind", "days", "libyears",
                 "commits/1y", "CAF", "idle days"):  # fmt: skip
        table.add_column(head)
    for p in report.packages:
        lag, m = p.lag, p.maintenance
        table.add_row(
            p.name,
            p.sig or "–",
            p.verdict.status.value + ("!" if p.early_warning else ""),
            str(p.dependents),
            _number(lag.versions_behind if lag else None),
            _number(lag.days_behind if lag else None),
            _number(lag.libyears if lag else None),
            _number(m.commits_last_year if m else None),
            _number(m.contributor_absence_factor if m else None),
            _number(m.days_since_last_change if m else None),
        )
    out.print(table)
    sig_table = Table(title="Per SIG and for the distribution (libyears)")
    for head in ("group", "packages", *report.distribution.statuses, "sum", "median", "weighted"):
        sig_table.add_column(head)
    for group in (*report.sigs, report.distribution):
        sig_table.add_row(
            group.name,
            str(group.packages),
            *(str(n) for n in group.statuses.values()),
            *(_number(group.value("libyears", m)) for m in ("sum", "median", "weighted")),
        )
    out.print(sig_table)
    if report.early_warnings:
        out.print("early warnings (dormant, upstream moving, many dependents): "
                  + ", ".join(report.early_warnings))  # fmt: skip
    for p in report.packages:
        for error in p.errors:
            out.print(f"[{p.name}] {error}", markup=False)
