"""The ``steward`` command line: a thin shell over the library (Typer + Rich).

Exit codes (docs/exit-codes.md): 0 when everything went well, 1 when the work finished but
found problems, 2 for usage errors (bad options, a path that does not exist, an invalid
configuration), 3 for runtime failures (the store cannot be opened or written, a full
disk): those are no fault of the command line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from steward import __version__

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


class _LazyConsole:
    """A Rich console made on first use: ``steward check --json`` never loads Rich (20 ms)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def get(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


out = _LazyConsole(highlight=False, soft_wrap=False)
err = _LazyConsole(stderr=True, highlight=False)


def _stderr_is_terminal() -> bool:
    """``err.is_terminal``, without loading Rich when standard error is plainly no terminal
    (Rich's own answer then is no as well: only these variables could make it yes)."""
    if not ({"TTY_COMPATIBLE", "FORCE_COLOR"} & os.environ.keys()):
        try:
            if not sys.stderr.isatty():
                return False
        except ValueError:  # closed
            return False
    return bool(err.is_terminal)


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
    """``document`` as indented UTF-8 JSON on standard output.

    orjson writes a ten-thousand-package result in a tenth of the time the standard
    library's indenting encoder takes; what it refuses (an integer past 64 bits, a lone
    surrogate) is written by the standard library.
    """
    import orjson

    try:
        text = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        text = json.dumps(document, indent=2).encode()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (redirect_stdout to a StringIO)
        sys.stdout.write(text.decode() + "\n")
        return
    sys.stdout.flush()
    buffer.write(text + b"\n")
    buffer.flush()


EXIT_USAGE = 2
EXIT_RUNTIME = 3


def _usage_error(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(EXIT_USAGE)


def _runtime_error(message: str) -> typer.Exit:
    """A failure of the machine or a service (store, disk), not of the command line."""
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(EXIT_RUNTIME)


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

    config = _load_cli_config(None)
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
    from rich.table import Table

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
    from steward.distro.files import UnsafeFile
    from steward.distro.profiles import ProfileError, load_profile
    from steward.distro.tree import parse_spec_file

    try:
        engine = load_profile(profile or _load_cli_config(None).profile).macro_engine()
    except ProfileError as exc:
        raise _usage_error(str(exc)) from exc
    try:
        # Never outside the spec's own folder: a link to /etc/shadow is not echoed.
        parsed = parse_spec_file(path, root=path.absolute().parent, macros=engine, arch=arch)
    except UnsafeFile as exc:
        raise _usage_error(f"{path}: {exc}") from exc
    document: dict[str, Any] = {
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


_CHECK_EPILOG = (
    "Examples:\n\n"
    "  steward check examples/distro\n\n"
    "  steward check ~/src-openeuler --concurrency 64 --policy same-major\n\n"
    "  steward check ~/src-openeuler --only zlib --only openssl --json\n\n"
    "Tokens: GITHUB_TOKEN, GITLAB_TOKEN, GITEE_TOKEN (never printed). An interrupted run is "
    "resumed by the next check of the same tree (--no-resume starts over).\n\n"
    "Exit status: 0 every package was checked, 1 some checks failed, 2 usage error."
)


def _load_cli_config(config_path: Path | None) -> Any:
    from steward.config import ConfigError, load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise _usage_error(str(exc)) from exc


def _load_distro(path: Path, profile: str | None, only: list[str] | None, config: Any) -> Any:
    return _start_distro(path, profile, only, config).result()


def _start_distro(path: Path, profile: str | None, only: list[str] | None, config: Any) -> Any:
    """The tree's loading, started (see :func:`steward.distro.tree.start_tree`)."""
    from steward.distro.profiles import ProfileError
    from steward.distro.tree import TreeError, start_tree

    cache_dir = None
    if config.tree_cache:
        from steward.distro.treecache import default_cache_dir

        cache_dir = default_cache_dir()
    try:
        return start_tree(
            path, profile=profile or config.profile, only=only or None, cache_dir=cache_dir
        )
    except (TreeError, ProfileError) as exc:
        raise _usage_error(str(exc)) from exc


def _open_store(db: str | None, config: Any) -> Any:
    from steward.store import Store, StoreError

    try:
        return Store.open(db or config.db)
    except StoreError as exc:
        raise _runtime_error(str(exc)) from exc


@app.command(epilog=_CHECK_EPILOG)
def check(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A package tree.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON results.")] = False,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Only these packages (repeatable).")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=1024, help="Requests in flight (default 32).")
    ] = None,
    policy: Annotated[
        str | None, typer.Option(help="latest, same-major, same-minor or pinned.")
    ] = None,
    db: Annotated[
        str | None, typer.Option(help="Database URL (default: SQLite in the user data directory).")
    ] = None,
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
    profile: Annotated[str | None, typer.Option(help="Distro profile.")] = None,
    resume: Annotated[bool, typer.Option(help="Resume an interrupted run.")] = True,
) -> None:
    """Ask every package's upstream for its releases and store what to move to."""
    from steward.upstream.recommend import Track

    config = _load_cli_config(config_path)
    chosen_policy = policy or config.policy
    if chosen_policy not in {t.value for t in Track}:
        raise _usage_error(
            f"--policy {chosen_policy!r}: choose latest, same-major, same-minor or pinned"
        )
    from steward.store.errors import StoreError
    from steward.workflows.storelink import open_link, tree_key

    # Before the network code is imported (a tenth of a second): the tree's worker
    # processes start parsing, and the store is asked what it holds.
    pending = _start_distro(path, profile, only, config)
    resuming = resume and not only
    try:
        link = open_link(db or config.db)
    except BaseException as exc:
        pending.close()
        if isinstance(exc, StoreError | OSError):
            raise _runtime_error(str(exc)) from exc
        raise
    try:
        link.begin(tree_key(path), resuming)
        from steward.workflows.check import CheckOptions

        options = CheckOptions(
            policy=chosen_policy, concurrency=concurrency, resume=resuming, db=db
        )
        distro = pending.result()
    except BaseException as exc:
        pending.close()
        link.close(False)
        if isinstance(exc, StoreError | OSError):
            raise _runtime_error(str(exc)) from exc
        raise
    from steward.config import ConfigError

    try:
        run = _run_with_progress(distro, config, options, link)
    except ConfigError as exc:  # the tree's own steward.toml, a token variable
        raise _usage_error(str(exc)) from exc
    except (StoreError, OSError) as exc:  # the store failed, the disk is full
        raise _runtime_error(str(exc)) from exc
    if json_output:
        _emit_json(
            {
                "run": run.run_id,
                "resumed": run.resumed,
                "skipped": run.skipped,
                "seconds": round(run.seconds, 3),
                "results": [_result_dict(r, run.release_counts) for r in run.results],
            }
        )
    else:
        _print_check_summary(run)
    raise typer.Exit(1 if run.failures else 0)


