"""``steward(1)``: the manual page, generated from the commands' own help.

:func:`render_manpage` walks the Typer application (its Click commands, options and
epilogs) and writes roff, so the page can never say something ``--help`` does not.
``python scripts/gen-docs.py`` writes it to ``docs/steward.1``; a test checks it is current.
Read it with ``man ./docs/steward.1``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MANPAGE", "render_manpage"]

#: The page's place in the repository.
MANPAGE = "docs/steward.1"


def _roff(text: str) -> str:
    """``text`` with roff's special characters made literal."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def _paragraphs(text: str) -> list[str]:
    out = []
    for block in text.strip().split("\n\n"):
        block = block.strip("\n")
        if not block:
            continue
        if block.startswith("  "):  # an example line
            out.append(".PP\n.RS 4\n.nf\n" + _roff(block.strip()) + "\n.fi\n.RE")
        else:
            out.append(".PP\n" + _roff(" ".join(block.split())))
    return out


def _option_lines(command: Any) -> list[str]:
    lines = []
    for param in command.params:
        if param.param_type_name != "option" or getattr(param, "hidden", False):
            continue
        names = ", ".join(f"\\fB{_roff(o)}\\fR" for o in [*param.opts, *param.secondary_opts])
        metavar = "" if param.is_flag else f" \\fI{_roff(param.type.name.upper())}\\fR"
        lines.append(f".TP\n{names}{metavar}\n{_roff(param.help or '')}")
    return lines


def _arguments(command: Any) -> str:
    names = [
        p.name.upper() if p.required else f"[{p.name.upper()}]"
        for p in command.params
        if p.param_type_name == "argument"
    ]
    return " ".join(names)


def render_manpage() -> str:
    """The whole page, as roff text."""
    import typer

    from steward import __version__
    from steward.cli.main import app

    group: Any = typer.main.get_command(app)
    parts = [
        f'.TH STEWARD 1 "" "steward {__version__}" "User Commands"',
        ".SH NAME",
        "steward \\- " + _roff(group.help.split("\n")[0].rstrip(".")).lower().rstrip(),
        ".SH SYNOPSIS",
        "\\fBsteward\\fR [\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        *_paragraphs(group.help),
        ".SH OPTIONS",
        *_option_lines(group),
        ".SH COMMANDS",
    ]
    for name in sorted(group.commands):
        command = group.commands[name]
        if command.hidden:
            continue
        parts.append(f".SS \\fBsteward {_roff(name)}\\fR {_roff(_arguments(command))}".rstrip())
        parts.extend(_paragraphs(command.help or ""))
        parts.extend(_option_lines(command))
        if command.epilog:
            parts.extend(_paragraphs(command.epilog))
    parts += [
        ".SH FILES",
        ".TP\n\\fI~/.config/steward/config.toml\\fR\nThe user's configuration "
        "(or the file \\fB$STEWARD_CONFIG\\fR names; \\fB\\-\\-config\\fR wins).",
        ".TP\n\\fI~/.local/share/steward/steward.db\\fR\nThe default store (\\fB$STEWARD_DB\\fR).",
        ".SH SEE ALSO",
        "\\fBrpm\\fR(8), \\fBrpmbuild\\fR(8), \\fBnvchecker\\fR(1)",
    ]
    return "\n".join(parts) + "\n"
