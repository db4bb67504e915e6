"""``steward take`` and ``steward new``: nvchecker's ``nvtake``/``nvcmp`` workflow on the store.

``steward check`` stores every package's newest upstream release. ``steward new`` lists the
packages whose newest release is newer than what the maintainer last *took*: the version
recorded by ``steward take`` (packaged, or ignored as not worth packaging), else the
packaged version. Taking a version silences the package until upstream moves past it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final

import typer

from steward.cli.output import (
    EXIT_NEW,
    EXIT_PROBLEMS,
    Column,
    did_you_mean,
    emit_document,
    err,
    out,
    print_rows,
    table_format,
    usage_error,
)

__all__ = ["EXIT_FAILURES", "EXIT_NEW", "new", "take"]

#: ``steward new --failures``: some stored check failed. nvchecker's ``--failures`` exits 3;
#: Steward keeps 3 for runtime failures (a store that cannot be written) and, as everywhere,
#: says "finished, but found problems" with 1.
EXIT_FAILURES: Final = EXIT_PROBLEMS

TAKE_EPILOG = (
    "Examples:\n\n"
    "  steward take jansson --tree examples/distro\n\n"
    "  steward take jansson 2.14 --tree examples/distro\n\n"
    "  steward take zstd --ignore --tree examples/distro\n\n"
    "  steward take --all --tree examples/distro\n\n"
    "Without VERSION, the newest upstream release 'steward check' stored is taken, as "
    "nvtake does. 'steward new' then stays quiet about the package until upstream "
    "publishes something newer.\n\n"
    "Exit status: 0 taken, 2 usage error (an unknown package, nothing checked yet)."
)

NEW_EPILOG = (
    "Examples:\n\n"
    "  steward new examples/distro\n\n"
    "  steward new examples/distro --json\n\n"
    "  steward new examples/distro --exit-status --failures\n\n"
    "Plain lines (a pipe, --format tsv) are: package, baseline (taken or packaged version), "
    "newest upstream, recommended.\n\n"
    f"Exit status: 0, or with --exit-status {EXIT_NEW} when there are new releases; with "
    f"--failures {EXIT_FAILURES} when some stored check failed (checked first); 2 usage error."
)

TreeOption = Annotated[
    Path,
    typer.Option("--tree", exists=True, file_okay=False, help="The package tree (default: .)."),
]
DbOption = Annotated[str | None, typer.Option(help="Database URL.")]
ConfigOption = Annotated[Path | None, typer.Option("--config", help="Config file.")]


def _store(db: str | None, config_path: Path | None) -> Any:
    from steward.cli.main import _load_cli_config, _open_store

    return _open_store(db, _load_cli_config(config_path))


def _newer(version: str | None, than: str | None) -> bool:
    from steward.rpm.version import rpmvercmp

    if not version:
        return False
    return than is None or rpmvercmp(version, than) > 0


def take(
    package: Annotated[
        str | None, typer.Argument(help="The package (as the tree names it).")
    ] = None,
    version: Annotated[
        str | None, typer.Argument(help="The version to take (default: newest upstream).")
    ] = None,
    tree: TreeOption = Path("."),
    ignore: Annotated[
        bool, typer.Option("--ignore", help="The version is not to be packaged: ignore it.")
    ] = False,
    take_all: Annotated[
        bool, typer.Option("--all", help="Take the newest release of every package with news.")
    ] = False,
    forget: Annotated[
        bool, typer.Option("--forget", help="Remove PACKAGE's taken version instead.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: DbOption = None,
    config_path: ConfigOption = None,
) -> None:
    """Record that a package's upstream version was packaged or is to be ignored (nvtake)."""
    from steward.cli import documents as d
    from steward.store import taken as taken_store
    from steward.workflows.storelink import tree_key

    if take_all == (package is not None):
        raise usage_error("say a PACKAGE, or --all")
    if take_all and (version or forget):
        raise usage_error("--all takes each package's newest release: no VERSION or --forget")
    key = tree_key(tree)
    reason = "ignored" if ignore else "packaged"
    with _store(db, config_path) as store:
        rows = {r.package: r for r in store.latest_checks(key)}
        if not rows:
            raise usage_error(
                f"nothing stored for {tree.resolve()}: run 'steward check {tree}' first"
            )
        already = taken_store.taken_versions(store, key)
        if take_all:
            chosen = [
                (name, row.newest)
                for name, row in rows.items()
                if _newer(
                    row.newest, already[name].version if name in already else row.current_version
                )
            ]
        else:
            assert package is not None
            if package not in rows:
                raise usage_error(
                    f"no stored check for {package} in {tree.resolve()}"
                    f"{did_you_mean(package, rows)}"
                )
            if forget:
                gone = taken_store.forget(store, key, package)
                out.print(f"{package}: {'taken version removed' if gone else 'nothing was taken'}")
                raise typer.Exit(0)
            wanted = version or rows[package].newest
            if not wanted:
                raise usage_error(f"{package}: no upstream version is stored; say VERSION")
            chosen = [(package, wanted)]
        done = []
        for name, chosen_version in chosen:
            previous = taken_store.take(store, key, name, chosen_version, reason)
            done.append(
                d.TakenVersion(
                    package=name,
                    version=chosen_version,
                    reason=reason,
                    previous=previous.version if previous else None,
                    taken_at=_now(),
                )
            )
    if json_output:
        emit_document(
            d.TakeDocument(tree=key, packages=done, summary=d.TakeSummary(taken=len(done)))
        )
        raise typer.Exit(0)
    for item in done:
        was = f" (was {item.previous})" if item.previous else ""
        out.print(f"{item.package}: took {item.version} as {item.reason}{was}")
    if not done:
        err.print("nothing new to take")