def _run_with_progress(distro: Any, config: Any, options: Any, link: Any) -> Any:
    from steward.workflows.check import run_check

    if not _stderr_is_terminal():
        return run_check(distro, config, options, link=link)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err.get(),
        transient=True,
    ) as bar:
        task = bar.add_task("Checking upstreams", total=len(distro))

        def started(total: int, skipped: int) -> None:
            bar.update(task, total=total, completed=skipped)

        return run_check(
            distro,
            config,
            options,
            link=link,
            progress=lambda _result: bar.advance(task),
            on_start=started,
        )


def _result_dict(result: Any, release_counts: dict[str, int]) -> dict[str, Any]:
    rec = result.recommendation
    return {
        "package": result.package,
        "current": result.current_version,
        "upstream": {
            "kind": result.upstream.kind,
            "project": result.upstream.project,
            "origin": result.upstream.origin,
        }
        if result.upstream
        else None,
        "status": rec.status.value if rec else None,
        "newest": rec.newest.version if rec and rec.newest else None,
        "newest_stable": rec.newest_stable.version if rec and rec.newest_stable else None,
        "recommended": rec.recommended.version if rec and rec.recommended else None,
        "versions_behind": rec.versions_behind if rec else None,
        "days_behind": rec.days_behind if rec else None,
        "releases": release_counts.get(result.package, len(result.releases)),
        "error": {"code": result.error_code, "message": result.error_message}
        if result.error_code
        else None,
        "notes": list(result.notes),
        "findings": list(rec.findings) if rec else [],
    }


