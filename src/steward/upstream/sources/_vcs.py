"""Running ``git``, ``svn`` and ``hg`` for the version-control backends, safely and boundedly.

Upstream URLs come from package metadata, so they are untrusted input handed to programs
that can do far more than list tags. :func:`check_url` therefore refuses anything but plain
repository URLs before a process is started: git's ``ext::``/``fd::`` transports and every
other ``<helper>::`` address, a leading ``-`` (option injection), schemes the tool is not
meant to speak here (``ssh``, ``svn+ssh``, scp-like ``host:path``), control characters, and
network hosts the fetch engine's guard would refuse (:mod:`steward.upstream.guard`).
``file://`` URLs and absolute local paths are allowed on purpose: offline mirrors and the
tests use them, and listing a local repository's tags reveals nothing but those tags.

:func:`run` then starts the command without a shell, within ``ctx.vcs_slots`` and
``ctx.vcs_timeout``, in a fresh process group (killed whole on timeout or cancellation), with
stdin closed, output capped and a clean environment: no system or user configuration, an
empty temporary ``HOME``, no prompts and no proxies. Failures become
:class:`~steward.upstream.sources.base.UpstreamError` subclasses whose messages carry the
tool's stderr with credentials in URLs redacted; "repository not found" answers become
:class:`~steward.upstream.sources.base.UpstreamNotFound`.

Two limits remain, because the guard cannot reach inside another program: the host name is
resolved again by the tool after it was vetted here (a DNS-rebinding window), and ``hg``
follows HTTP redirects without asking (``git`` is told not to unless private destinations
are allowed; ``svn`` never follows them for ``ls``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import tempfile
from collections.abc import Mapping, Sequence
from typing import Final
from urllib.parse import urlsplit

from steward.upstream.fetch import FetchConfig, redact_url
from steward.upstream.guard import GuardPolicy, vet_destination
from steward.upstream.sources.base import (
    SourceContext,
    UpstreamConfigError,
    UpstreamError,
    UpstreamNotFound,
)

__all__ = [
    "MAX_OUTPUT_BYTES",
    "VcsError",
    "VcsOutputTooLarge",
    "VcsTimeout",
    "VcsUrlRefused",
    "check_url",
    "redact",
    "run",
]

#: Standard output beyond this is refused rather than truncated: a cut listing would
#: silently lose tags. 32 MiB is some 400,000 ``ls-remote`` lines.
MAX_OUTPUT_BYTES: Final = 32 * 1024 * 1024
#: How much of stderr is kept for the error message.
_STDERR_KEPT: Final = 4096
_CHUNK: Final = 64 * 1024
#: Seconds to wait for a killed command to be reaped.
_REAP_GRACE: Final = 5.0


class VcsError(UpstreamError):
    """A ``git``/``svn``/``hg`` command failed; the message has the command and its stderr."""

    code = "vcs-error"


class VcsTimeout(VcsError):
    """A command ran longer than its timeout and was killed with its whole process group."""

    code = "vcs-timeout"


class VcsOutputTooLarge(VcsError):
    """A command wrote more than the output cap; it was killed."""

    code = "vcs-output-too-large"


class VcsUrlRefused(UpstreamConfigError):
    """The repository URL is one Steward will not hand to a version-control tool."""

    code = "vcs-url-refused"


# Schemes each tool may be pointed at. ``local`` stands for an absolute path.
_SCHEMES: Final[Mapping[str, frozenset[str]]] = {
    "git": frozenset({"http", "https", "git", "file", "local"}),
    "svn": frozenset({"http", "https", "svn", "file", "local"}),
    "hg": frozenset({"http", "https", "file", "local"}),
}
_DEFAULT_PORTS: Final[Mapping[str, int]] = {"http": 80, "https": 443, "git": 9418, "svn": 3690}

# git's "<transport>::<address>" form runs a remote helper (ext:: runs any command).
_HELPER_ADDRESS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")

# Extra arguments every invocation gets, so no backend can forget them.
_SAFE_ARGS: Final[Mapping[str, tuple[str, ...]]] = {
    "svn": ("--non-interactive", "--no-auth-cache"),
    "hg": ("--noninteractive",),
}

# How each tool says the repository (or the tags folder) does not exist. git's daemon
# answers "access denied or repository not exported" so as not to reveal which it is.
_NOT_FOUND = re.compile(
    r"does not appear to be an? (?:git|hg|mercurial) repository"
    r"|repository '[^']*' not found|Repository not found"
    r"|access denied or repository not exported"
    r"|returned error: 404|HTTP Error 404|404 Not Found"
    r"|abort: repository .* not found"
    r"|\bW160013\b|\bE160013\b|\bE170000\b|\bE200009\b|\bE180001\b",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with passwords and secret query values in any URL it contains replaced.

    >>> redact("fatal: unable to access 'https://bot:s3cret@git.example/r.git/': 403")
    "fatal: unable to access 'https://bot:REDACTED@git.example/r.git/': 403"
    """
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)