def _now() -> str:
    import datetime as _dt

    return _dt.datetime.now(_dt.UTC).isoformat()


_NEW_COLUMNS = (
    Column("Package", style="bold"),
    Column("Taken", drop=2),
    Column("Newest upstream"),
    Column("Recommended", drop=1),
)


def new(
    path: Annotated[
        Path,
        typer.Argument(exists=True, file_okay=False, help="The package tree (default: .)."),
    ] = Path("."),
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    output_format: Annotated[str, typer.Option("--format", help="auto, table or tsv.")] = "auto",
    exit_status: Annotated[
        bool, typer.Option("--exit-status", help=f"Exit {EXIT_NEW} when there is news.")
    ] = False,
    failures: Annotated[
        bool,
        typer.Option("--failures", help=f"Exit {EXIT_FAILURES} when some stored check failed."),
    ] = False,
    db: DbOption = None,
    config_path: ConfigOption = None,
) -> None:
    """What changed upstream since the version last taken, from the store (nvcmp)."""
    from steward.cli import documents as d
    from steward.cli.convert import error_info, upstream_from_kind
    from steward.store import taken as taken_store
    from steward.upstream.engine import NOT_FAILURES
    from steward.workflows.storelink import tree_key

    fmt = table_format(output_format)
    key = tree_key(path)
    with _store(db, config_path) as store:
        rows = store.latest_checks(key)
        taken = taken_store.taken_versions(store, key)
    if not rows:
        raise usage_error(f"nothing stored for {path.resolve()}: run 'steward check {path}' first")
    news = []
    for row in rows:
        mark = taken.get(row.package)
        baseline = mark.version if mark else row.current_version
        if _newer(row.newest, baseline):
            news.append(
                d.NewRelease(
                    package=row.package,
                    current=row.current_version,
                    taken=mark.version if mark else None,
                    newest=row.newest,
                    recommended=row.recommended,
                    upstream=upstream_from_kind(row.upstream_kind, row.origin),
                    error=error_info(row.error_code, row.error_message),
                )
            )
    failed = sum(1 for r in rows if r.error_code and r.error_code not in NOT_FAILURES)
    if json_output:
        emit_document(
            d.NewDocument(
                tree=key,
                packages=news,
                summary=d.NewSummary(checked=len(rows), new=len(news), failed=failed),
            )
        )
    else:
        table = [
            [n.package, n.taken or n.current or "-", n.newest or "-", n.recommended or "-"]
            for n in news
        ]
        print_rows(_NEW_COLUMNS, table, fmt=fmt)
        line = f"{len(news)} of {len(rows)} packages have new upstream releases; {failed} failed"
        (out if fmt == "table" else err).print(line)
    if failures and failed:
        raise typer.Exit(EXIT_FAILURES)
    raise typer.Exit(EXIT_NEW if exit_status and news else 0)