def _print_check_summary(run: Any) -> None:
    outdated = sum(
        1 for r in run.results if r.recommendation and r.recommendation.recommended is not None
    )
    for result in run.results:
        if result.failed:
            out.print(
                f"[red]{result.package}[/red]: {result.error_code}: "
                f"{_escape(result.error_message or '')}"
            )
    resumed = f" (resumed run {run.run_id}, {run.skipped} already done)" if run.resumed else ""
    fetch = run.fetch
    traffic = f"; {fetch.requests} requests, {fetch.not_modified} not modified" if fetch else ""
    out.print(
        f"{len(run.results)} packages checked{resumed}: {outdated} outdated, "
        f"{len(run.failures)} failed, in {run.seconds:.2f} s{traffic}"
    )
    if run.new_releases:
        out.print(f"new upstream releases since the last check: {sum(run.new_releases.values())}")
    if findings := run.findings:
        counts = ", ".join(f"{code.replace('-', ' ')}: {n}" for code, n in findings.items())
        out.print(f"findings ({counts}): see the Findings column")
    out.print("Run 'steward outdated PATH' for the table.")


@app.command(
    epilog=(
        "Examples:\n\n"
        "  steward outdated examples/distro\n\n"
        "  steward outdated ~/src-openeuler --format markdown > outdated.md\n\n"
        "  steward outdated ~/src-openeuler --json --all\n\n"
        "Reads the answers stored by 'steward check'; exit status 0, or 1 when nothing "
        "was checked yet."
    )
)
def outdated(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A package tree.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    output_format: Annotated[str, typer.Option("--format", help="table or markdown.")] = "table",
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list packages that are up to date.")
    ] = False,
    db: Annotated[str | None, typer.Option(help="Database URL.")] = None,
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
    profile: Annotated[str | None, typer.Option(help="Distro profile.")] = None,
) -> None:
    """Which packages are behind their upstream, by how much, and what to move to."""
    from steward.workflows.check import latest_rows

    if output_format not in ("table", "markdown"):
        raise _usage_error("--format must be table or markdown")
    config = _load_cli_config(config_path)
    distro = _load_distro(path, profile, None, config)
    with _open_store(db, config) as store:
        rows = latest_rows(store, distro)
    if not rows:
        err.print(f"No stored checks for {path}: run 'steward check {path}' first.")
        raise typer.Exit(1)
    shown = [r for r in rows if show_all or _is_outdated(r) or _check_failed(r) or _findings(r)]
    if json_output:
        _emit_json({"packages": [_row_dict(r) for r in shown]})
    elif output_format == "markdown":
        sys.stdout.write(_markdown(shown))
    else:
        _print_outdated(shown, len(rows))
    raise typer.Exit(0)


def _check_failed(row: Any) -> bool:
    from steward.upstream.engine import NOT_FAILURES

    return row.error_code is not None and row.error_code not in NOT_FAILURES


def _is_outdated(row: Any) -> bool:
    return row.recommended is not None and row.recommended != row.current_version


def _behind(row: Any) -> str:
    if row.versions_behind is None:
        return "-"
    text = f"{row.versions_behind} version{'s' if row.versions_behind != 1 else ''}"
    if row.days_behind:
        text += f", {row.days_behind} days"
    return text


def _row_dict(row: Any) -> dict[str, Any]:
    return {
        "package": row.package,
        "current": row.current_version,
        "newest": row.newest,
        "newest_stable": row.newest_stable,
        "recommended": row.recommended,
        "status": row.status.value if row.status else None,
        "versions_behind": row.versions_behind,
        "days_behind": row.days_behind,
        "upstream_kind": row.upstream_kind,
        "current_exists_upstream": row.current_exists_upstream,
        "checked_at": row.checked_at.isoformat(),
        "last_success_at": row.last_success_at.isoformat() if row.last_success_at else None,
        "error": {"code": row.error_code, "message": row.error_message} if row.error_code else None,
        "findings": list(_findings(row)),
    }


