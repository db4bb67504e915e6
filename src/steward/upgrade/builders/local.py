"""The local build backend (``local``): the host's ``rpmbuild``, the default builder.

:class:`LocalRpmbuild` runs the host's ``rpmbuild``. Every build gets a private
``%_topdir`` under the backend's ``workdir`` (sources are copied in, never symlinked, so a
spec's ``%prep`` cannot modify the package folder), a timeout that kills the whole process
group, and a log file. ``rpmbuild -bs`` needs no build dependencies; for ``-bb`` the spec's
``BuildRequires`` (from ``rpmspec -q --buildrequires``) are looked up with
``rpm -q --whatprovides`` first, so a missing one is reported by name instead of as a
cryptic failure. A host whose rpm database is empty (Debian) cannot answer that question:
the backend says so and builds with ``--nodeps`` only when asked to.

Building runs code from the spec: that is what building means, and why it happens only
here, in the private ``%_topdir``, never during a scan, and with a minimal environment
(:func:`tool_environment`) that holds no credential of the caller's.

What the local backend defines for ``rpmbuild`` (in ``<topdir>/steward.macros``, loaded with
``--load``, then ``--define`` for the build tree):

* the tree: ``_topdir``, ``_sourcedir``, ``_specdir``, ``_builddir``, ``_buildrootdir``,
  ``_rpmdir``, ``_srcrpmdir`` (on the command line, so no ``~/.rpmmacros`` moves them);
* the profile's ``%dist``, and every macro the profile defines that the host's rpm lacks
  (openEuler's ``%package_help``, ``%ldconfig_scriptlets``, ``%delete_la``, Fedora's
  ``%autorelease``, the python/perl/go/cmake helpers ...). The host's own definitions win:
  the host's toolchain runs the build. Compiler and linker flag macros are never taken from
  a profile (a profile's ``%build_ldflags`` may carry ``-pie``, which breaks shared
  libraries on a plain toolchain): a flag macro the host lacks is defined as the host's
  ``%{optflags}`` (compiler flags) or empty (linker flags);
* with ``debuginfo=True``: ``%_enable_debug_packages 1`` and the ``%install`` hook that
  Fedora's and openEuler's rpm-config use to insert ``%debug_package``, which upstream rpm
  (as on Debian) does not do by itself; without it, ``%debug_package`` is defined empty so
  no ``-debuginfo`` package is made.

Nothing else is mapped off: Debian's rpm has the brp scripts it names in
``%__os_install_post``, and ``%_hardened_build`` and friends are only read by specs through
``%{?...}``, which is harmless when undefined.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from steward.distro.profiles import Profile
from steward.upgrade.builders.base import DEFAULT_TIMEOUT, tool_environment
from steward.upgrade.model import BuildOutcome, BuildResult, UpgradeError, UpgradeStep

__all__ = [
    "EMPTY_RPMDB_MESSAGE",
    "NAME",
    "LocalRpmbuild",
    "build_macros_text",
    "host_macro_names",
    "make",
    "rpmdb_is_empty",
]

#: The name configuration chooses this backend by (``[build] builder = "local"``).
NAME = "local"
EMPTY_RPMDB_MESSAGE = (
    "build dependencies cannot be verified on this host (its rpm database is empty)"
)

# Seconds between SIGTERM and SIGKILL when a build times out.
_KILL_GRACE = 5.0
# Seconds rpmspec may take to list the build dependencies when asked outside a build.
_QUERY_TIMEOUT = 600.0
# Only the end of a failed build's log is read for rpm's reason: logs can be huge.
_LOG_TAIL = 1 << 20
_FLAG_MACROS = frozenset(
    {
        "optflags",
        "build_cflags",
        "build_cxxflags",
        "build_fflags",
        "build_ldflags",
        "__global_cflags",
        "__global_cxxflags",
        "__global_fflags",
        "__global_ldflags",
    }
)
# "-13: name(opts)\tbody" lines of ``rpm --showrc``.
_SHOWRC_NAME = re.compile(r"^-?\d+[:=] ([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
# rpmbuild's own dependency check: "\tgcc is needed by foo-1.0-1.x86_64".
_NEEDED_BY = re.compile(r"^\s+(.+?) is needed by \S+$", re.MULTILINE)
# The hook rpm-config packages define so that every %install starts with %debug_package;
# the __debug_package guard skips it when the spec already says %debug_package itself.
_DEBUGINFO_HOOK = (
    "%_enable_debug_packages 1\n"
    "%install %{?_enable_debug_packages:%{?buildsubdir:"
    "%{!?__debug_package:%{debug_package}}}}\\\n"
    "%%install\n"
)


# -- host facts ------------------------------------------------------------------------------


@functools.cache
def rpmdb_is_empty() -> bool:
    """True when the host's rpm database holds no package (Debian, Ubuntu, a bare container).

    On such a host ``rpm -q --whatprovides`` finds nothing, so build dependencies cannot be
    checked.
    """
    try:
        done = subprocess.run(
            ["rpm", "-qa"], capture_output=True, text=True, env=tool_environment(), check=False
        )
    except OSError:
        return True
    return not done.stdout.strip()


@functools.cache
def host_macro_names() -> frozenset[str]:
    """Names of the macros the host's rpm defines (from ``rpm --showrc``)."""
    try:
        done = subprocess.run(
            ["rpm", "--showrc"], capture_output=True, text=True, env=tool_environment(), check=False
        )
    except OSError:
        return frozenset()
    return frozenset(_SHOWRC_NAME.findall(done.stdout))


