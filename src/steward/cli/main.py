"""The ``steward`` command line: a thin shell over the library (Typer + Rich).

Exit codes: 0 when everything went well, 1 when the work finished but found problems,
2 for usage errors (bad options, a path that does not exist).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from steward import __version__
from steward.config import load_config

app = typer.Typer(
    name="steward",
    help=(
        "Keep an RPM distribution's packages current, reviewed and secure.\n\n"
        "Examples:\n\n"
        "  steward inventory examples/distro\n\n"
        "  steward inventory ~/src-openeuler --json > inventory.json\n\n"
        "  steward spec examples/distro/jansson/jansson.spec\n\n"
        "  steward vercmp 1.0~rc1 1.0"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

_SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}


def _version(value: bool) -> None:
    if value:
        print(f"steward {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Steward: upstream monitoring, upgrades, reviews and vulnerability tracking for RPMs."""


def _emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=False) + "\n")


def _usage_error(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


@app.command(
    epilog=(
        "Examples:\n\n"
        "  steward inventory examples/distro\n\n"
        "  steward inventory examples/distro --json | jq '.packages[].evr'\n\n"
        "  steward inventory ~/src-openeuler --profile openeuler-22.03 --only zlib openssl\n\n"
        "Exit status: 0 when every package loaded cleanly, 1 when some have problems "
        "(warnings or errors), 2 on usage errors."
    )
)
def inventory(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True, file_okay=False, help="A package tree (src-openeuler, dist-git or flat)."
        ),
    ],
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    profile: Annotated[
        str | None,
        typer.Option(help="Distro profile (macros, %{dist}); e.g. openeuler-24.03, fedora-41."),
    ] = None,
    layout: Annotated[str, typer.Option(help="auto, src-openeuler, fedora or flat.")] = "auto",
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Only these packages (repeatable).")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option(help="Worker processes (default: one per CPU for big trees).")
    ] = None,
    problems_only: Annotated[
        bool, typer.Option("--problems-only", help="List only packages that have problems.")
    ] = False,
) -> None:
    """List every package of a tree with its EVR, upstream kind and problems."""
    from steward.distro.profiles import ProfileError
    from steward.distro.tree import TreeError, load_tree

    config = load_config()
    chosen_profile = profile or config.profile
    started = time.perf_counter()
    try:
        with err.status("Loading packages…", spinner="dots") if err.is_terminal else _null():
            distro = load_tree(
                path, profile=chosen_profile, layout=layout, jobs=jobs, only=only or None
            )
    except (TreeError, ProfileError) as exc:
        raise _usage_error(str(exc)) from exc
    elapsed = time.perf_counter() - started
    flagged = [p for p in distro if any(x.severity in ("error", "warning") for x in p.problems)]
    if json_output:
        document = distro.to_dict()
        document["summary"] = _summary_dict(distro, flagged, elapsed)
        _emit_json(document)
    else:
        _print_inventory(distro, flagged, problems_only, elapsed)
    raise typer.Exit(1 if flagged else 0)


def _summary_dict(distro: Any, flagged: list[Any], elapsed: float) -> dict[str, Any]:
    return {
        "packages": len(distro),
        "with_problems": len(flagged),
        "problems_by_code": distro.problem_counts(),
        "seconds": round(elapsed, 3),
    }