def _findings(row: Any) -> tuple[str, ...]:
    """What the answer reports beside itself (stale tag rules, a version scheme change)."""
    from steward.upstream.recommend import findings_in

    return findings_in(row.reason)


_COLUMNS = (
    "Package", "Packaged", "Newest upstream", "Recommended", "Behind by", "Upstream", "Findings"
)  # fmt: skip


def _cells(row: Any) -> list[str]:
    recommended = row.recommended or "-"
    if _check_failed(row):
        recommended += f" (check failed: {row.error_code})"
    return [
        row.package,
        row.current_version or "-",
        row.newest or "-",
        recommended,
        _behind(row),
        row.upstream_kind or "-",
        ", ".join(code.replace("-", " ") for code in _findings(row)) or "-",
    ]


def _print_outdated(rows: list[Any], total: int) -> None:
    from rich.table import Table

    table = Table(title_justify="left")
    for column in _COLUMNS:
        if column in ("Package", "Newest upstream"):
            # Long names and versions fold onto a second line; the numbers that matter don't.
            table.add_column(column, overflow="fold", max_width=32)
        else:
            table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(*(_escape(c) for c in _cells(row)))
    out.print(table)
    outdated_count = sum(1 for r in rows if _is_outdated(r))
    failed = sum(1 for r in rows if _check_failed(r))
    out.print(f"{outdated_count} of {total} checked packages are outdated; {failed} checks failed")


