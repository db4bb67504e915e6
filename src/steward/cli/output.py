"""What every ``steward`` command prints: consoles, JSON documents, tables and plain lines.

One place decides how output looks, so that every command behaves the same way:

- ``--json`` prints one JSON document (a model from :mod:`steward.cli.documents`);
- a table is drawn only for a terminal, and fitted to its width: the least useful columns
  are dropped first, then the text of truncatable ones is cut with an ellipsis; the
  package name and URLs are never cut or folded;
- anywhere else (a pipe, a file, ``--format tsv``) the same rows are printed as plain
  tab-separated lines without a header, like ``rpm -q`` output, ready for ``cut`` and ``awk``;
- errors are one line on standard error (``error: …``); a usage error exits 2.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import typer

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "EXIT_BUG",
    "EXIT_INTERRUPTED",
    "EXIT_NEW",
    "EXIT_PROBLEMS",
    "EXIT_RUNTIME",
    "EXIT_USAGE",
    "Column",
    "did_you_mean",
    "emit_document",
    "emit_json",
    "err",
    "escape",
    "out",
    "print_rows",
    "runtime_error",
    "stderr_is_terminal",
    "table_format",
    "usage_error",
]

# Every exit status of the command line, in one place (docs/exit-codes.md lists them).
#: The work finished but found problems (or some checks failed).
EXIT_PROBLEMS: Final = 1
#: Exit status of a usage error: a bad option, a path or name that does not exist.
EXIT_USAGE: Final = 2
#: A runtime failure of the machine or a service (the store, the disk), not of the command line.
EXIT_RUNTIME: Final = 3
#: ``steward new --exit-status``: there are new releases (nvcmp's ``--exit-status``).
EXIT_NEW: Final = 4
#: Exit status after Ctrl-C (128 + SIGINT, what shells report).
EXIT_INTERRUPTED: Final = 130
#: Exit status of a bug in Steward itself (``EX_SOFTWARE`` of sysexits.h).
EXIT_BUG: Final = 70

FORMATS: Final = ("auto", "table", "tsv")


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
err = _LazyConsole(stderr=True, highlight=False, soft_wrap=True)


def stderr_is_terminal() -> bool:
    """``err.is_terminal``, without loading Rich when standard error is plainly no terminal
    (Rich's own answer then is no as well: only these variables could make it yes)."""
    if not ({"TTY_COMPATIBLE", "FORCE_COLOR"} & os.environ.keys()):
        try:
            if not sys.stderr.isatty():
                return False
        except ValueError:  # closed
            return False
    return bool(err.is_terminal)


def escape(text: str) -> str:
    """``text`` with Rich markup made literal."""
    return text.replace("[", r"\[")


def usage_error(message: str, *, hint: str | None = None) -> typer.Exit:
    """Print ``error: message`` (and a hint line) on standard error; raise the result."""
    err.print(f"[red]error:[/red] {escape(message)}")
    if hint:
        err.print(f"  {escape(hint)}")
    return typer.Exit(EXIT_USAGE)


def runtime_error(message: str) -> typer.Exit:
    """A failure of the machine or a service (store, disk), not of the command line."""
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(EXIT_RUNTIME)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or an empty string.

    >>> did_you_mean("opensll", ["openssl", "zlib"])
    " (did you mean 'openssl'?)"
    >>> did_you_mean("qqq", ["openssl", "zlib"])
    ''
    """
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


# -- JSON --------------------------------------------------------------------------------


def emit_json(document: Any) -> None:
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


def emit_document(document: BaseModel) -> None:
    """One output document (see :mod:`steward.cli.documents`) as JSON on standard output."""
    emit_json(document.model_dump(mode="json"))


# -- tables and plain lines ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table.

    ``drop`` orders the columns that may go when the terminal is too narrow (the highest
    goes first; ``None`` never goes). ``truncate`` lets the column's text be cut with an
    ellipsis once nothing more can be dropped; a column holding names or URLs never is.
    """

    header: str
    drop: int | None = None
    truncate: bool = False
    style: str = ""
    #: The cells are Rich markup (escaped by the caller), for colour; the rest is plain text.
    markup: bool = False
    #: How narrow a truncated column may get before another column is dropped instead.
    min_width: int = 20


def table_format(option: str) -> str:
    """``table`` or ``tsv`` for a ``--format`` value (``auto``: a table only for a terminal)."""
    if option not in FORMATS:
        raise usage_error(f"--format {option!r}: choose {', '.join(FORMATS)}")
    if option == "auto":
        return "table" if out.is_terminal else "tsv"
    return option


def _cell_width(cell: str) -> int:
    return max((len(line) for line in cell.split("\n")), default=0)


def _plain(cell: str) -> str:
    from rich.text import Text

    return Text.from_markup(cell).plain


def fit_columns(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """The indexes of the columns kept in a table ``width`` characters wide.

    Rich's default box draws ``│ cell │ cell │``: three characters per column and one more.
    A truncatable column may shrink to its ``min_width``; while even that
    does not fit, the least useful droppable column goes.

    >>> cols = [Column("Package"), Column("Upstream", drop=1), Column("Notes", truncate=True)]
    >>> fit_columns(cols, [["zlib", "x" * 50, "y" * 60]], 80)
    [0, 2]
    >>> fit_columns(cols, [["zlib", "github", "y" * 60]], 80)
    [0, 1, 2]
    """
    natural = [
        max([len(c.header), *(_cell_width(row[i]) for row in rows)]) for i, c in enumerate(columns)
    ]
    kept = list(range(len(columns)))

    def needed(indexes: list[int]) -> int:
        shown = (
            min(natural[i], columns[i].min_width) if columns[i].truncate else natural[i]
            for i in indexes
        )
        return sum(shown) + 3 * len(indexes) + 1

    droppable = sorted(
        (i for i, c in enumerate(columns) if c.drop is not None),
        key=lambda i: -(columns[i].drop or 0),
    )
    for index in droppable:
        if needed(kept) <= width:
            break
        kept.remove(index)
    return kept


def print_rows(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    fmt: str,
    title: str | None = None,
    tsv_rows: Sequence[Sequence[str]] | None = None,
) -> None:
    """Print ``rows`` as a fitted table (``fmt == "table"``) or as tab-separated lines.

    Cells are plain text (no markup). ``tsv_rows`` replaces ``rows`` for the plain lines
    when a cell of the table holds several lines; a tab or newline inside a cell is
    written as a space there, so that every row stays one line of fields.
    """
    if fmt == "tsv":
        lines = []
        for row in tsv_rows if tsv_rows is not None else rows:
            fields = (cell.replace("\t", " ").replace("\n", " ") for cell in row)
            lines.append("\t".join(fields))
        if lines:
            sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        return
    from rich.table import Table

    width = out.width
    plain = [[_plain(c) if columns[i].markup else c for i, c in enumerate(r)] for r in rows]
    kept = fit_columns(columns, plain, width)
    natural = {i: max(len(columns[i].header), *(_cell_width(r[i]) for r in plain), 1) for i in kept}
    cut = [i for i in kept if columns[i].truncate]
    # Rich shrinks only columns that may wrap: the truncated ones get their width here.
    room = width - 3 * len(kept) - 1 - sum(natural[i] for i in kept if i not in cut)
    share = room // len(cut) if cut else 0
    table = Table(title=title, title_justify="left", expand=False)
    for index in kept:
        column = columns[index]
        if column.truncate:
            table.add_column(
                column.header,
                overflow="ellipsis",
                no_wrap=True,
                max_width=max(column.min_width, min(natural[index], share)),
                style=column.style,
            )
        else:
            table.add_column(
                column.header,
                no_wrap=True,
                overflow="ignore",
                min_width=natural[index],
                style=column.style,
            )
    for row in rows:
        table.add_row(*(row[i] if columns[i].markup else escape(row[i]) for i in kept))
    out.print(table, crop=False)
    dropped = [columns[i].header for i in range(len(columns)) if i not in kept]
    if dropped:
        err.print(
            f"[dim](narrow terminal: {', '.join(dropped)} not shown; "
            "--format tsv or --json print everything)[/dim]"
        )
