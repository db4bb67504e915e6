"""Tiny upstream projects and their packages, for tests that build and upgrade for real.

Tests of the upgrade flow need upstream tarballs that change between versions in known ways
and specs that the host's ``rpmbuild`` can build in a second (with ``--nodeps`` on Debian,
whose rpm database is empty). This module writes both; nothing here runs a build.

Three kinds of project (``variant``):

``clib``  a C library ``lib<stem>`` (``name`` ``libdemo`` → stem ``demo``) built by a Makefile.
    Its soname is ``lib<stem>.so.<major>``, so 1.x ships ``libdemo.so.1`` and 2.x
    ``libdemo.so.2``. The ABI, by version:

    =========  ==========================================================================
    1.0        ``int demo_add(int, int)``, ``int demo_scale(int)``
    1.1, 1.x   as 1.0 plus ``int demo_version(void)`` (a compatible addition)
    2.0, 2.x   ``long demo_add(long, long, long)`` (signature changed), ``demo_scale``
               removed, ``demo_version`` kept: an incompatible change, hence the new soname
    =========  ==========================================================================

    The package has a ``-devel`` subpackage (header and the ``.so`` link); see
    :func:`soname`.
``pymod``  a pure Python module (``python-demo`` → module ``demo``) with a
    ``pyproject.toml``; the package is ``noarch`` and copies the module into
    ``%{python3_sitelib}``. ``__version__`` is the version.
``program``  a C program ``<name>`` printing ``Hello, world`` with two local patches
    (written against 1.0, see :data:`PROGRAM_PATCHES`):

    ``fix-greeting.patch`` fixes the ``Helo`` typo; upstream fixes it in 1.1, so from
    1.1 on the patch is already upstream (it reverse-applies).
    ``local-repeat.patch`` makes the greeting print twice. 1.1 adds a header comment, so
    the patch applies with an offset; 2.0 changes the very line the patch changes
    (upstream repeats three times), so the patch conflicts.

>>> tarball = make_upstream_tarball(tmp / "up", "libdemo", "2.0", "clib")  # doctest: +SKIP
>>> spec = make_package(tmp / "tree" / "libdemo", "libdemo", "1.0")        # doctest: +SKIP

Tarballs are reproducible: fixed modes, owners and times, so the same call gives the same
bytes (and sha256) every time.
"""

from __future__ import annotations

import difflib
import gzip
import io
import re
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "CHANGELOG_AUTHOR",
    "FIX_GREETING_PATCH",
    "LOCAL_REPEAT_PATCH",
    "PROGRAM_PATCHES",
    "VARIANTS",
    "library_stem",
    "make_package",
    "make_upstream_tarball",
    "program_patch",
    "python_module",
    "soname",
    "upstream_files",
]

VARIANTS = ("clib", "pymod", "program")
CHANGELOG_AUTHOR = "Steward Tests <tests@example.org>"
FIX_GREETING_PATCH = "fix-greeting.patch"
LOCAL_REPEAT_PATCH = "local-repeat.patch"
#: The program's patches, in the order the spec applies them.
PROGRAM_PATCHES = (FIX_GREETING_PATCH, LOCAL_REPEAT_PATCH)

# 2024-01-01 00:00 UTC: any fixed time keeps tarballs byte-for-byte reproducible.
_MTIME = 1704067200


# -- upstream projects -------------------------------------------------------------------


def _version_key(version: str) -> tuple[int, int]:
    parts = [int(p) for p in re.findall(r"\d+", version)[:2]]
    while len(parts) < 2:
        parts.append(0)
    return parts[0], parts[1]


def library_stem(name: str) -> str:
    """``libdemo`` → ``demo``: the stem of a ``clib`` project's library and header."""
    return name[3:] if name.startswith("lib") and len(name) > 3 else name


def soname(name: str, version: str) -> str:
    """The soname a ``clib`` project ships at ``version``: ``libdemo.so.1`` for 1.x."""
    return f"lib{library_stem(name)}.so.{_version_key(version)[0]}"


def python_module(name: str) -> str:
    """``python-demo`` → ``demo``: the importable module of a ``pymod`` project."""
    return re.sub(r"^python3?-", "", name).replace("-", "_").replace(".", "_")


def upstream_files(name: str, version: str, variant: str = "clib") -> dict[str, str]:
    """The files of project ``name`` at ``version``: relative path → text."""
    if variant == "clib":
        return _clib_files(name, version)
    if variant == "pymod":
        return _pymod_files(name, version)
    if variant == "program":
        return _program_files(name, version)
    raise ValueError(f"unknown variant {variant!r} (known: {', '.join(VARIANTS)})")