def build_macros_text(
    profile: Profile | None, *, host_macros: Collection[str], debuginfo: bool
) -> str:
    """The macro file a local build loads (see the module docstring for what and why)."""
    out = ["# Written by Steward for this build; see steward.upgrade.builders.local.", ""]
    if profile is not None:
        engine = profile.macro_engine()
        out.append(f"# Defined by profile {profile.name} and missing from the host's rpm.")
        for name in sorted(engine.names()):
            if name in host_macros and name != "dist":
                continue
            if name in _FLAG_MACROS:
                out.append(f"%{name} {_host_flags(name)}")
                continue
            macro = engine.lookup(name)
            if macro is None or macro.origin.startswith("<builtin"):
                continue  # rpm's own (%nil, %_arch): never redefine them
            params = f"({macro.params})" if macro.params is not None else ""
            out.append(f"%{name}{params} {_escape_body(macro.body)}")
        out.append("")
    if debuginfo:
        out.append("# -debuginfo packages, as Fedora's and openEuler's rpm-config make them.")
        out.append(_DEBUGINFO_HOOK)
    return "\n".join(out) + "\n"


def _host_flags(name: str) -> str:
    # The host compiler's own flags; linker flags are left to the toolchain's defaults.
    if name == "optflags":
        return "-O2 -g"
    return "%{nil}" if "ldflags" in name else "%{optflags}"


def _escape_body(body: str) -> str:
    # A macro file's reader drops one backslash before any character and ends a definition
    # at an unescaped newline: the inverse of what the macro engine did when it read it.
    if not body:
        return "%{nil}"
    return body.replace("\\", "\\\\").replace("\n", "\\\n")


# -- the local backend -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Topdir:
    """One build's private rpm tree."""

    root: Path
    spec: Path
    macros: Path
    log: Path

    def define_args(self) -> list[str]:
        args = ["--load", str(self.macros)]
        for macro, sub in (
            ("_topdir", ""),
            ("_sourcedir", "SOURCES"),
            ("_specdir", "SPECS"),
            ("_builddir", "BUILD"),
            ("_buildrootdir", "BUILDROOT"),
            ("_rpmdir", "RPMS"),
            ("_srcrpmdir", "SRPMS"),
        ):
            args += ["--define", f"{macro} {self.root / sub if sub else self.root}"]
        return args