def _markdown(rows: list[Any]) -> str:
    lines = ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    for row in rows:
        cells = [c.replace("|", "\\|") for c in _cells(row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


_UPGRADE_EPILOG = (
    "Examples:\n\n"
    "  steward upgrade src-openeuler/jansson --to 2.14.1\n\n"
    "  steward upgrade src-openeuler/jansson --recommended --build rpms --nodeps\n\n"
    "  steward upgrade src-openeuler/jansson --to 2.14.1 --dry-run\n\n"
    "  steward upgrade src-openeuler --all-outdated --jobs 2\n\n"
    "  steward upgrade src-openeuler/jansson --recommended --push origin --open-pr\n\n"
    "The work happens on branch steward/upgrade/NAME-VERSION in a separate worktree; your "
    "checkout is never changed. Reports (report.json, report.md), downloads and build logs "
    "go to --output.\n\n"
    "Exit status: 0 every upgrade is ready (or was done before), 1 some failed or need a "
    "human, 2 usage error."
)


def _packager(explicit: str | None, config: Any) -> str:
    import subprocess

    if explicit:
        return explicit
    if config.packager:
        return str(config.packager)
    name = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True)
    email = subprocess.run(["git", "config", "user.email"], capture_output=True, text=True)
    if name.returncode == 0 and email.returncode == 0:
        return f"{name.stdout.strip()} <{email.stdout.strip()}>"
    return "Steward <steward@localhost>"


@app.command(epilog=_UPGRADE_EPILOG)
def upgrade(
    path: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="A package folder, or a tree.")
    ],
    to: Annotated[str | None, typer.Option("--to", help="The version to move to.")] = None,
    recommended: Annotated[
        bool, typer.Option("--recommended", help="Move to the version 'steward check' chose.")
    ] = False,
    all_outdated: Annotated[
        bool, typer.Option("--all-outdated", help="PATH is a tree: upgrade every outdated one.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan only.")] = False,
    build: Annotated[str, typer.Option(help="none, srpm or rpms; runs the spec's code.")] = "srpm",
    nodeps: Annotated[
        bool, typer.Option("--nodeps", help="Build binaries without checking build deps.")
    ] = False,
    compare: Annotated[
        bool, typer.Option("--compare", help="Compare binaries with the current version's.")
    ] = False,
    push: Annotated[str | None, typer.Option(help="Push the branch to this remote.")] = None,
    open_pr: Annotated[
        bool, typer.Option("--open-pr", help="Open a pull request (GitHub, GitLab, Gitee).")
    ] = False,
    output: Annotated[Path, typer.Option(help="Reports, downloads, logs.")] = Path(
        "steward-upgrades"
    ),
    packager: Annotated[
        str | None, typer.Option(help='Author, "Name <email>" (default: git config).')
    ] = None,
    jobs: Annotated[int, typer.Option(min=1, max=32, help="Upgrades at once.")] = 2,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: Annotated[str | None, typer.Option(help="Database URL.")] = None,
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
    profile: Annotated[str | None, typer.Option(help="Distro profile.")] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--continue",
            help="Resume the upgrade branch after fixing its patches: triage again, build.",
        ),
    ] = False,
) -> None:
    """Upgrade a package to a new upstream version: spec, sources, patches, build, commit."""
    from steward.distro.profiles import ProfileError, load_profile
    from steward.distro.tree import TreeError, load_package
    from steward.workflows.upgrade import UpgradeOptions, plan_upgrade, run_upgrades

    if build not in ("none", "srpm", "rpms"):
        raise _usage_error("--build must be none, srpm or rpms")
    if resume:
        _continue_upgrade(path, to, build, nodeps, output, packager, json_output, config_path,
                          profile)  # fmt: skip
    if sum(bool(x) for x in (to, recommended, all_outdated)) != 1:
        raise _usage_error("say exactly one of --to VERSION, --recommended or --all-outdated")
    if to is not None:
        from steward.upstream.versions import version_problem

        # The same rule as versions read from upstreams; checked before --to names a path.
        problem = version_problem(to)
        if problem is not None:
            raise _usage_error(f"--to {to!r} is not a release version: {problem}")
    config = _load_cli_config(config_path)
    try:
        chosen = load_profile(profile or config.profile)
    except ProfileError as exc:
        raise _usage_error(str(exc)) from exc
    options = UpgradeOptions(
        target=to,
        output=output.absolute(),
        packager=_packager(packager, config),
        build="rpms" if compare and build == "srpm" else build,
        nodeps=nodeps,
        compare=compare,
        push=push,
        open_pr=open_pr,
        dry_run=dry_run,
    )
    distro = None
    if all_outdated:
        distro = _load_distro(path, profile, None, config)
        jobs_list = _outdated_jobs(distro, db, config)
        if not jobs_list:
            out.print("Nothing to upgrade: no stored check recommends a newer version.")
            raise typer.Exit(0)
    else:
        try:
            record = load_package(path, profile=chosen)
        except (TreeError, OSError) as exc:
            raise _usage_error(str(exc)) from exc
        target = to or _recommended_for(record, path, db, config)
        jobs_list = [(record, target)]
    if dry_run:
        from steward.upgrade.model import UpgradeError

        plans = []
        for record, target in jobs_list:
            try:
                plan = plan_upgrade(record, chosen, _with_target(options, target))
            except UpgradeError as exc:  # the spec cannot be moved to that version
                err.print(f"{record.name}: cannot upgrade to {target}: {_escape(str(exc))}")
                raise typer.Exit(1) from None
            plans.append(plan)
            _print_plan(plan)
        raise typer.Exit(0)
    outcomes = run_upgrades(
        jobs_list, chosen, config, options, distro=distro, workers=jobs,
        progress=None if json_output else _print_outcome,
    )  # fmt: skip
    if json_output:
        _emit_json([_outcome_dict(o) for o in outcomes])
    bad = [o for o in outcomes if o.skipped is None and o.report.status != "ready"]
    raise typer.Exit(1 if bad else 0)


def _continue_upgrade(
    path: Path, to: str | None, build: str, nodeps: bool, output: Path,
    packager: str | None, json_output: bool, config_path: Path | None, profile: str | None,
) -> None:  # fmt: skip
    """``upgrade --continue``: resume the package's upgrade branch (see continue_upgrade)."""
    from steward.distro.profiles import ProfileError, load_profile
    from steward.distro.tree import TreeError, load_package
    from steward.workflows.upgrade import UpgradeOptions, continue_upgrade

    config = _load_cli_config(config_path)
    try:
        chosen = load_profile(profile or config.profile)
        record = load_package(path, profile=chosen)
    except (ProfileError, TreeError, OSError) as exc:
        raise _usage_error(str(exc)) from exc
    options = UpgradeOptions(
        target=to, output=output.absolute(), packager=_packager(packager, config),
        build=build, nodeps=nodeps,
    )  # fmt: skip
    outcome = continue_upgrade(record, chosen, config, options)
    if json_output:
        _emit_json([_outcome_dict(outcome)])
    else:
        _print_outcome(outcome)
    raise typer.Exit(0 if outcome.report.status == "ready" else 1)