def make_upstream_tarball(dest: Path, name: str, version: str, variant: str = "clib") -> Path:
    """Write ``dest/<name>-<version>.tar.gz`` (top folder ``<name>-<version>/``); return it."""
    files = upstream_files(name, version, variant)
    dest.mkdir(parents=True, exist_ok=True)
    top = f"{name}-{version}"
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        folders = sorted({str(Path(p).parent) for p in files} - {"."})
        for folder in ["", *folders]:
            info = tarfile.TarInfo(f"{top}/{folder}".rstrip("/"))
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = _MTIME
            tar.addfile(info)
        for path in sorted(files):
            data = files[path].encode()
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = _MTIME
            tar.addfile(info, io.BytesIO(data))
    target = dest / f"{top}.tar.gz"
    with target.open("wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=_MTIME) as gz:
        gz.write(raw.getvalue())
    return target


def _clib_files(name: str, version: str) -> dict[str, str]:
    stem = library_stem(name)
    major, minor = _version_key(version)
    guard = f"{stem.upper()}_H"
    if major >= 2:
        header_decls = [
            f"long {stem}_add(long a, long b, long c);",
            f"int {stem}_version(void);",
        ]
        body = (
            f"long {stem}_add(long a, long b, long c)\n{{\n    return a + b + c;\n}}\n\n"
            f"int {stem}_version(void)\n{{\n    return {major * 100 + minor};\n}}\n"
        )
    else:
        header_decls = [f"int {stem}_add(int a, int b);", f"int {stem}_scale(int x);"]
        body = (
            f"int {stem}_add(int a, int b)\n{{\n    return a + b;\n}}\n\n"
            f"int {stem}_scale(int x)\n{{\n    return 2 * x;\n}}\n"
        )
        if minor >= 1:
            header_decls.append(f"int {stem}_version(void);")
            body += f"\nint {stem}_version(void)\n{{\n    return {major * 100 + minor};\n}}\n"
    header = "\n".join(
        [
            f"/* {name} {version} */",
            f"#ifndef {guard}",
            f"#define {guard}",
            "",
            *header_decls,
            "",
            f"#endif /* {guard} */",
            "",
        ]
    )
    source = f'/* {name} {version} */\n#include "{stem}.h"\n\n{body}'
    lib = f"lib{stem}.so"
    makefile = f"""\
# {name} {version}: a tiny C library with soname {soname(name, version)}.
VERSION = {version}
MAJOR = {major}
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
CFLAGS ?= -O2 -g
REAL = {lib}.$(VERSION)
SONAME = {lib}.$(MAJOR)

all: $(REAL)

$(REAL): {stem}.c {stem}.h
\t$(CC) $(CFLAGS) -fPIC -shared -Wl,-soname,$(SONAME) $(LDFLAGS) -o $@ {stem}.c

install: $(REAL)
\tinstall -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)
\tinstall -m 0755 $(REAL) $(DESTDIR)$(LIBDIR)/$(REAL)
\tln -sf $(REAL) $(DESTDIR)$(LIBDIR)/$(SONAME)
\tln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/{lib}
\tinstall -m 0644 {stem}.h $(DESTDIR)$(INCLUDEDIR)/{stem}.h

clean:
\trm -f {lib}.*

.PHONY: all install clean
"""
    return {
        "Makefile": makefile,
        f"{stem}.c": source,
        f"{stem}.h": header,
        "LICENSE": _LICENSE,
        "README": f"{name} {version}: a demo library for Steward's tests.\n",
    }


def _pymod_files(name: str, version: str) -> dict[str, str]:
    module = python_module(name)
    major, _ = _version_key(version)
    function = "greet" if major < 2 else "greeting"  # 2.0 renames the function
    return {
        "pyproject.toml": (
            '[build-system]\nrequires = ["setuptools>=61"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\n'
            'license = {text = "MIT"}\n'
        ),
        f"src/{module}/__init__.py": (
            f'"""{name} {version}: a demo module for Steward\'s tests."""\n\n'
            f'__version__ = "{version}"\n\n\n'
            f"def {function}(who: str) -> str:\n"
            f'    return f"Hello, {{who}}"\n'
        ),
        "LICENSE": _LICENSE,
        "README.md": f"# {name}\n\nVersion {version}.\n",
    }


def _program_files(name: str, version: str) -> dict[str, str]:
    major, minor = _version_key(version)
    fixed = (major, minor) >= (1, 1)
    header = (
        f"/*\n * {name} {version}: prints a greeting.\n *\n"
        " * The demo program of Steward's tests.\n */\n"
        if fixed
        else ""
    )
    word = "Hello" if fixed else "Helo"
    count = 3 if major >= 2 else 1
    source = f"""\
{header}#include <stdio.h>

static const char *greeting(void)
{{
    return "{word}";
}}

static int repeat_count(void)
{{
    return {count};
}}

int main(void)
{{
    for (int i = 0; i < repeat_count(); i++)
        printf("%s, world\\n", greeting());
    return 0;
}}
"""
    makefile = f"""\
# {name} {version}
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
CFLAGS ?= -O2 -g

all: {name}

{name}: main.c
\t$(CC) $(CFLAGS) $(LDFLAGS) -o $@ main.c

install: {name}
\tinstall -d $(DESTDIR)$(BINDIR)
\tinstall -m 0755 {name} $(DESTDIR)$(BINDIR)/{name}

clean:
\trm -f {name}

.PHONY: all install clean
"""
    return {"Makefile": makefile, "main.c": source, "LICENSE": _LICENSE}


def program_patch(filename: str, name: str = "greeter") -> str:
    """The text of one of :data:`PROGRAM_PATCHES` (``-p1``, against ``name`` 1.0)."""
    before = _program_files(name, "1.0")["main.c"]
    if filename == FIX_GREETING_PATCH:
        after = before.replace('"Helo"', '"Hello"')
        subject = "Fix the greeting's spelling"
    elif filename == LOCAL_REPEAT_PATCH:
        after = before.replace("return 1;", "return 2;")
        subject = "Greet twice, as our users expect"
    else:
        raise ValueError(f"unknown patch {filename!r} (known: {', '.join(PROGRAM_PATCHES)})")
    diff = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile="a/main.c",
        tofile="b/main.c",
    )
    return f"Subject: {subject}\n\n---\n" + "".join(diff)


