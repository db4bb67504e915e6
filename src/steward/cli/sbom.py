"""``steward sbom``: the tree's (or one package's) SBOM as SPDX 3.0.1, SPDX 2.3 or CycloneDX 1.6.

Registered on the main app by :func:`register`; the writers live in :mod:`steward.sbom`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register", "sbom"]

_EPILOG = (
    "Examples:\n\n"
    "  steward sbom examples/distro --format spdx3 --output distro.spdx3.json\n\n"
    "  steward sbom examples/distro --package jansson --format cyclonedx -o jansson.cdx.json\n\n"
    "  steward sbom ~/src-openeuler --format spdx3 -a osv-openEuler.zip -o tree.spdx3.json\n\n"
    "  steward sbom --diff before.cdx.json after.cdx.json\n\n"
    "With --advisories the vulnerability findings of 'steward vulns' go into the SBOM "
    "(SPDX 3 Security profile, CycloneDX VEX). Every document is validated before it is "
    "written. Exit status: 0 written, 2 usage error."
)

_FORMATS = ("spdx3", "spdx2", "cyclonedx")


def sbom(
    path: Annotated[
        Path | None, typer.Argument(exists=True, file_okay=False, help="A package tree.")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="spdx3, spdx2 or cyclonedx.")
    ] = "spdx3",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    package: Annotated[
        list[str] | None, typer.Option(help="Only this package (repeatable).")
    ] = None,
    advisories: Annotated[
        list[Path] | None,
        typer.Option("--advisories", "-a", help="Advisories whose findings go in (repeatable)."),
    ] = None,
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
    profile: Annotated[str | None, typer.Option(help="Distro profile.")] = None,
    diff: Annotated[
        tuple[Path, Path] | None,
        typer.Option(help="Compare two SBOM files (CycloneDX or SPDX 3) instead."),
    ] = None,
) -> None:
    """Write a validated SBOM of the tree: packages, sources, patches, binaries, licenses."""
    from steward.cli.main import _load_cli_config, _load_distro, _usage_error
    from steward.cli.output import err
    from steward.sbom.inventory import inventory

    if diff is not None:
        _print_diff(*diff)
    if path is None:
        raise _usage_error("give a package tree, or --diff BEFORE AFTER")
    if output_format not in _FORMATS:
        raise _usage_error(f"--format must be one of {', '.join(_FORMATS)}")
    config = _load_cli_config(config_path)
    distro = _load_distro(path, profile, None, config)
    if package:
        missing = [name for name in package if name not in distro]
        if missing:
            raise _usage_error(f"no package {', '.join(missing)} in {path}")
    findings = []
    if advisories:
        from steward.workflows.vulns import scan_tree

        report = scan_tree(distro, advisories)
        findings = report.findings
        for error in report.errors:
            err.print(f"skipped {error}", markup=False)
    packages = inventory(distro, findings, package)
    name = str(path) if not package or len(package) != 1 else package[0]
    if output_format == "cyclonedx":
        from steward.sbom.cyclonedx import cyclonedx_json, validate_cyclonedx

        text = cyclonedx_json(packages, name=name)
        problem = validate_cyclonedx(text)
        if problem:  # a bug in Steward, not in the tree: say so loudly
            raise RuntimeError(f"Steward wrote invalid CycloneDX: {problem}")
    elif output_format == "spdx2":
        from steward.sbom.spdx2 import spdx2_json

        text = spdx2_json(packages, name=name)
    else:
        from steward.sbom.spdx3 import spdx3_jsonld

        text = spdx3_jsonld(packages, name=name)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        err.print(f"wrote {output} ({output_format}, {len(packages)} source packages)")
    raise typer.Exit(0)


def _print_diff(before: Path, after: Path) -> None:
    from steward.cli.main import _usage_error
    from steward.sbom.diff import SbomDiffError, diff_sboms, read_sbom

    try:
        lines = diff_sboms(read_sbom(before), read_sbom(after))
    except SbomDiffError as exc:
        raise _usage_error(str(exc)) from exc
    for line in lines:
        print(line)
    if not lines:
        print(f"no differences between {before} and {after}")
    raise typer.Exit(0)


def register(app: typer.Typer) -> None:
    """Add ``steward sbom`` to the main command."""
    app.command("sbom", epilog=_EPILOG)(sbom)