def _guard_policy(ctx: SourceContext) -> GuardPolicy:
    # The policy is the fetch engine's configuration; a stand-in fetcher without one gets
    # the strict default, so forgetting to configure the guard never opens it.
    config = getattr(ctx.fetcher, "config", None)
    return config.guard_policy if isinstance(config, FetchConfig) else GuardPolicy()


async def check_url(url: str, tool: str, ctx: SourceContext) -> str:
    """``url`` (stripped) when ``tool`` may be pointed at it, else :class:`VcsUrlRefused`.

    Network hosts are resolved and judged by the fetch engine's guard policy; a host that
    does not resolve is a :class:`VcsError`.
    """
    url = url.strip()
    safe = redact(url)
    if not url:
        raise VcsUrlRefused(f"no {tool} repository URL given")
    if url.startswith("-"):
        raise VcsUrlRefused(f"{tool} URL {safe!r} starts with '-' (it would be read as an option)")
    if _CONTROL.search(url):
        raise VcsUrlRefused(f"{tool} URL {safe!r} contains control characters")
    if _HELPER_ADDRESS.match(url):
        raise VcsUrlRefused(
            f"{tool} URL {safe!r} names a transport helper ('<name>::'), which can run commands"
        )
    if url.startswith("/"):
        scheme = "local"
    else:
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise VcsUrlRefused(f"{tool} URL {safe!r} cannot be parsed: {error}") from None
        scheme = parts.scheme.lower() if "://" in url else ""
    if scheme not in _SCHEMES[tool]:
        allowed = sorted(f"{s}://" for s in _SCHEMES[tool] if s != "local")
        raise VcsUrlRefused(
            f"{tool} URL {safe!r} is not supported: use {', '.join(allowed)} or an absolute path"
        )
    if scheme in _DEFAULT_PORTS:
        await _vet_host(url, scheme, tool, ctx)
    return url


async def _vet_host(url: str, scheme: str, tool: str, ctx: SourceContext) -> None:
    safe = redact(url)
    parts = urlsplit(url)
    try:
        host, port = parts.hostname, parts.port
    except ValueError as error:  # a port that is not a number
        raise VcsUrlRefused(f"{tool} URL {safe!r} cannot be parsed: {error}") from None
    if not host:
        raise VcsUrlRefused(f"{tool} URL {safe!r} has no host")
    try:
        destination = await vet_destination(
            host, port or _DEFAULT_PORTS[scheme], _guard_policy(ctx)
        )
    except OSError as error:
        raise VcsError(f"{tool} URL {safe!r}: cannot resolve host {host!r}: {error}") from None
    if not destination.allowed:
        raise VcsUrlRefused(
            f"{tool} URL {safe!r} refused by the network guard: {host} resolves to "
            f"{destination.refused_address} ({destination.reason})"
        )


