"""Ask the real ``rpmspec`` (rpm 4.18) what a spec file means, as an oracle for parser tests.

Steward's own spec parser never runs rpm; tests compare it with this module, which does.
:func:`rpmspec_query` returns the expanded source-package header fields and every
``SourceN``/``PatchN`` value *with its number*, exactly as rpm numbered it (including the
automatic numbering of unnumbered ``Source:``/``Patch:`` lines).

How the numbers are obtained: the header only stores source basenames, without numbers, so
the spec is copied to a temporary directory with one line appended: a ``%{lua:}`` probe
that rpm runs after the whole spec has been parsed. It reads rpm's own
``%{SOURCEURL<n>}``/``%{PATCHURL<n>}`` macros (defined for every Source/Patch tag) and
writes them to a file, stopping once it has as many as rpm's lua ``sources`` and
``patches`` tables hold; a mismatch is an error, never a silently missing source.

Runs are isolated and deterministic: ``HOME`` points to an empty directory, the macro path
excludes ``/etc/rpm`` and ``~/.rpmmacros``, ``_topdir`` is fixed (:data:`BASE_DEFINES`), and
the target arch is explicit. rpmspec never touches the network. Specs can still run shell
commands through ``%(...)``, so use this on trusted test specs only.

Corpus specs carry their own settings in ``# steward-test:`` header comments (see
``tests/rpm/corpus/README.md``). :func:`read_corpus_options` reads them, and
:func:`query_corpus_spec` runs the oracle with them.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from envneeds import skip_environment

RPMSPEC = "rpmspec"

#: Defines passed on every run (before the caller's), so results do not depend on the
#: user running the tests. Parser tests should pass the same values to Steward's parser.
BASE_DEFINES: dict[str, str] = {
    "_topdir": "/steward/rpmbuild",
}

#: ``tests/rpm/corpus/``: the spec corpus this oracle is meant for.
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"

#: openEuler's rpm macro files, shipped read-only with the shared data set.
OPENEULER_MACRO_DIR = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "rpm-macros" / "openeuler"
)

#: Short names used by ``macros=`` in corpus headers, mapped to openEuler macro files.
OPENEULER_MACRO_FILES: dict[str, str] = {
    "oe": "macros.oe",
    "python": "macros.python.oe",
    "perl": "macros.perl.oe",
    "go": "macros.go.oe",
    "forge": "macros.forge.oe",
}

_TIMEOUT_SECONDS = 60
_PROBE_LIMIT = 1 << 22
_HEADER_PREFIX = "# steward-test:"
_FIELDS = ("name", "epoch", "version", "release", "license", "url", "summary")


class RpmspecResult(TypedDict):
    """What rpm makes of a spec's source package (all values fully expanded)."""

    name: str
    epoch: int | None
    version: str
    release: str
    license: str
    url: str | None
    summary: str
    sources: dict[int, str]
    patches: dict[int, str]


class RpmspecError(RuntimeError):
    """rpmspec rejected the spec (or could not be run); ``stderr`` holds rpm's message."""

    def __init__(self, spec_path: Path, message: str, stderr: str = "") -> None:
        super().__init__(f"{spec_path}: {message}" + (f"\n{stderr.strip()}" if stderr else ""))
        self.spec_path = spec_path
        self.stderr = stderr


def rpmspec_available() -> bool:
    """True when an ``rpmspec`` executable is on ``PATH``."""
    return shutil.which(RPMSPEC) is not None