# -- packages ------------------------------------------------------------------------------


def make_package(
    folder: Path,
    name: str,
    version: str,
    *,
    variant: str = "clib",
    release: str = "1",
    style: str = "openeuler",
    source_url: str | None = None,
    with_tarball: bool = True,
    patches: Sequence[str] | Mapping[str, str] | None = None,
    requires: Sequence[str] = (),
    build_requires: Sequence[str] | None = None,
    help_subpackage: bool = False,
    metadata: str | None = None,
) -> Path:
    """Write a package folder (src-openeuler layout) for project ``name``; return the spec.

    ``folder`` is the package's own folder (``tree/libdemo``), created if needed; it gets
    ``<name>.spec``, the tarball (unless ``with_tarball`` is false, e.g. when a test serves
    it from a fake upstream), the patches and, when ``metadata`` is given, ``<name>.yaml``
    with that text.

    ``style`` is ``"openeuler"`` (``Release: 1``, openEuler changelog lines) or ``"fedora"``
    (``Release: 1%{?dist}``). ``source_url`` is the ``Source0`` value (``%{version}`` and
    ``%{name}`` are fine); the default points at example.org. ``patches`` are file names
    from :data:`PROGRAM_PATCHES` or a mapping of file name → text; a ``program`` package
    carries both of its patches unless told otherwise. ``requires`` are added to the main
    package; ``build_requires`` replace the default (``gcc`` and ``make`` for C projects,
    none for ``pymod``). ``help_subpackage`` adds openEuler's ``%package_help`` (the spec then
    needs openEuler's macros, i.e. a build profile, to build).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r} (known: {', '.join(VARIANTS)})")
    if style not in ("openeuler", "fedora"):
        raise ValueError(f"unknown style {style!r} (known: openeuler, fedora)")
    folder.mkdir(parents=True, exist_ok=True)
    if with_tarball:
        make_upstream_tarball(folder, name, version, variant)
    patch_texts = _patch_texts(name, variant, patches)
    for filename, text in patch_texts.items():
        (folder / filename).write_text(text)
    if metadata is not None:
        (folder / f"{name}.yaml").write_text(metadata)
    if build_requires is None:
        build_requires = () if variant == "pymod" else ("gcc", "make")
    url = source_url or f"https://example.org/{name}/releases/%{{name}}-%{{version}}.tar.gz"
    spec = _spec_text(
        name,
        version,
        variant=variant,
        release=release,
        style=style,
        source_url=url,
        patches=list(patch_texts),
        requires=requires,
        build_requires=build_requires,
        help_subpackage=help_subpackage,
    )
    path = folder / f"{name}.spec"
    path.write_text(spec)
    return path


def _patch_texts(
    name: str, variant: str, patches: Sequence[str] | Mapping[str, str] | None
) -> dict[str, str]:
    if isinstance(patches, Mapping):
        return dict(patches)
    if patches is None:
        patches = PROGRAM_PATCHES if variant == "program" else ()
    return {filename: program_patch(filename, name) for filename in patches}


def _spec_text(
    name: str,
    version: str,
    *,
    variant: str,
    release: str,
    style: str,
    source_url: str,
    patches: list[str],
    requires: Sequence[str],
    build_requires: Sequence[str],
    help_subpackage: bool,
) -> str:
    summaries = {
        "clib": "Demo C library for Steward's tests",
        "pymod": "Demo Python module for Steward's tests",
        "program": "Demo program for Steward's tests",
    }
    lines = [
        f"Name:           {name}",
        f"Version:        {version}",
        f"Release:        {release}{'%{?dist}' if style == 'fedora' else ''}",
        f"Summary:        {summaries[variant]}",
        "License:        MIT",
        f"URL:            https://example.org/{name}",
        f"Source0:        {source_url}",
    ]
    if patches:
        lines.append("")
        lines += [f"Patch{n:04d}:      {p}" for n, p in enumerate(patches, start=1)]
    if variant == "pymod":
        lines += [
            "",
            "BuildArch:      noarch",
            # Debian's rpm has no python macros; a distribution's own definition wins.
            "%{!?python3_sitelib:%global python3_sitelib %{_prefix}/lib/python3/site-packages}",
        ]
    if build_requires:
        lines += ["", f"BuildRequires:  {' '.join(build_requires)}"]
    lines += [f"Requires:       {r}" for r in requires]
    lines += ["", "%description", f"{summaries[variant]}.", ""]
    if variant == "clib":
        lines += [
            "%package        devel",
            "Summary:        Development files for %{name}",
            "Requires:       %{name} = %{version}-%{release}",
            "",
            "%description    devel",
            "Header file and library link for building against %{name}.",
            "",
        ]
    if help_subpackage:
        lines += ["%package_help", ""]
    lines += ["%prep", "%autosetup -n %{name}-%{version} -p1", ""]
    lines += _build_sections(name, variant)
    if help_subpackage:
        lines += ["%files help", "%license LICENSE", ""]
    lines += ["%changelog", _changelog_entry(name, version, release, style, bool(patches))]
    return "\n".join(lines) + "\n"


def _build_sections(name: str, variant: str) -> list[str]:
    if variant == "clib":
        stem = library_stem(name)
        return [
            "%build",
            '%make_build CFLAGS="%{optflags}"',
            "",
            "%install",
            "%make_install PREFIX=%{_prefix} LIBDIR=%{_libdir} INCLUDEDIR=%{_includedir}",
            "",
            "%files",
            "%license LICENSE",
            f"%{{_libdir}}/lib{stem}.so.*",
            "",
            "%files devel",
            f"%{{_includedir}}/{stem}.h",
            f"%{{_libdir}}/lib{stem}.so",
            "",
        ]
    if variant == "program":
        return [
            "%build",
            '%make_build CFLAGS="%{optflags}"',
            "",
            "%install",
            "%make_install PREFIX=%{_prefix}",
            "",
            "%files",
            "%license LICENSE",
            f"%{{_bindir}}/{name}",
            "",
        ]
    module = python_module(name)
    return [
        "%build",
        "",
        "%install",
        "mkdir -p %{buildroot}%{python3_sitelib}",
        f"cp -a src/{module} %{{buildroot}}%{{python3_sitelib}}/",
        "",
        "%files",
        "%license LICENSE",
        f"%{{python3_sitelib}}/{module}",
        "",
    ]


def _changelog_entry(name: str, version: str, release: str, style: str, patched: bool) -> str:
    header = f"* Mon Jan 01 2024 {CHANGELOG_AUTHOR} - {version}-{release}"
    if style == "fedora":
        return f"{header}\n- Initial package of {name} {version}"
    detail = "add local patches" if patched else f"package {name} {version}"
    return f"{header}\n- Type:requirement ID:NA SUG:NA DESC:{detail}"


_LICENSE = """\
Copyright (c) 2024 Steward's tests

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software, to deal in the Software without restriction (MIT License).
"""
