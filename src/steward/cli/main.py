"""The ``steward`` command line: a thin shell over the library (Typer + Rich).

Exit codes (docs/exit-codes.md): 0 when everything went well, 1 when the work finished but
found problems, 2 for usage errors (bad options, a path that does not exist, an invalid
configuration), 3 for runtime failures (the store cannot be opened or written, a full
disk): those are no fault of the command line.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from steward import __version__
from steward.cli.output import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    Column,
    did_you_mean,
    emit_document,
    emit_json,
    err,
    escape,
    out,
    print_rows,
    runtime_error,
    stderr_is_terminal,
    table_format,
    usage_error,
)

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
    add_completion=True,
)


# The names the commands used before the helpers moved to steward.cli.output.
_emit_json = emit_json
_escape = escape
_usage_error = usage_error
_runtime_error = runtime_error
_stderr_is_terminal = stderr_is_terminal

_SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}

#: ``--debug``: show the traceback of an internal error (also ``STEWARD_DEBUG=1``).
_DEBUG = {"on": bool(os.environ.get("STEWARD_DEBUG"))}

FORMAT_HELP = "auto (a table on a terminal, tab-separated lines otherwise), table or tsv."


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
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an internal error.")
    ] = False,
) -> None:
    """Steward: upstream monitoring, upgrades, reviews and vulnerability tracking for RPMs."""
    if debug:
        _DEBUG["on"] = True


@app.command(
    epilog=(
        "Examples:\n\n"
        "  steward inventory examples/distro\n\n"
        "  steward inventory examples/distro --json | jq '.packages[].evr'\n\n"
        "  steward inventory ~/src-openeuler --profile openeuler-22.03 --only jansson --only zstd"
        "\n\n"
        "  steward inventory ~/src-openeuler --format tsv | cut -f1,2\n\n"
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
    output_format: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = "auto",
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
) -> None:
    """List every package of a tree with its EVR, upstream kind and problems.

    Plain lines (a pipe, --format tsv) are: package, EVR, upstream kind, worst severity
    (or ok), problem codes separated by commas.
    """
    from steward.cli.convert import inventory_document
    from steward.distro.profiles import ProfileError
    from steward.distro.tree import TreeError, load_tree

    fmt = table_format(output_format)
    config = _load_cli_config(config_path)
    chosen_profile = profile or config.profile
    started = time.perf_counter()
    try:
        with err.status("Loading packages…", spinner="dots") if err.is_terminal else _null():
            distro = load_tree(
                path, profile=chosen_profile, layout=layout, jobs=jobs, only=only or None
            )
    except (TreeError, ProfileError) as exc:
        raise usage_error(str(exc)) from exc
    _require_packages(path, distro, only)
    elapsed = time.perf_counter() - started
    flagged = [p for p in distro if any(x.severity in ("error", "warning") for x in p.problems)]
    shown = [r for r in distro if not problems_only or r in flagged]
    if json_output:
        emit_document(inventory_document(distro, shown, len(flagged), elapsed))
    else:
        _print_inventory(distro, shown, flagged, elapsed, fmt)
    raise typer.Exit(1 if flagged else 0)


def _package_names(root: Path) -> list[str]:
    """The names a tree's packages may have (folders and spec files), for suggestions."""
    try:
        return sorted(
            p.name if p.is_dir() else p.stem
            for p in root.iterdir()
            if (p.is_dir() and not p.name.startswith(".")) or p.suffix == ".spec"
        )
    except OSError:
        return []


def _require_packages(path: Path, distro: Any, only: list[str] | None) -> None:
    """A usage error for an ``--only`` name the tree lacks, or a tree with no package."""
    if only:
        missing = [name for name in dict.fromkeys(only) if name not in distro]
        if missing:
            names = _package_names(path)
            first = missing[0]
            others = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise usage_error(
                f"--only {first}: no such package in {path}{others}{did_you_mean(first, names)}"
            )
    elif len(distro) == 0:
        raise usage_error(
            f"no packages in {path}",
            hint="a tree holds package folders (NAME/NAME.spec) or .spec files; "
            "is this the right folder?",
        )