def rpmspec_query(
    spec_path: Path,
    *,
    macro_files: Sequence[Path] = (),
    defines: Mapping[str, str] | None = None,
    target: str = "x86_64",
) -> RpmspecResult:
    """Run the real ``rpmspec -q --srpm`` on *spec_path* and return the expanded fields.

    *macro_files* are loaded with ``--load`` after the system macros, in order.
    *defines* are ``--define`` pairs applied after :data:`BASE_DEFINES`. An empty value
    defines the macro as empty. *target* is the ``--target`` arch (``x86_64``,
    ``aarch64``, ...).

    Raises :class:`RpmspecError` when rpm fails to parse the spec.
    """
    spec_path = Path(spec_path)
    if not rpmspec_available():
        raise RpmspecError(spec_path, "rpmspec is not installed")
    text = spec_path.read_text(encoding="utf-8", errors="surrogateescape")

    with tempfile.TemporaryDirectory(prefix="steward-rpmspec-") as tmp:
        tmpdir = Path(tmp)
        probe_out = tmpdir / "numbers.txt"
        probed_spec = tmpdir / spec_path.name
        probed_spec.write_text(
            text + ("" if text.endswith("\n") else "\n") + _probe(probe_out) + "\n",
            encoding="utf-8",
            errors="surrogateescape",
        )
        home = tmpdir / "home"
        home.mkdir()
        all_defines = {**BASE_DEFINES, **(defines or {})}
        command = [RPMSPEC, "--macros", _system_macro_path(), "--target", target]
        for macro_file in macro_files:
            command += ["--load", str(macro_file)]
        for name, value in all_defines.items():
            command += ["--define", f"{name} {value}" if value else f"{name} %{{nil}}"]
        query_format = "".join(f"%{{{tag.upper()}}}\\n" for tag in _FIELDS)
        command += ["-q", "--srpm", "--qf", query_format, str(probed_spec)]

        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LC_ALL": "C",
            "TZ": "UTC",
        }
        try:
            completed = subprocess.run(
                command,
                cwd=spec_path.resolve().parent,
                env=env,
                capture_output=True,
                text=True,
                errors="surrogateescape",
                timeout=_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RpmspecError(spec_path, f"rpmspec timed out after {_TIMEOUT_SECONDS}s") from exc
        if completed.returncode != 0:
            raise RpmspecError(
                spec_path, f"rpmspec exited with {completed.returncode}", completed.stderr
            )
        header = _parse_header(spec_path, completed.stdout, completed.stderr)
        if not probe_out.exists():
            raise RpmspecError(spec_path, "the source-number probe did not run", completed.stderr)
        sources, patches = _parse_probe(spec_path, probe_out.read_text(encoding="utf-8"))

    return RpmspecResult(
        name=header["name"],
        epoch=None if header["epoch"] == "(none)" else int(header["epoch"]),
        version=header["version"],
        release=header["release"],
        license=header["license"],
        url=None if header["url"] == "(none)" else header["url"],
        summary=header["summary"],
        sources=sources,
        patches=patches,
    )


def _system_macro_path() -> str:
    """rpm's default macro path without ``/etc/rpm`` and ``~/.rpmmacros``."""
    configdir = "/usr/lib/rpm"
    try:
        completed = subprocess.run(
            ["rpm", "--eval", "%{_rpmconfigdir}"],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECONDS,
            check=True,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent"},
        )
        configdir = completed.stdout.strip() or configdir
    except (OSError, subprocess.SubprocessError):
        pass
    return ":".join(
        (
            f"{configdir}/macros",
            f"{configdir}/macros.d/macros.*",
            f"{configdir}/platform/%{{_target}}/macros",
            f"{configdir}/fileattrs/*.attr",
        )
    )


def _probe(out: Path) -> str:
    """The ``%{lua:}`` line that writes rpm's numbered Source/Patch URLs to *out*.

    It walks the numbers upwards until it has met as many defined ``SOURCEURL<n>`` and
    ``PATCHURL<n>`` macros as rpm's ``sources``/``patches`` tables hold (about 0.3 s per
    million numbers, so even ``Source99999`` is cheap), and gives up at
    :data:`_PROBE_LIMIT`.
    """
    # No "%{" in the body: rpm must not expand anything before lua runs.
    lua = (
        f"local out = io.open([==[{out}]==], 'w') "
        "local function dump(kind, prefix, expected) "
        "  local found, n = 0, 0 "
        f"  while found < expected and n <= {_PROBE_LIMIT} do "
        "    local name = prefix .. n "
        "    if rpm.isdefined(name) then "
        "      local body = rpm.expand('%' .. '{macrobody:' .. name .. '}') "
        "      out:write(kind, '\\t', n, '\\t', body, '\\n') "
        "      found = found + 1 "
        "    end "
        "    n = n + 1 "
        "  end "
        "  out:write('count\\t', kind, '\\t', found, '\\t', expected, '\\n') "
        "end "
        "dump('source', 'SOURCEURL', #sources) "
        "dump('patch', 'PATCHURL', #patches) "
        "out:close()"
    )
    return "%{lua: " + lua + "}"


def _parse_header(spec_path: Path, stdout: str, stderr: str) -> dict[str, str]:
    """Split the query-format output: one line per field of :data:`_FIELDS`."""
    lines = stdout.split("\n")
    if len(lines) < len(_FIELDS):
        raise RpmspecError(spec_path, f"unexpected rpmspec output {stdout!r}", stderr)
    return dict(zip(_FIELDS, lines[: len(_FIELDS)], strict=True))


def _parse_probe(spec_path: Path, report: str) -> tuple[dict[int, str], dict[int, str]]:
    found: dict[str, dict[int, str]] = {"source": {}, "patch": {}}
    for line in report.splitlines():
        kind, *rest = line.split("\t")
        if kind == "count":
            what, got, expected = rest
            if got != expected:
                raise RpmspecError(
                    spec_path,
                    f"found {got} numbered {what}s but rpm holds {expected} "
                    f"(numbers above {_PROBE_LIMIT} are not searched)",
                )
        else:
            number, value = rest[0], "\t".join(rest[1:])
            found[kind][int(number)] = value
    return found["source"], found["patch"]


# --- corpus header comments -------------------------------------------------------------


@dataclass(frozen=True)
class CorpusOptions:
    """Settings a corpus spec declares in its ``# steward-test:`` header comments."""

    macro_files: tuple[Path, ...] = ()
    defines: dict[str, str] = field(default_factory=dict)
    target: str = "x86_64"
    expect_error: bool = False
    unexpandable: frozenset[str] = frozenset()


def read_corpus_options(spec_path: Path) -> CorpusOptions:
    """Parse the ``# steward-test:`` lines of a corpus spec (format: corpus/README.md)."""
    macro_files: list[Path] = []
    defines: dict[str, str] = {}
    target = "x86_64"
    expect_error = False
    unexpandable: set[str] = set()
    for line in Path(spec_path).read_text(encoding="utf-8").splitlines():
        if not line.startswith(_HEADER_PREFIX):
            continue
        for item in shlex.split(line[len(_HEADER_PREFIX) :]):
            key, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"{spec_path}: steward-test item {item!r} has no '='")
            if key == "macros":
                for short in value.split(","):
                    names = (
                        list(OPENEULER_MACRO_FILES.values())
                        if short == "openeuler"
                        else [OPENEULER_MACRO_FILES[short]]
                    )
                    macro_files += [OPENEULER_MACRO_DIR / n for n in names]
            elif key == "dist":
                defines["dist"] = value
            elif key == "arch":
                target = value
            elif key == "define":
                name, eq, macro_value = value.partition("=")
                if not eq:
                    raise ValueError(f"{spec_path}: define needs NAME=VALUE, got {value!r}")
                defines[name] = macro_value
            elif key == "with":
                defines[f"_with_{value}"] = f"--with-{value}"
            elif key == "without":
                defines[f"_without_{value}"] = f"--without-{value}"
            elif key == "expect":
                if value != "error":
                    raise ValueError(f"{spec_path}: unknown expect={value!r}")
                expect_error = True
            elif key == "unexpandable":
                unexpandable.update(value.split(","))
            else:
                raise ValueError(f"{spec_path}: unknown steward-test key {key!r}")
    unique_files = tuple(dict.fromkeys(macro_files))
    return CorpusOptions(unique_files, defines, target, expect_error, frozenset(unexpandable))


def query_corpus_spec(spec_path: Path) -> RpmspecResult:
    """Run :func:`rpmspec_query` with the options the spec's header comments declare."""
    options = read_corpus_options(spec_path)
    missing = [str(path) for path in options.macro_files if not path.is_file()]
    if missing:
        skip_environment(f"macro files {', '.join(missing)} (../shared/data) are absent")
    return rpmspec_query(
        spec_path,
        macro_files=options.macro_files,
        defines=options.defines,
        target=options.target,
    )


def corpus_specs() -> list[Path]:
    """All corpus spec files, sorted (``corpus/*.spec`` and ``corpus/openeuler/*.spec``)."""
    return sorted(CORPUS_DIR.rglob("*.spec"))
