"""``steward review``: review a change to a package (two folders, or a git range) and print
the verdict; ``--json``/``--sarif``/``--junit``/``--output`` write the reports."""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

__all__ = ["EPILOG", "register", "review"]

EPILOG = (
    "Examples:\n\n"
    "  steward review examples/distro/jansson examples/distro/jansson --offline\n\n"
    "  steward review examples/distro/jansson examples/distro/jansson --offline --json\n\n"
    "  (a range of a package repository: steward review PKGDIR --git main..BRANCH)\n\n"
    "Exit status: 0 approve, 1 comment or request-changes, 2 usage error. "
    "See docs/review.md for the checks, waivers and report formats."
)
EXIT_USAGE = 2


def review(
    first: Annotated[Path, typer.Argument(help="BEFORE package folder, or PKGDIR with --git.")],
    second: Annotated[
        Path | None, typer.Argument(help="AFTER package folder (without --git).")
    ] = None,
    git: Annotated[
        str | None, typer.Option("--git", help="Review BASE..HEAD of PKGDIR's repository.")
    ] = None,
    description: Annotated[
        str, typer.Option("--description", help="The change's text (a PR body) to check.")
    ] = "",
    tree: Annotated[
        Path | None, typer.Option("--tree", help="Distribution tree that provides dependencies.")
    ] = None,
    upstream_git: Annotated[
        str | None, typer.Option("--upstream-git", help="Upstream git repository to compare tags.")
    ] = None,
    build: Annotated[
        bool, typer.Option("--build", help="Build both sides and compare sonames and ABI (slow).")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not download upstream assets.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write report.md, review.json, .sarif, junit.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the JSON review.")] = False,
    sarif: Annotated[bool, typer.Option("--sarif", help="Print SARIF 2.1.0.")] = False,
    junit: Annotated[bool, typer.Option("--junit", help="Print JUnit XML.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print report.md.")] = False,
    config_path: Annotated[
        Path | None, typer.Option("--config", help="Config file (default: the usual lookup).")
    ] = None,
    today: Annotated[
        str | None, typer.Option("--today", help="Date changelog entries are judged against.")
    ] = None,
) -> None:
    """Review a change to a package: classify it, run every check, give a verdict."""
    from steward.config import ConfigError, load_config
    from steward.review import ReviewOptions
    from steward.review.reports import to_json, to_junit, to_markdown, to_sarif, write_reports
    from steward.workflows.check import fetch_config
    from steward.workflows.review import ReviewInputError, review_folders, review_git_range

    if sum((json_output, sarif, junit, markdown)) > 1:
        _usage("choose one of --json, --sarif, --junit, --markdown")
    if (git is None) == (second is None):
        _usage("give BEFORE AFTER, or PKGDIR --git BASE..HEAD")
    try:
        config = load_config(config_path)
        day = _dt.date.fromisoformat(today) if today else None
    except (ConfigError, ValueError) as exc:
        _usage(str(exc))
    options = ReviewOptions(
        description=description,
        fetch=None if offline else fetch_config(config, None),
        upstream_git=upstream_git,
        tree=tree,
        today=day,
        build=build,
    )
    try:
        if git is not None:
            result = review_git_range(first, git, options)
        else:
            assert second is not None
            result = review_folders(first, second, options)
    except ReviewInputError as exc:
        _usage(str(exc))
    if output is not None:
        for path in write_reports(result, output).values():
            print(f"wrote {path}", file=sys.stderr)
    if json_output:
        sys.stdout.write(to_json(result))
    elif sarif:
        sys.stdout.write(json.dumps(to_sarif(result), indent=2) + "\n")
    elif junit:
        sys.stdout.write(to_junit(result))
    elif markdown:
        sys.stdout.write(to_markdown(result))
    else:
        _print_summary(result)
    raise typer.Exit(0 if result.verdict.value == "approve" else 1)


def _usage(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(EXIT_USAGE)


def _print_summary(result: object) -> None:
    from steward.review import Review, State

    assert isinstance(result, Review)
    c = result.classification
    print(f"{result.package}: {result.verdict.value} ({result.verdict_reason})")
    print(f"  {c.kind.value}: {'; '.join(c.reasons)}")
    print(f"  risk {result.risk.score}/100 ({result.risk.level})")
    for r in result.results:
        if r.failed or (r.state is State.UNDECIDED and r.waived is None):
            tag = "undecided" if r.state is State.UNDECIDED else r.severity.value
            print(f"  {tag:9} {r.id}: {r.message}")
        elif r.waived:
            print(f"  waived    {r.id}: {r.message} ({r.waived})")


def register(app: typer.Typer) -> None:
    """Add ``steward review`` to the ``steward`` command."""
    app.command(name="review", epilog=EPILOG)(review)