_INVENTORY_COLUMNS = (
    Column("Package", style="bold"),
    Column("EVR", drop=1),
    Column("Upstream", drop=2),
    Column("Problems", truncate=True, markup=True),
)


def _print_inventory(
    distro: Any, shown: list[Any], flagged: list[Any], elapsed: float, fmt: str
) -> None:
    rows, plain = [], []
    for record in shown:
        upstream = record.upstream.kind.value if record.upstream else "-"
        lines = [
            f"[{_SEVERITY_STYLE.get(p.severity, '')}]{p.code}[/]: {escape(p.message)}"
            for p in record.problems
        ]
        rows.append([record.name, record.evr or "-", upstream, "\n".join(lines) or "[green]ok[/]"])
        codes = ",".join(dict.fromkeys(p.code for p in record.problems)) or "-"
        plain.append(
            [record.name, record.evr or "-", upstream, record.worst_severity or "ok", codes]
        )
    title = f"{distro.root}  ({distro.layout}, profile {distro.profile.name})"
    print_rows(_INVENTORY_COLUMNS, rows, fmt=fmt, title=title, tsv_rows=plain)
    counts = distro.problem_counts()
    summary = ", ".join(f"{code} {n}" for code, n in counts.items()) or "none"
    line = f"{len(distro)} packages, {len(flagged)} with problems ({summary}) in {elapsed:.2f} s"
    (out if fmt == "table" else err).print(escape(line))


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@app.command(
    epilog=(
        "Examples:\n\n"
        "  steward spec examples/distro/jansson/jansson.spec\n\n"
        "  steward spec examples/distro/zstd/zstd.spec --profile fedora-41 --arch aarch64 --json"
    )
)
def spec(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .spec file.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    profile: Annotated[str | None, typer.Option(help="Distro profile.")] = None,
    arch: Annotated[str | None, typer.Option(help="Target architecture for %ifarch.")] = None,
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
) -> None:
    """Show what Steward reads from one spec file, without running any of it."""
    from steward.cli.convert import spec_document
    from steward.distro.files import UnsafeFile
    from steward.distro.profiles import ProfileError, load_profile
    from steward.distro.tree import parse_spec_file

    try:
        engine = load_profile(profile or _load_cli_config(config_path).profile).macro_engine()
    except ProfileError as exc:
        raise usage_error(str(exc)) from exc
    try:
        # Never outside the spec's own folder: a link to /etc/shadow is not echoed.
        parsed = parse_spec_file(path, root=path.absolute().parent, macros=engine, arch=arch)
    except UnsafeFile as exc:
        raise usage_error(f"{path}: {exc}") from exc
    except OSError as exc:
        raise usage_error(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not parsed.name and not parsed.version:
        raise usage_error(
            f"{path} is not a spec file: it has no Name: and no Version: line",
            hint="give the package's .spec file, e.g. steward spec "
            "examples/distro/jansson/jansson.spec",
        )
    document = spec_document(path, parsed)
    if json_output:
        emit_document(document)
    else:
        out.print(f"[bold]{escape(document.package)}[/bold] {parsed.evr}  {parsed.url or ''}")
        out.print(f"packages: {', '.join(document.subpackages)}")
        for s in document.sources:
            out.print(f"  Source{s.number}: {escape(s.expanded or s.declared_raw)}")
        for p in document.patches:
            state = "" if p.applied else "  [yellow](not applied)[/yellow]"
            out.print(f"  Patch{p.number}: {escape(p.expanded or p.declared_raw)}{state}")
        for d in parsed.diagnostics:
            style = _SEVERITY_STYLE.get(d.severity, "")
            out.print(f"[{style}]{escape(str(d))}[/{style}]")
    raise typer.Exit(1 if parsed.errors else 0)


_CHECK_EPILOG = (
    "Examples:\n\n"
    "  steward check examples/distro\n\n"
    "  steward check ~/src-openeuler --concurrency 64 --policy same-major\n\n"
    "  steward check ~/src-openeuler --only jansson --only zstd --json\n\n"
    "Tokens: GITHUB_TOKEN, GITLAB_TOKEN, GITEE_TOKEN (never printed). An interrupted run is "
    "resumed by the next check of the same tree (--no-resume starts over).\n\n"
    "Exit status: 0 every package was checked, 1 some checks failed, 2 usage error."
)


def _read_config(config_path: Path | None) -> Any:
    """The configuration in use; raises ``ConfigError`` for one that cannot be used.

    An nvchecker file (as ``--config`` or ``$STEWARD_CONFIG``) names the packages; the
    network, store and tokens stay the user's own Steward configuration (the next file
    found), as they would be.
    """
    from steward.config import ConfigError, config_paths, load_config, parse_config
    from steward.upstream.imports import ImportFormatError, looks_like_nvchecker

    found = [p for p in config_paths(config_path) if p.is_file()]
    if found and looks_like_nvchecker(found[0]):
        from steward.cli.importcmd import nvchecker_as_config

        base = next((p for p in found[1:] if not looks_like_nvchecker(p)), None)
        try:
            return nvchecker_as_config(found[0], parse_config(base) if base else None)
        except ImportFormatError as exc:
            raise ConfigError(str(exc)) from exc
    return load_config(config_path)


def _load_cli_config(config_path: Path | None) -> Any:
    """:func:`_read_config`, with an unusable configuration as a usage error."""
    from steward.config import ConfigError

    try:
        return _read_config(config_path)
    except ConfigError as exc:
        raise _usage_error(str(exc)) from exc


def _load_distro(path: Path, profile: str | None, only: list[str] | None, config: Any) -> Any:
    distro = _start_distro(path, profile, only, config).result()
    _require_packages(path, distro, only)
    return distro


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


def _interruptible(command: Any) -> Any:
    """``command``, with Ctrl-C answered by :func:`_interrupted` whenever it comes."""
    import functools

    @functools.wraps(command)
    def wrapper(**options: Any) -> Any:
        try:
            return command(**options)
        except KeyboardInterrupt:
            raise _interrupted(
                options["path"], options.get("db"), options.get("config_path")
            ) from None

    return wrapper


@app.command(epilog=_CHECK_EPILOG)
@_interruptible
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
        _require_packages(path, distro, only)
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
        from steward.cli.convert import check_document

        emit_document(check_document(run))
    else:
        _print_check_summary(run)
    raise typer.Exit(1 if run.failures else 0)


def _interrupted(path: Path, db: str | None, config_path: Path | None) -> typer.Exit:
    """Say how much of an interrupted check is stored (the next check resumes from there)."""
    stored = "some"
    try:
        from steward.config import load_config
        from steward.store import Store
        from steward.workflows.storelink import tree_key

        with Store.open(db or load_config(config_path).db) as store:
            run = store.unfinished_run(tree_key(path))
            stored = str(len(store.done_in_run(run.id))) if run is not None else "0"
    except Exception:
        pass
    err.print(f"interrupted; {stored} packages stored, run again to resume")
    return typer.Exit(EXIT_INTERRUPTED)


def _progress_interval() -> float:
    """Seconds between progress lines on a non-terminal (``STEWARD_PROGRESS_SECONDS``)."""
    try:
        return max(0.1, float(os.environ.get("STEWARD_PROGRESS_SECONDS", "5")))
    except ValueError:
        return 5.0


def _run_with_progress(distro: Any, config: Any, options: Any, link: Any) -> Any:
    from steward.workflows.check import run_check

    if not _stderr_is_terminal():
        from steward.cli.progress import ProgressLines

        with ProgressLines("checking upstreams", interval=_progress_interval()) as lines:
            return run_check(
                distro, config, options, link=link, progress=lines.advance, on_start=lines.start
            )
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
        "  steward outdated examples/distro --format markdown > outdated.md\n\n"
        "  steward outdated examples/distro --json --all\n\n"
        "Reads the answers stored by 'steward check'. Plain lines (a pipe, --format tsv) "
        "are: package, packaged, newest upstream, recommended, behind by, upstream kind, "
        "error code.\n\n"
        "Exit status: 0 every stored check succeeded, 1 some stored checks failed or "
        "nothing was checked yet, 2 usage error."
    )
)
def outdated(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A package tree.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="auto, table, tsv or markdown.")
    ] = "auto",
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list packages that are up to date.")
    ] = False,
    db: Annotated[str | None, typer.Option(help="Database URL.")] = None,
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
    profile: Annotated[str | None, typer.Option(help="Distro profile.")] = None,
) -> None:
    """Which packages are behind their upstream, by how much, and what to move to."""
    from steward.cli import documents as d
    from steward.cli.convert import outdated_package
    from steward.workflows.check import latest_rows, tree_key

    fmt = "markdown" if output_format == "markdown" else table_format(output_format)
    config = _load_cli_config(config_path)
    distro = _load_distro(path, profile, None, config)
    with _open_store(db, config) as store:
        rows = latest_rows(store, distro)
    if not rows:
        err.print(f"No stored checks for {path}: run 'steward check {path}' first.")
        raise typer.Exit(1)
    shown = [r for r in rows if show_all or _is_outdated(r) or _check_failed(r) or _findings(r)]
    failed = sum(1 for r in rows if _check_failed(r))
    if json_output:
        emit_document(
            d.OutdatedDocument(
                tree=tree_key(path),
                packages=[outdated_package(r) for r in shown],
                summary=d.OutdatedSummary(
                    checked=len(rows),
                    shown=len(shown),
                    outdated=sum(1 for r in rows if _is_outdated(r)),
                    failed=failed,
                ),
            )
        )
    elif fmt == "markdown":
        sys.stdout.write(_markdown(shown))
    else:
        _print_outdated(shown, rows, fmt)
    raise typer.Exit(1 if failed else 0)


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