class LocalRpmbuild:
    """Builds with the host's ``rpmbuild`` in a private ``%_topdir`` under ``workdir``.

    ``profile`` supplies ``%dist`` and the distribution macros the host lacks; ``None``
    builds with the host's rpm configuration alone. Each build's folder
    (``<workdir>/<spec>-<kind>-XXXX``) is kept: it holds the log and the built packages.
    """

    name = NAME

    def __init__(self, profile: Profile | None, workdir: Path) -> None:
        self.profile = profile
        # Absolute: rpmbuild runs inside the build tree, where a relative path means nothing.
        self.workdir = Path(workdir).absolute()

    def __repr__(self) -> str:
        profile = self.profile.name if self.profile else None
        return f"LocalRpmbuild(profile={profile!r}, workdir={str(self.workdir)!r})"

    # -- public API --------------------------------------------------------------------------

    def build_srpm(
        self, spec: Path, sources_dir: Path, *, timeout: float = DEFAULT_TIMEOUT
    ) -> BuildResult:
        started = time.monotonic()
        deadline = started + timeout
        top = self._prepare(spec, sources_dir, "srpm", debuginfo=False)
        # -bs checks no build dependencies, so it runs on any host.
        status = self._run(["rpmbuild", "-bs", *top.define_args(), str(top.spec)], top, deadline)
        return self._result("srpm", top, status, started, timeout)

    def build_rpms(
        self,
        spec: Path,
        sources_dir: Path,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        nodeps: bool = False,
        debuginfo: bool = False,
    ) -> BuildResult:
        started = time.monotonic()
        deadline = started + timeout
        top = self._prepare(spec, sources_dir, "rpms", debuginfo=debuginfo)
        try:
            requires = self._build_requires(top, deadline)
        except _TimedOut:
            return self._result("rpms", top, None, started, timeout)
        except UpgradeError as exc:
            return BuildResult(
                backend=self.name,
                kind="rpms",
                outcome=BuildOutcome.FAILED,
                seconds=time.monotonic() - started,
                log=top.log,
                message=f"{exc.args[0]}; log: {top.log}",
            )
        unverifiable = bool(requires) and rpmdb_is_empty()
        missing = requires if unverifiable else self._unprovided(requires)
        notes: list[str] = []
        if missing and not nodeps:
            if unverifiable:
                message = (
                    f"{EMPTY_RPMDB_MESSAGE}: {', '.join(missing)}; build with nodeps to try anyway"
                )
            else:
                message = f"missing build dependencies: {', '.join(missing)}"
            self._log(top, message)
            return BuildResult(
                backend=self.name,
                kind="rpms",
                outcome=BuildOutcome.MISSING_DEPENDENCIES,
                seconds=time.monotonic() - started,
                log=top.log,
                missing=tuple(missing),
                message=message,
            )
        command = ["rpmbuild", "-bb", "--clean"]
        if missing:
            command.append("--nodeps")
            notes.append(
                f"built with --nodeps: {EMPTY_RPMDB_MESSAGE}"
                if unverifiable
                else f"built with --nodeps although missing: {', '.join(missing)}"
            )
        if not debuginfo:
            command += ["--define", "debug_package %{nil}"]
        command += [*top.define_args(), str(top.spec)]
        status = self._run(command, top, deadline)
        # Unverifiable is not missing: only dependencies known to be absent are reported.
        known_missing = () if unverifiable else tuple(missing)
        return self._result(
            "rpms", top, status, started, timeout, notes=notes, missing=known_missing
        )

    def missing_build_requires(self, spec: Path, sources_dir: Path) -> list[str]:
        """Build dependencies the host lacks; all of them when the rpm database is empty.

        Raises :class:`UpgradeError` when ``rpmspec`` cannot read the spec.
        """
        top = self._prepare(spec, sources_dir, "deps", debuginfo=False)
        try:
            requires = self._build_requires(top, time.monotonic() + _QUERY_TIMEOUT)
        except _TimedOut:
            raise UpgradeError(
                UpgradeStep.BUILD, f"rpmspec did not finish reading {spec.name}; log: {top.log}"
            ) from None
        if requires and rpmdb_is_empty():
            return requires
        return self._unprovided(requires)

    # -- steps -------------------------------------------------------------------------------

    def _prepare(self, spec: Path, sources_dir: Path, kind: str, *, debuginfo: bool) -> _Topdir:
        if not spec.is_file():
            raise UpgradeError(UpgradeStep.BUILD, f"spec file {spec} does not exist")
        if not sources_dir.is_dir():
            raise UpgradeError(UpgradeStep.BUILD, f"sources folder {sources_dir} does not exist")
        self.workdir.mkdir(parents=True, exist_ok=True)
        root = Path(tempfile.mkdtemp(prefix=f"{spec.stem}-{kind}-", dir=self.workdir))
        for sub in ("SOURCES", "SPECS", "BUILD", "BUILDROOT", "RPMS", "SRPMS", "tmp"):
            (root / sub).mkdir()
        for entry in sorted(sources_dir.iterdir()):
            # Regular files only: a symlink in a package folder (which may come from anywhere)
            # must not smuggle a host file into the source RPM.
            if entry.name.startswith(".") or entry.is_symlink() or not entry.is_file():
                continue
            if entry.resolve() == spec.resolve():
                continue
            shutil.copy2(entry, root / "SOURCES" / entry.name)
        spec_copy = root / "SPECS" / spec.name
        shutil.copy2(spec, spec_copy)
        macros = root / "steward.macros"
        macros.write_text(
            build_macros_text(self.profile, host_macros=host_macro_names(), debuginfo=debuginfo)
        )
        return _Topdir(root=root, spec=spec_copy, macros=macros, log=root / f"{kind}.log")

    def _build_requires(self, top: _Topdir, deadline: float) -> list[str]:
        """The spec's static BuildRequires, as rpm expands them (``rpmspec`` runs %(...))."""
        output = top.root / "buildrequires.txt"
        command = ["rpmspec", "-q", "--buildrequires", *top.define_args(), str(top.spec)]
        with output.open("w") as out:
            status = self._run(command, top, deadline, stdout=out)
        if status is None:
            raise _TimedOut
        if status != 0:
            reason = _error_lines(top.log) or f"exit status {status}"
            raise UpgradeError(UpgradeStep.BUILD, f"rpmspec cannot read {top.spec.name}: {reason}")
        found: list[str] = []
        for line in output.read_text().splitlines():
            line = line.strip()
            if line and line not in found:
                found.append(line)
        return found

    def _unprovided(self, requires: Sequence[str]) -> list[str]:
        """The dependencies that no installed package provides (rich ones left to rpmbuild)."""
        simple = [r for r in requires if not r.startswith("(")]
        if not simple:
            return []
        # --whatprovides matches names (or file paths) only; the version is rpmbuild's job.
        names = {r: r.split()[0] for r in simple}
        env = tool_environment()
        batch = subprocess.run(
            ["rpm", "-q", "--whatprovides", *names.values()],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if batch.returncode == 0:
            return []
        missing = []
        for requirement, name in names.items():
            one = subprocess.run(
                ["rpm", "-q", "--whatprovides", name],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if one.returncode != 0:
                missing.append(requirement)
        return missing

    def _run(
        self, command: list[str], top: _Topdir, deadline: float, *, stdout: IO[str] | None = None
    ) -> int | None:
        """Run ``command`` in the build tree, logging; its exit status, or None on timeout."""
        with top.log.open("a") as log:
            log.write(f"$ {shlex.join(command)}\n")
            log.flush()
            process = subprocess.Popen(
                command,
                cwd=top.root,
                stdin=subprocess.DEVNULL,
                stdout=stdout if stdout is not None else log,
                stderr=log,
                env=tool_environment(top.root),
                # A session of its own, so a timeout kills the build's children too.
                start_new_session=True,
            )
            try:
                status = process.wait(timeout=max(deadline - time.monotonic(), 0.0))
            except subprocess.TimeoutExpired:
                _kill_group(process)
                log.write("\n[steward] killed: the build passed its time limit\n")
                return None
            log.write(f"[steward] exit status {status}\n")
        return status

    def _log(self, top: _Topdir, message: str) -> None:
        with top.log.open("a") as log:
            log.write(f"[steward] {message}\n")

    def _result(
        self,
        kind: str,
        top: _Topdir,
        status: int | None,
        started: float,
        timeout: float,
        *,
        notes: Sequence[str] = (),
        missing: tuple[str, ...] = (),
    ) -> BuildResult:
        seconds = time.monotonic() - started
        flag = "-bs" if kind == "srpm" else "-bb"
        if status is None:
            return BuildResult(
                backend=self.name,
                kind=kind,
                outcome=BuildOutcome.TIMED_OUT,
                seconds=seconds,
                log=top.log,
                missing=missing,
                message=f"rpmbuild {flag} did not finish within {timeout:g} s and was killed; "
                f"log: {top.log}",
            )
        if status != 0:
            needed = _NEEDED_BY.findall(_log_tail(top.log))
            if needed:
                return BuildResult(
                    backend=self.name,
                    kind=kind,
                    outcome=BuildOutcome.MISSING_DEPENDENCIES,
                    seconds=seconds,
                    log=top.log,
                    missing=tuple(dict.fromkeys(needed)),
                    message=f"missing build dependencies: {', '.join(dict.fromkeys(needed))}",
                )
            reason = _error_lines(top.log) or "no error message"
            return BuildResult(
                backend=self.name,
                kind=kind,
                outcome=BuildOutcome.FAILED,
                seconds=seconds,
                log=top.log,
                missing=missing,
                message=f"rpmbuild {flag} failed (exit status {status}): {reason}; log: {top.log}",
            )
        if kind == "srpm":
            artifacts = sorted((top.root / "SRPMS").glob("*.src.rpm"))
        else:
            artifacts = sorted((top.root / "RPMS").glob("*/*.rpm"))
        return BuildResult(
            backend=self.name,
            kind=kind,
            outcome=BuildOutcome.SUCCEEDED,
            seconds=seconds,
            log=top.log,
            artifacts=tuple(artifacts),
            missing=missing,
            message="; ".join(notes),
        )


class _TimedOut(Exception):
    pass


def _kill_group(process: subprocess.Popen[Any]) -> None:
    # SIGTERM first so rpmbuild can clean up; then SIGKILL for whatever ignored it (the
    # group outlives rpmbuild when a child ignores SIGTERM).
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=_KILL_GRACE)
        except subprocess.TimeoutExpired:
            continue
    process.wait()


def _log_tail(log: Path) -> str:
    try:
        with log.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(size - _LOG_TAIL, 0))
            return handle.read().decode(errors="replace")
    except OSError:
        return ""


def _error_lines(log: Path, limit: int = 3) -> str:
    """The last ``error:`` lines rpm wrote: the reason a build failed, in its own words."""
    lines = _log_tail(log).splitlines()
    errors = [line.strip() for line in lines if line.startswith("error:")]
    if not errors:
        # Not every failure says "error:" ("failed to load macro file ..."): its last words.
        errors = [line.strip() for line in lines if line.strip() and line[:1] not in "$["][-1:]
    return " / ".join(errors[-limit:])


def make(profile: Profile | None, workdir: Path) -> LocalRpmbuild:
    """This backend for a build: see :func:`steward.upgrade.builders.builder_named`."""
    return LocalRpmbuild(profile, workdir)