def _environment(home: str, policy: GuardPolicy) -> dict[str, str]:
    """A from-scratch environment: nothing of the user's configuration, proxies or agents."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": home,
        "XDG_CONFIG_HOME": home,
        "TMPDIR": home,
        # UTF-8 so that svn can pass non-ASCII tag names; C so that messages are English
        # and the not-found patterns match.
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "true",
        "SSH_ASKPASS": "true",
        # git's own allow-list backs up check_url for anything git might reach indirectly.
        "GIT_ALLOW_PROTOCOL": "http:https:git:file",
        "HGPLAIN": "1",
        "HGRCPATH": "",
        "HGENCODING": "utf-8",
    }
    if not policy.allow_private:
        # A redirect would lead git to a host the guard never saw.
        env.update(
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0="http.followRedirects",
            GIT_CONFIG_VALUE_0="false",
        )
    return env


def _kill_group(process: asyncio.subprocess.Process) -> None:
    # The tool's helpers (git-remote-https, ssh …) share its process group; kill them all.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


async def _reap(process: asyncio.subprocess.Process) -> None:
    # Shielded so that a cancelled check still reaps its child. Bounded because asyncio's
    # wait() also waits for the pipes to close, which a helper that left the process group
    # could keep open for ever; the pipes then close when that helper exits.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(process.wait()), _REAP_GRACE)


async def _read_capped(stream: asyncio.StreamReader, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise VcsOutputTooLarge(f"output exceeded {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_head(stream: asyncio.StreamReader, keep: int) -> bytes:
    # Keep draining past ``keep`` bytes: a full pipe would block the tool.
    kept = bytearray()
    while chunk := await stream.read(_CHUNK):
        if len(kept) < keep:
            kept += chunk[: keep - len(kept)]
    return bytes(kept)


async def run(
    argv: Sequence[str],
    *,
    ctx: SourceContext,
    timeout: float | None = None,
    cwd: str | None = None,
    max_output: int = MAX_OUTPUT_BYTES,
) -> str:
    """Run ``argv`` (``argv[0]`` is ``git``, ``svn`` or ``hg``) and return its stdout as text.

    ``timeout`` (default ``ctx.vcs_timeout``) counts from the start of the process, not
    from the wait for a slot. Raises :class:`VcsTimeout`, :class:`VcsOutputTooLarge`,
    :class:`UpstreamNotFound` when stderr says the repository does not exist, and
    :class:`VcsError` for any other failure.
    """
    tool = os.path.basename(argv[0])
    command = [argv[0], *_SAFE_ARGS.get(tool, ()), *argv[1:]]
    shown = redact(" ".join(argv))
    limit = ctx.vcs_timeout if timeout is None else timeout
    async with ctx.vcs_slots:
        with tempfile.TemporaryDirectory(prefix="steward-vcs-") as home:
            try:
                process = await asyncio.create_subprocess_exec(
                    *command,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                    cwd=cwd,
                    env=_environment(home, _guard_policy(ctx)),
                    start_new_session=True,
                )
            except FileNotFoundError:
                raise VcsError(f"{tool} is not installed (needed for: {shown})") from None
            try:
                stdout, stderr, returncode = await asyncio.wait_for(
                    _communicate(process, max_output), limit
                )
            except TimeoutError:
                raise VcsTimeout(f"{shown}: did not finish within {limit:g} s; killed") from None
            except VcsOutputTooLarge as error:
                raise VcsOutputTooLarge(f"{shown}: {error}; killed") from None
            finally:
                if process.returncode is None:
                    _kill_group(process)
                    await _reap(process)
    if returncode != 0:
        message = redact(stderr.decode("utf-8", "replace").strip()) or "no error output"
        failure = f"{shown} failed (exit {returncode}): {message}"
        if _NOT_FOUND.search(message):
            raise UpstreamNotFound(failure)
        raise VcsError(failure)
    return stdout.decode("utf-8", "replace")


async def _communicate(
    process: asyncio.subprocess.Process, max_output: int
) -> tuple[bytes, bytes, int]:
    assert process.stdout is not None and process.stderr is not None
    out_task = asyncio.ensure_future(_read_capped(process.stdout, max_output))
    err_task = asyncio.ensure_future(_read_head(process.stderr, _STDERR_KEPT))
    try:
        stdout = await out_task
        stderr = await err_task
        return stdout, stderr, await process.wait()
    finally:
        # When one reader fails (or we are cancelled) the other must not outlive the call.
        out_task.cancel()
        err_task.cancel()