def _findings(row: Any) -> tuple[str, ...]:
    """What the answer reports beside itself (stale tag rules, a version scheme change)."""
    from steward.upstream.recommend import findings_in

    return findings_in(row.reason)


_OUTDATED_COLUMNS = (
    Column("Package", style="bold"),
    Column("Packaged", drop=1),
    Column("Newest upstream", drop=3),
    Column("Recommended"),
    Column("Behind by", drop=4),
    Column("Upstream", drop=5),
    Column("Check", drop=2, truncate=True, min_width=8),
    Column("Findings", drop=6, truncate=True, min_width=10),
)


def _cells(row: Any) -> list[str]:
    error = f"failed: {row.error_code}" if _check_failed(row) else "ok"
    return [
        row.package,
        row.current_version or "-",
        row.newest or "-",
        row.recommended or "-",
        _behind(row),
        row.upstream_kind or "-",
        error,
        ", ".join(code.replace("-", " ") for code in _findings(row)) or "-",
    ]


def _print_outdated(shown: list[Any], rows: list[Any], fmt: str) -> None:
    plain = [[*c[:6], r.error_code or "-", c[7]] for r, c in ((r, _cells(r)) for r in shown)]
    print_rows(_OUTDATED_COLUMNS, [_cells(r) for r in shown], fmt=fmt, tsv_rows=plain)
    outdated_count = sum(1 for r in rows if _is_outdated(r))
    failed = sum(1 for r in rows if _check_failed(r))
    line = f"{outdated_count} of {len(rows)} checked packages are outdated; {failed} checks failed"
    (out if fmt == "table" else err).print(line)


