"""files: every Source/Patch the spec names is in the folder, every file in the folder is
named, no binary or generated file is added that is not a source, and the package YAML is
valid and names an upstream Steward can watch."""

from __future__ import annotations

from steward.review.checks.base import Rules, rule
from steward.review.context import PACKAGING_FILES, ReviewContext, Side
from steward.review.model import CheckResult, Evidence, Severity, State

__all__ = ["RULES", "binary_reason", "run"]

_R = Rules(
    rule("files.present", Severity.BLOCKER, "Every Source and Patch is in the folder",
         "Add the missing file (or list it in the dist-git 'sources' file), or drop its line."),
    rule("files.unreferenced", Severity.WARNING, "Every file in the folder is referenced",
         "Remove the file, or reference it with a SourceN:/PatchN: line."),
    rule("files.binary-added", Severity.BLOCKER, "No binary or generated file is added",
         "Remove the binary; build it from source in %build, or make it a SourceN."),
    rule("files.package-yaml", Severity.WARNING, "The package YAML is valid",
         "Fix the upstream metadata file so Steward can watch the upstream."),
)
RULES = _R.all

#: Suffixes openEuler's gate rejects in a package repository, and their kind.
_GENERATED = {
    ".pyc": "compiled Python", ".pyo": "compiled Python", ".class": "Java class",
    ".jar": "Java archive", ".o": "object file", ".ko": "kernel module", ".a": "static library",
    ".so": "shared library", ".exe": "Windows executable", ".dll": "Windows library",
    ".whl": "wheel", ".rpm": "RPM", ".deb": "Debian package",
}
_ARCHIVES = (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar.zst", ".tar",
             ".zip", ".gem", ".crate", ".7z", ".rar")
_MAGIC = ((b"\x7fELF", "ELF binary"), (b"MZ", "Windows executable"),
          (b"\xca\xfe\xba\xbe", "Java class"))


def binary_reason(path: str, head: bytes) -> str | None:
    """Why ``path`` (first bytes ``head``) is a binary or generated file, or ``None``."""
    lower = path.lower()
    for suffix, kind in _GENERATED.items():
        if lower.endswith(suffix) or f"{suffix}." in lower.rsplit("/", 1)[-1]:
            return kind
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def run(ctx: ReviewContext) -> list[CheckResult]:
    after = ctx.after
    if after is None:
        return [_R.result(r.id, State.NOT_APPLICABLE, "the package is removed") for r in RULES]
    return [*_present(after), *_unreferenced(after), *_binaries(ctx, after), _yaml(after)]


def _present(side: Side) -> list[CheckResult]:
    out = []
    for ref in (*side.record.sources, *side.record.patches):
        if ref.present or ref.checksum:
            continue
        kind = "Source" if ref in side.record.sources else "Patch"
        out.append(
            _R.result(
                "files.present",
                State.FAIL,
                f"{kind}{ref.number} {ref.filename} is not in the package folder",
                [Evidence(file=side.spec_file, value=ref.declared_raw)],
                subject=ref.filename,
            )
        )
    return out or [_R.result("files.present", State.PASS, "every Source and Patch is present")]


def _referenced(side: Side) -> set[str]:
    names = {ref.filename for ref in (*side.record.sources, *side.record.patches)}
    names.add(side.spec_file)
    if side.record.metadata_path is not None:
        names.add(side.record.metadata_path.name)
    return names | PACKAGING_FILES


def _unreferenced(side: Side) -> list[CheckResult]:
    referenced = _referenced(side)
    # A Patch line inside an %ifarch branch the profile does not take is not parsed, but
    # it references the file all the same: a name written in the spec counts.
    text = "\n".join(side.spec.lines)
    out = [
        _R.result(
            "files.unreferenced",
            State.FAIL,
            f"{name} is in the folder but no Source or Patch line names it",
            [Evidence(file=name)],
            subject=name,
        )
        for name in sorted(side.files - referenced)
        if name not in text
    ]
    return out or [_R.result("files.unreferenced", State.PASS, "every file is referenced")]


def _binaries(ctx: ReviewContext, after: Side) -> list[CheckResult]:
    sources = {s.filename for s in after.spec.sources}
    before = ctx.before
    out = []
    for name in sorted(after.files):
        if before is not None and before.digest(name) == after.digest(name) is not None:
            continue  # not added or changed by this change
        path = after.folder / name
        if path.is_symlink():
            reason: str | None = "symbolic link"
        else:
            with path.open("rb") as handle:
                head = handle.read(8)
            reason = binary_reason(name, head)
            if reason is None and name.lower().endswith(_ARCHIVES) and name not in sources:
                reason = "archive that is not a source"
            if reason is not None and name in sources and not name.lower().endswith(
                tuple(_GENERATED)
            ):
                reason = None  # a declared source archive is what a package is made of
        if reason is None:
            continue
        out.append(
            _R.result(
                "files.binary-added",
                State.FAIL,
                f"{name} is added and is a {reason}",
                [Evidence(file=name, value=reason)],
                subject=name,
            )
        )
    return out or [_R.result("files.binary-added", State.PASS, "no binary or generated file added")]


def _yaml(side: Side) -> CheckResult:
    info, path = side.record.upstream, side.record.metadata_path
    if path is None:
        if "missing-metadata" in side.record.problem_codes():
            return _R.result(
                "files.package-yaml",
                State.FAIL,
                f"no upstream YAML: add {side.record.name}.yaml naming the upstream",
                severity=Severity.NOTE,
            )
        return _R.result(
            "files.package-yaml", State.NOT_APPLICABLE, "the package has no upstream YAML"
        )
    where = Evidence(file=path.name)
    if info is None:  # unreadable: the package record says why
        why = [p for p in side.record.problems if p.path == path] or None
        message = "; ".join(p.message for p in why) if why else "the YAML cannot be read"
        lines = [Evidence(file=path.name, line=p.line) for p in why] if why else [where]
        return _R.result("files.package-yaml", State.FAIL, message, lines)
    errors = [p for p in info.problems if p.severity == "error"]
    if errors:
        return _R.result(
            "files.package-yaml",
            State.FAIL,
            "; ".join(p.message for p in errors),
            [Evidence(file=where.file, line=p.line) for p in errors],
        )
    if not info.watchable:
        return _R.result(
            "files.package-yaml",
            State.FAIL,
            f"the YAML names no upstream Steward can watch (kind {info.kind.value})",
            [where],
            severity=Severity.NOTE,
        )
    return _R.result(
        "files.package-yaml", State.PASS, f"{info.kind.value} {info.src_repo}", [where]
    )