def _print_inventory(distro: Any, flagged: list[Any], problems_only: bool, elapsed: float) -> None:
    table = Table(
        title=f"{distro.root}  ({distro.layout}, profile {distro.profile.name})",
        title_justify="left",
        expand=False,
    )
    table.add_column("Package", style="bold", no_wrap=True)
    table.add_column("EVR", no_wrap=True)
    table.add_column("Upstream", no_wrap=True)
    table.add_column("Problems")
    for record in distro:
        if problems_only and record not in flagged:
            continue
        upstream = record.upstream.kind if record.upstream else "-"
        lines = []
        for problem in record.problems:
            style = _SEVERITY_STYLE.get(problem.severity, "")
            lines.append(f"[{style}]{problem.code}[/{style}]: {_escape(problem.message)}")
        table.add_row(
            record.name, record.evr or "-", upstream, "\n".join(lines) or "[green]ok[/green]"
        )
    out.print(table)
    counts = distro.problem_counts()
    summary = ", ".join(f"{code} {n}" for code, n in counts.items()) or "none"
    out.print(
        f"{len(distro)} packages, {len(flagged)} with problems ({summary}) in {elapsed:.2f} s"
    )


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@app.command(
    epilog=(
        "Examples:\n\n"
        "  steward spec jansson/jansson.spec\n\n"
        "  steward spec foo.spec --profile fedora-41 --arch aarch64 --json"
    )
)
def spec(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .spec file.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    profile: Annotated[str | None, typer.Option(help="Distro profile.")] = None,
    arch: Annotated[str | None, typer.Option(help="Target architecture for %ifarch.")] = None,
) -> None:
    """Show what Steward reads from one spec file, without running any of it."""
    from steward.distro.profiles import ProfileError, load_profile
    from steward.rpm.spec import parse_file

    try:
        engine = load_profile(profile or load_config().profile).macro_engine()
    except ProfileError as exc:
        raise _usage_error(str(exc)) from exc
    parsed = parse_file(path, macros=engine, arch=arch)
    document = {
        "path": str(path),
        "name": parsed.name,
        "epoch": parsed.epoch,
        "version": parsed.version,
        "release": parsed.release,
        "summary": parsed.summary,
        "license": parsed.license,
        "url": parsed.url,
        "packages": [p.name for p in parsed.packages],
        "sources": [
            {"number": s.number, "raw": s.raw, "expanded": s.expanded, "line": s.line}
            for s in parsed.sources
        ],
        "patches": [
            {
                "number": p.number,
                "raw": p.raw,
                "expanded": p.expanded,
                "line": p.line,
                "applied": any(a.applies(p.number) for a in parsed.patch_applications),
            }
            for p in parsed.patches
        ],
        "build_requires": parsed.build_requires,
        "changelog_entries": len(parsed.changelog),
        "diagnostics": [
            {"line": d.line, "severity": d.severity, "code": d.code, "message": d.message}
            for d in parsed.diagnostics
        ],
    }
    if json_output:
        _emit_json(document)
    else:
        out.print(f"[bold]{parsed.name}[/bold] {parsed.evr}  {parsed.url or ''}")
        out.print(f"packages: {', '.join(document['packages'])}")
        for s in parsed.sources:
            out.print(f"  Source{s.number}: {s.expanded}")
        for p in document["patches"]:
            state = "" if p["applied"] else "  [yellow](not applied)[/yellow]"
            out.print(f"  Patch{p['number']}: {p['expanded']}{state}")
        for d in parsed.diagnostics:
            style = _SEVERITY_STYLE.get(d.severity, "")
            out.print(f"[{style}]{_escape(str(d))}[/{style}]")
    raise typer.Exit(1 if parsed.errors else 0)


@app.command(epilog="Example:\n\n  steward vercmp 1:1.0-1 1.0-2   # prints 1:1.0-1 > 1.0-2")
def vercmp(
    left: Annotated[str, typer.Argument(help="[epoch:]version[-release]")],
    right: Annotated[str, typer.Argument(help="[epoch:]version[-release]")],
) -> None:
    """Compare two versions the way rpm does (exit 0 equal, 11 left newer, 12 right newer)."""
    from steward.rpm.version import compare_evr

    result = compare_evr(left, right)
    sign = {0: "==", 1: ">", -1: "<"}[result]
    print(f"{left} {sign} {right}")
    raise typer.Exit({0: 0, 1: 11, -1: 12}[result])


def main() -> None:
    """Console-script entry point."""
    app()