def _with_target(options: Any, target: str) -> Any:
    import dataclasses

    return dataclasses.replace(options, target=target)


def _recommended_for(record: Any, path: Path, db: str | None, config: Any) -> str:
    from steward.workflows.check import tree_key

    with _open_store(db, config) as store:
        row = store.last_known(tree_key(path.resolve().parent), record.name)
    if row is None or not row.recommended:
        raise _usage_error(
            f"no stored recommendation for {record.name}: run 'steward check "
            f"{path.resolve().parent}' first, or say --to VERSION"
        )
    if row.recommended == record.version:
        out.print(f"{record.name} is already at the recommended {row.recommended}.")
        raise typer.Exit(0)
    return str(row.recommended)


def _outdated_jobs(distro: Any, db: str | None, config: Any) -> list[tuple[Any, str]]:
    from steward.workflows.check import latest_rows

    with _open_store(db, config) as store:
        rows = {r.package: r for r in latest_rows(store, distro)}
    jobs = []
    for record in distro:
        row = rows.get(record.name)
        if row and row.recommended and row.recommended != record.version:
            jobs.append((record, row.recommended))
    return jobs


def _print_plan(plan: Any) -> None:
    out.print(f"[bold]{plan.package}[/bold] {plan.current} → {plan.target} on {plan.branch}")
    for number, current, new in plan.sources:
        out.print(f"  Source{number}: {_escape(current)}")
        if new != current:
            out.print(f"        → {_escape(new)}")
    for number, filename, applied in plan.patches:
        out.print(f"  Patch{number}: {filename}{'' if applied else ' (not applied by %prep)'}")
    for note in plan.spec_notes:
        out.print(f"  spec: {_escape(note)}")
    for problem in plan.problems:
        out.print(f"  [yellow]{_escape(problem)}[/yellow]")
    out.print(f"  build: {plan.build}; nothing was changed (--dry-run)")


def _print_outcome(outcome: Any) -> None:
    report = outcome.report
    if outcome.skipped:
        out.print(f"{outcome.package}: skipped ({_escape(outcome.skipped)})")
        return
    style = {"ready": "green", "needs-human": "yellow", "failed": "red"}[report.status]
    where = report.branch or report.result_dir or ""
    out.print(
        f"[{style}]{outcome.package} {report.from_version} → {report.to_version}: "
        f"{report.status}[/{style}] {where}"
    )
    if report.failed_step:
        out.print(f"  failed at {report.failed_step}: {_escape(report.error or '')}")
    for item in report.needs_human:
        out.print(f"  - {_escape(item)}")
    if outcome.markdown_path:
        out.print(f"  report: {outcome.markdown_path}")


def _outcome_dict(outcome: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"package": outcome.package, "skipped": outcome.skipped}
    if outcome.skipped is None:
        document["report"] = outcome.report.to_dict()
        document["report_path"] = str(outcome.json_path) if outcome.json_path else None
    return document


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


from steward.cli.config_cmd import config_app  # noqa: E402  (after app: a sub-command)

app.add_typer(config_app)

from steward.cli.advisory import register as _register_advisory  # noqa: E402  (needs app)
from steward.cli.sbom import register as _register_sbom  # noqa: E402  (needs app)
from steward.cli.serve import register as _register_serve  # noqa: E402  (needs app)
from steward.cli.vulns import register as _register_vulns  # noqa: E402  (needs app)

_register_vulns(app)
_register_sbom(app)
_register_serve(app)
_register_advisory(app)


def main() -> None:
    """Console-script entry point."""
    app()
