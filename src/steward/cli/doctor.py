"""``steward doctor``: what Steward would use here, and what is missing or wrong.

Which configuration files exist and which one is used, keys in it Steward does not know,
the store, the external tools (rpm, rpmbuild, git, patch, gpgv, abidiff) and their versions,
which hosts have a token (never the token itself) and whether every host the configuration
names answers a TCP connection. Nothing is changed: the store is not created, no request
is sent (a connection is opened and closed).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

import typer

from steward.cli.output import emit_document, escape, out

__all__ = ["DOCTOR_EPILOG", "TOOLS", "doctor"]

DOCTOR_EPILOG = (
    "Examples:\n\n"
    "  steward doctor\n\n"
    "  steward doctor --offline --json\n\n"
    "Exit status: 0 everything needed was found, 1 something is missing or wrong (a tool, "
    "an unreadable configuration, an unknown key, a host that does not answer)."
)

#: The tools Steward runs, and what for.
TOOLS: Final = (
    ("rpm", "reading built packages, comparing versions in tests"),
    ("rpmbuild", "building source and binary packages (upgrade --build)"),
    ("git", "upgrade branches and worktrees, git upstreams"),
    ("patch", "patch triage during upgrades"),
    ("gpgv", "verifying signed source tarballs"),
    ("abidiff", "ABI comparison (upgrade --compare)"),
)

_TIMEOUT: Final = 3.0


def _tool(name: str, purpose: str) -> Any:
    from steward.cli import documents as d

    path = shutil.which(name)
    version = None
    if path is not None:
        try:
            done = subprocess.run(
                [path, "--version"], capture_output=True, text=True, timeout=10, check=False
            )
            text = (done.stdout or done.stderr).strip().splitlines()
            version = text[0].strip() if text else None
        except (OSError, subprocess.TimeoutExpired):
            version = None
    return d.ToolCheck(name=name, path=path, version=version, needed_for=purpose)


def configured_hosts(config: Any) -> list[tuple[str, str]]:
    """``(host:port, url)`` for every base URL and mirror the configuration names."""
    urls = [*config.network.base_url_overrides.values(), *config.base_urls.values()]
    urls += [u for u in config.url_rewrites.values() if "://" in u]
    seen: dict[str, str] = {}
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "git", "svn", "ssh") or not parts.hostname:
            continue
        default = {"http": 80, "https": 443, "git": 9418, "svn": 3690, "ssh": 22}[parts.scheme]
        seen.setdefault(f"{parts.hostname}:{parts.port or default}", url)
    return sorted(seen.items())


def _reach(target: tuple[str, str]) -> Any:
    from steward.cli import documents as d

    hostport, url = target
    host, _, port = hostport.rpartition(":")
    started = time.monotonic()
    try:
        with socket.create_connection((host, int(port)), timeout=_TIMEOUT):
            pass
    except OSError as exc:
        return d.HostCheck(host=hostport, url=url, reachable=False, detail=str(exc) or "failed")
    elapsed = (time.monotonic() - started) * 1000
    return d.HostCheck(host=hostport, url=url, reachable=True, detail=f"{elapsed:.0f} ms")


def _tokens(config: Any, problems: list[Any]) -> list[Any]:
    import os

    from steward.cli import documents as d
    from steward.upstream.credentials import Credentials, CredentialsError

    found: dict[str, str] = {}
    for variable, hosts in (
        ("GITHUB_TOKEN", ("github.com", "api.github.com")),
        ("GITLAB_TOKEN", ("gitlab.com",)),
        ("GITEE_TOKEN", ("gitee.com",)),
    ):
        if os.environ.get(variable, "").strip():
            for host in hosts:
                found[host] = variable
    # Credentials keep host names folded (letters and digits, "_" for the rest): shown
    # with dots, which is how nearly every host name reads.
    for variable, value in os.environ.items():
        if variable.startswith("STEWARD_TOKEN_") and value.strip():
            for host in Credentials.from_env({variable: value}).tokens:
                found[host.replace("_", ".")] = variable
    key_file = config.network.key_file
    if key_file is not None:
        try:
            for host in Credentials.from_file(key_file).tokens:
                found[host.replace("_", ".")] = str(key_file)
        except CredentialsError as exc:
            problems.append(
                d.Problem(code="key-file", severity="error", message=str(exc), path=str(key_file))
            )
    return [d.TokenCheck(host=h, source=s) for h, s in sorted(found.items())]


def doctor(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not try to reach the configured hosts.")
    ] = False,
    config_path: Annotated[Path | None, typer.Option("--config", help="Config file.")] = None,
    db: Annotated[str | None, typer.Option(help="Database URL.")] = None,
) -> None:
    """Show the configuration, store, tools, tokens and hosts Steward would use."""
    from steward import __version__
    from steward.cli import documents as d
    from steward.cli.main import _read_config
    from steward.config import Config, ConfigError, config_paths
    from steward.store.location import database_url

    files = [p for p in config_paths(config_path) if p.is_file()]
    problems: list[Any] = []
    try:
        config = _read_config(config_path)
    except ConfigError as exc:
        # Unknown keys, wrong types: the configuration's own validation says what and where.
        problems.append(d.Problem(code="config", severity="error", message=str(exc)))
        config = Config()
    tools = [_tool(name, purpose) for name, purpose in TOOLS]
    tokens = _tokens(config, problems)
    targets = [] if offline else configured_hosts(config)
    with ThreadPoolExecutor(max_workers=8) as pool:
        hosts = list(pool.map(_reach, targets))
    url = database_url(db or config.db)
    from sqlalchemy.engine import make_url

    store = make_url(url).render_as_string(hide_password=True)
    missing = sum(1 for t in tools if t.path is None)
    unreachable = sum(1 for h in hosts if not h.reachable)
    document = d.DoctorDocument(
        version=__version__,
        config_files=[str(p) for p in files],
        store=store,
        problems=problems,
        tools=tools,
        tokens=tokens,
        hosts=hosts,
        summary=d.DoctorSummary(
            problems=len(problems), tools_missing=missing, hosts_unreachable=unreachable
        ),
    )
    if json_output:
        emit_document(document)
    else:
        _print(document, config_paths(config_path))
    raise typer.Exit(1 if problems or missing or unreachable else 0)


def _print(document: Any, candidates: list[Path]) -> None:
    out.print(f"steward {document.version}")
    out.print("configuration (first found is used):")
    used = document.config_files[0] if document.config_files else None
    for path in candidates:
        state = "used" if str(path) == used else ("found" if path.is_file() else "absent")
        out.print(f"  {escape(str(path))}: {state}")
    out.print(f"store: {escape(document.store)}")
    for problem in document.problems:
        style = "red" if problem.severity == "error" else "yellow"
        out.print(f"  [{style}]{problem.severity}[/{style}]: {escape(problem.message)}")
    out.print("tools:")
    for tool in document.tools:
        if tool.path is None:
            out.print(f"  [red]{tool.name}: not found[/red] (needed for {tool.needed_for})")
        else:
            out.print(f"  {tool.name}: {escape(tool.version or '?')} ({tool.path})")
    out.print("tokens (never shown):")
    for token in document.tokens:
        out.print(f"  {token.host}: from {escape(token.source)}")
    if not document.tokens:
        out.print("  none (anonymous quotas: GitHub allows 60 requests an hour)")
    if document.hosts:
        out.print("configured hosts:")
    for host in document.hosts:
        state = "[green]reachable[/green]" if host.reachable else "[red]unreachable[/red]"
        out.print(f"  {host.host}: {state} ({escape(host.detail)})")