def _markdown(rows: list[Any]) -> str:
    header = [c.header for c in _OUTDATED_COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [c.replace("|", "\\|") for c in _cells(row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


_UPGRADE_EPILOG = (
    "Examples:\n\n"
    "  steward upgrade src-openeuler/jansson --to 2.14.1 --dry-run\n\n"
    "  steward upgrade src-openeuler/jansson --recommended --build srpm\n\n"
    "  steward upgrade src-openeuler --all-outdated --dry-run --json\n\n"
    "Add --build rpms (--nodeps) to build binaries too, and --push REMOTE --open-pr to "
    "push the branch and open a pull request (GitHub, GitLab, Gitee).\n\n"
    "The work happens on branch steward/upgrade/NAME-VERSION in a separate worktree; your "
    "checkout is never changed. Reports (report.json, report.md), downloads and build logs "
    "go to --output (default: upgrades/ in the user's data directory, "
    "~/.local/share/steward/upgrades).\n\n"
    "Exit status: 0 every upgrade is ready (or was done before), 1 some failed, need a "
    "human or a plan was refused, 2 usage error (a downgrade, say)."
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
    output: Annotated[
        Path | None,
        typer.Option(help="Reports, downloads, logs (default: upgrades/ in the data directory)."),
    ] = None,
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
    from steward.workflows.upgrade import UpgradeOptions, run_upgrades

    if build not in ("none", "srpm", "rpms"):
        raise _usage_error("--build must be none, srpm or rpms")
    if resume:
        _continue_upgrade(
            path, to, build, nodeps, output or _default_upgrade_output(), packager,
            json_output, config_path, profile,
        )  # fmt: skip
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
        output=(output or _default_upgrade_output()).absolute(),
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
        _refuse_downgrade(record, target)
        jobs_list = [(record, target)]
    if dry_run:
        _dry_run(jobs_list, chosen, options, json_output)
    outcomes = run_upgrades(
        jobs_list, chosen, config, options, distro=distro, workers=jobs,
        progress=None if json_output else _print_outcome,
    )  # fmt: skip
    bad = [o for o in outcomes if o.skipped is None and o.report.status != "ready"]
    if json_output:
        from steward.cli.convert import upgrade_document

        emit_document(upgrade_document([], outcomes, dry_run=False))
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
        from steward.cli.convert import upgrade_document

        emit_document(upgrade_document([], [outcome], dry_run=False))
    else:
        _print_outcome(outcome)
    raise typer.Exit(0 if outcome.report.status == "ready" else 1)


def _default_upgrade_output() -> Path:
    """``upgrades/`` in the user's data directory (``~/.local/share/steward/upgrades``)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("steward")) / "upgrades"


def _refuse_downgrade(record: Any, target: str) -> None:
    from steward.rpm.version import rpmvercmp

    if record.version and rpmvercmp(target, record.version) <= 0:
        word = "the same as" if rpmvercmp(target, record.version) == 0 else "older than"
        raise usage_error(
            f"{record.name}: {target} is {word} the packaged {record.version}; "
            "Steward only upgrades",
            hint="to go back to an older release, edit the spec by hand",
        )


def _dry_run(jobs_list: list[tuple[Any, str]], profile: Any, options: Any, as_json: bool) -> None:
    """Plan every upgrade, change nothing; exit 1 when some plan is refused."""
    from steward.cli.convert import plan_document, upgrade_document
    from steward.upgrade.model import UpgradeError
    from steward.workflows.upgrade import plan_upgrade

    plans = []
    for record, target in jobs_list:
        try:
            plan = plan_upgrade(record, profile, _with_target(options, target))
        except UpgradeError as exc:
            plans.append(plan_document(None, record, target, error=exc))
            if not as_json:
                name, why = escape(record.name), escape(str(exc))
                err.print(f"[red]{name}[/red]: cannot upgrade to {target}: {why}")
            continue
        plans.append(plan_document(plan, record, target))
        if not as_json:
            _print_plan(plan)
    if as_json:
        emit_document(upgrade_document(plans, [], dry_run=True))
    raise typer.Exit(1 if any(p.error for p in plans) else 0)


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


from steward.cli.health import EPILOG as _HEALTH_EPILOG  # noqa: E402
from steward.cli.health import health as _health  # noqa: E402

app.command("health", epilog=_HEALTH_EPILOG)(_health)


@app.command(epilog="Example:\n\n  steward vercmp 1:1.0-1 1.0-2   # prints 1:1.0-1 > 1.0-2")
def vercmp(
    left: Annotated[str, typer.Argument(help="[epoch:]version[-release]")],
    right: Annotated[str, typer.Argument(help="[epoch:]version[-release]")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare two versions the way rpm does (exit 0 equal, 11 left newer, 12 right newer)."""
    from steward.rpm.version import compare_evr

    result = compare_evr(left, right)
    sign = {0: "==", 1: ">", -1: "<"}[result]
    if json_output:
        from steward.cli import documents as d

        emit_document(
            d.VercmpDocument(
                left=left,
                right=right,
                relation=sign,
                summary=d.VercmpSummary(result=result),
            )
        )
    else:
        print(f"{left} {sign} {right}")
    raise typer.Exit({0: 0, 1: 11, -1: 12}[result])


def _register_commands() -> None:
    """The commands that live in their own modules (each module stays small)."""
    from steward.cli import doctor, importcmd, nvworkflow

    app.command(epilog=nvworkflow.TAKE_EPILOG)(nvworkflow.take)
    app.command(epilog=nvworkflow.NEW_EPILOG)(nvworkflow.new)
    app.command("import", epilog=importcmd.IMPORT_EPILOG)(importcmd.import_config)
    app.command(epilog=doctor.DOCTOR_EPILOG)(doctor.doctor)


_register_commands()

from steward.cli.config_cmd import config_app  # noqa: E402  (after app: a sub-command)

app.add_typer(config_app)
from steward.cli.review import register as _register_review  # noqa: E402

_register_review(app)

from steward.cli.advisory import register as _register_advisory  # noqa: E402  (needs app)
from steward.cli.sbom import register as _register_sbom  # noqa: E402  (needs app)
from steward.cli.serve import register as _register_serve  # noqa: E402  (needs app)
from steward.cli.vulns import register as _register_vulns  # noqa: E402  (needs app)

_register_vulns(app)
_register_sbom(app)
_register_serve(app)
_register_advisory(app)


def main() -> None:
    """Console-script entry point: the command, and one clean message for what escapes it.

    A configuration that cannot be used is one line and exit status 2, wherever it is read;
    anything else that escapes a command is a bug in Steward: one line saying so and where
    to report it, and the traceback only with ``--debug``.
    """
    from steward.config import ConfigError
    from steward.upstream.resolve import PackageConfigError

    try:
        app()
    except (ConfigError, PackageConfigError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise SystemExit(EXIT_INTERRUPTED) from None
    except Exception as exc:
        _report_bug(exc)
        raise SystemExit(EXIT_BUG) from None


BUG_REPORT = (
    "This is a bug in Steward. Please report it to the Steward maintainers (the issue "
    "tracker of the repository you installed Steward from), with the output of the same "
    "command run again with --debug."
)


def _report_bug(exc: BaseException) -> None:
    import traceback

    if _DEBUG["on"] or "--debug" in sys.argv:
        traceback.print_exception(exc, file=sys.stderr)
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    place = f" (at {Path(where[0].filename).name}:{where[0].lineno})" if where else ""
    print(f"steward: internal error: {type(exc).__name__}: {exc}{place}", file=sys.stderr)
    print(BUG_REPORT, file=sys.stderr)
