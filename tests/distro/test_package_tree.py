"""Loading package trees: every layout, every problem code, and broken packages among good."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from steward.distro.metadata import UpstreamKind
from steward.distro.tree import (
    Distro,
    FileRef,
    TreeError,
    detect_layout,
    load_package,
    load_tree,
    parse_sources_file,
    start_tree,
)

GOOD_YAML = "version_control: github\nsrc_repo: example/{name}\ntag_prefix: ^v\nseparator: .\n"


def spec_text(
    name: str,
    *,
    version: str = "1.0",
    sources: tuple[str, ...] = ("https://example.org/{name}-{version}.tar.gz",),
    patches: tuple[str, ...] = (),
    prep: str = "%autosetup -p1",
    extra: str = "",
) -> str:
    """A small but real spec; ``{name}``/``{version}`` in sources are filled in."""
    lines = [
        f"Name:           {name}",
        f"Version:        {version}",
        "Release:        1%{?dist}",
        "Summary:        Test package",
        "License:        MIT",
        f"URL:            https://example.org/{name}",
    ]
    lines += [
        f"Source{i}:        {s.format(name=name, version=version)}" for i, s in enumerate(sources)
    ]
    lines += [f"Patch{i}:         {p}" for i, p in enumerate(patches)]
    lines += ["BuildRequires:  gcc", extra, "", "%description", "Test.", "", "%prep", prep, ""]
    lines += ["%files", "%{_bindir}/*", ""]
    return "\n".join(lines)


def make_package(
    root: Path,
    name: str,
    *,
    spec: str | None = None,
    yaml: str | None = GOOD_YAML,
    files: tuple[str, ...] | None = None,
    version: str = "1.0",
) -> Path:
    """A src-openeuler package folder: spec, yaml, and the files named in ``files``."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / f"{name}.spec").write_text(spec if spec is not None else spec_text(name))
    if yaml is not None:
        (folder / f"{name}.yaml").write_text(yaml.format(name=name))
    for filename in files if files is not None else (f"{name}-{version}.tar.gz",):
        (folder / filename).write_bytes(b"data")
    return folder


def codes(distro: Distro, name: str) -> list[str]:
    return list(distro[name].problem_codes())


# --- the src-openeuler layout ------------------------------------------------------------


def test_clean_openeuler_package_has_its_fields_and_no_problems(tmp_path: Path) -> None:
    make_package(
        tmp_path,
        "hello",
        spec=spec_text("hello", patches=("fix.patch",)),
        files=("hello-1.0.tar.gz", "fix.patch"),
    )
    distro = load_tree(tmp_path)
    assert distro.layout == "src-openeuler"
    record = distro["hello"]
    assert record.problems == ()
    assert (record.version, record.release, record.evr) == ("1.0", "1.oe2403", "1.0-1.oe2403")
    assert record.spec_path == tmp_path / "hello" / "hello.spec"
    assert record.spec_name == "hello"
    assert record.build_requires == ("gcc",)
    assert record.upstream is not None and record.upstream.kind is UpstreamKind.GITHUB
    assert record.upstream.src_repo == "example/hello"
    assert record.sources == (
        FileRef(
            0,
            "hello-1.0.tar.gz",
            "https://example.org/hello-1.0.tar.gz",
            True,
            True,
            expanded="https://example.org/hello-1.0.tar.gz",
        ),
    )
    assert record.patches == (
        FileRef(0, "fix.patch", "fix.patch", True, False, applied=True, expanded="fix.patch"),
    )
    assert record.spec is None  # not kept by default


def test_profile_decides_the_dist_tag(tmp_path: Path) -> None:
    make_package(tmp_path, "hello")
    assert load_tree(tmp_path, profile="openeuler-22.03")["hello"].release == "1.oe2203"


def test_packages_are_sorted_and_iterable(tmp_path: Path) -> None:
    for name in ("zlib", "acl", "make"):
        make_package(tmp_path, name)
    distro = load_tree(tmp_path)
    assert [p.name for p in distro] == ["acl", "make", "zlib"]
    assert len(distro) == 3 and "make" in distro and distro.get("nope") is None
    with pytest.raises(KeyError, match="nope"):
        distro["nope"]


def test_missing_spec(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "empty.yaml").write_text(GOOD_YAML.format(name="empty"))
    record = load_tree(tmp_path, layout="src-openeuler")["empty"]
    assert record.problem_codes() == ("missing-spec",)
    assert record.spec_path is None
    assert record.upstream is not None  # the metadata is still read


def test_multiple_specs_prefers_the_one_named_after_the_folder(tmp_path: Path) -> None:
    folder = make_package(tmp_path, "pkg")
    (folder / "other.spec").write_text(spec_text("other"))
    record = load_tree(tmp_path)["pkg"]
    assert record.problem_codes() == ("multiple-specs",)
    assert record.spec_path == folder / "pkg.spec"


def test_spec_file_named_differently_from_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "pkg.yaml").write_text(GOOD_YAML.format(name="pkg"))
    (folder / "python-pkg.spec").write_text(spec_text("python-pkg"))
    (folder / "python-pkg-1.0.tar.gz").write_bytes(b"")
    record = load_tree(tmp_path)["pkg"]
    # Both the file name and the Name: tag differ from the repository name.
    assert record.problem_codes() == ("spec-name-mismatch", "spec-name-mismatch")
    assert record.spec_name == "python-pkg"


def test_name_tag_differing_from_the_folder(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg", spec=spec_text("renamed"), files=("renamed-1.0.tar.gz",))
    record = load_tree(tmp_path)["pkg"]
    assert record.problem_codes() == ("spec-name-mismatch",)
    assert record.problems[0].line == 1


def test_unreadable_yaml_keeps_the_package(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg", yaml="version_control: [github\n")
    record = load_tree(tmp_path)["pkg"]
    assert record.problem_codes() == ("unreadable-yaml",)
    assert record.upstream is None
    assert record.metadata_path == tmp_path / "pkg" / "pkg.yaml"
    assert record.version == "1.0"


def test_metadata_problems_bubble_up(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg", yaml="version_control: meatcpan\nsrc_repo: x\nseperator: .\n")
    record = load_tree(tmp_path)["pkg"]
    assert record.problem_codes() == ("distro-spelling", "unknown-kind")
    assert [p.severity for p in record.problems] == ["info", "warning"]
    assert record.upstream is not None and record.upstream.kind is UpstreamKind.METACPAN


def test_missing_metadata(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg", yaml=None)
    assert load_tree(tmp_path, layout="src-openeuler")["pkg"].problem_codes() == (
        "missing-metadata",
    )


def test_patch_missing(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg", spec=spec_text("pkg", patches=("gone.patch",)))
    record = load_tree(tmp_path)["pkg"]
    assert record.problem_codes() == ("patch-missing",)
    assert record.problems[0].severity == "error"
    assert record.patches[0].present is False


def test_patch_in_folder_but_not_declared_is_unused(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg", files=("pkg-1.0.tar.gz", "stray.patch", "old.diff"))
    record = load_tree(tmp_path)["pkg"]
    assert record.problem_codes() == ("patch-unused", "patch-unused")
    assert {p.path.name for p in record.problems if p.path} == {"stray.patch", "old.diff"}


def test_declared_patch_never_applied(tmp_path: Path) -> None:
    spec = spec_text("pkg", patches=("a.patch", "b.patch"), prep="%setup -q\n%patch -P0 -p1")
    make_package(tmp_path, "pkg", spec=spec, files=("pkg-1.0.tar.gz", "a.patch", "b.patch"))
    record = load_tree(tmp_path)["pkg"]
    assert record.problem_codes() == ("patch-not-applied",)
    assert "b.patch" in record.problems[0].message
    assert [p.applied for p in record.patches] == [True, False]


def test_local_source_missing_is_an_error(tmp_path: Path) -> None:
    spec = spec_text("pkg", sources=("pkg-{version}.tar.gz", "pkg.service"))
    make_package(tmp_path, "pkg", spec=spec)
    record = load_tree(tmp_path)["pkg"]
    assert record.problem_codes() == ("source-missing",)
    assert record.problems[0].severity == "error"
    assert "Source1 pkg.service" in record.problems[0].message


def test_remote_tarball_missing_is_only_info(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg", files=())
    record = load_tree(tmp_path)["pkg"]
    assert record.problem_codes() == ("source-missing",)
    assert record.problems[0].severity == "info"
    assert record.sources[0].remote and not record.sources[0].present


def test_spec_errors_are_reported_with_their_line(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg", spec=spec_text("pkg", extra="%if 1\nRequires: x"))
    record = load_tree(tmp_path)["pkg"]
    assert "spec-error" in record.problem_codes()
    problem = next(p for p in record.problems if p.code == "spec-error")
    assert problem.severity == "error" and problem.line is not None


def test_binary_spec_is_unreadable(tmp_path: Path) -> None:
    folder = make_package(tmp_path, "pkg")
    (folder / "pkg.spec").write_bytes(b"\x7fELF\x00\x00binary")
    record = load_tree(tmp_path)["pkg"]
    assert record.problem_codes() == ("spec-unreadable",)
    assert record.evr == ""


def test_latin1_spec_is_read_with_a_warning(tmp_path: Path) -> None:
    folder = make_package(tmp_path, "pkg")
    text = spec_text("pkg") + "\n%changelog\n* Mon Jan 01 2024 Jos\xe9 <j@x.org> - 1.0-1\n- x\n"
    (folder / "pkg.spec").write_bytes(text.encode("latin-1"))
    record = load_tree(tmp_path)["pkg"]
    assert record.problem_codes() == ("spec-encoding",)
    assert record.version == "1.0"


def test_one_broken_package_never_stops_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("alpha", "broken", "gamma"):
        make_package(tmp_path, name)
    from steward.rpm import spec as spec_module

    real_parse = spec_module.parse

    def exploding_parse(text: str, **kwargs: object):  # type: ignore[no-untyped-def]
        if "Name:           broken" in text:
            raise RuntimeError("parser bug")
        return real_parse(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(spec_module, "parse", exploding_parse)
    distro = load_tree(tmp_path, jobs=1)
    assert [p.name for p in distro] == ["alpha", "broken", "gamma"]
    assert codes(distro, "broken") == ["load-error"]
    assert "RuntimeError: parser bug" in distro["broken"].problems[0].message
    assert codes(distro, "alpha") == codes(distro, "gamma") == []
    assert distro.problems_count == 1


def test_mixed_tree_reports_each_problem_on_its_own_package(tmp_path: Path) -> None:
    make_package(tmp_path, "good")
    make_package(tmp_path, "badyaml", yaml=": : :\n  - [")
    make_package(tmp_path, "nopatch", spec=spec_text("nopatch", patches=("x.patch",)))
    (tmp_path / "nospec").mkdir()
    distro = load_tree(tmp_path, layout="src-openeuler")
    assert codes(distro, "good") == []
    assert codes(distro, "badyaml") == ["unreadable-yaml"]
    assert codes(distro, "nopatch") == ["patch-missing"]
    assert codes(distro, "nospec") == ["missing-metadata", "missing-spec"]
    assert distro.problem_counts()["missing-spec"] == 1


def test_hidden_folders_are_not_packages(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg")
    (tmp_path / ".git").mkdir()
    assert [p.name for p in load_tree(tmp_path)] == ["pkg"]


def test_only_loads_the_named_packages(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        make_package(tmp_path, name)
    assert [p.name for p in load_tree(tmp_path, only={"a", "c"})] == ["a", "c"]


def test_package_folder_as_root_is_a_tree_of_one(tmp_path: Path) -> None:
    folder = make_package(tmp_path, "solo")
    distro = load_tree(folder)
    assert distro.layout == "src-openeuler"
    assert [p.name for p in distro] == ["solo"]
    assert distro["solo"].problems == ()


def test_load_package_keeps_the_spec(tmp_path: Path) -> None:
    record = load_package(make_package(tmp_path, "pkg"))
    assert record.spec is not None and record.spec.name == "pkg"


def test_keep_specs_and_load_spec(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg")
    assert load_tree(tmp_path, keep_specs=True)["pkg"].spec is not None
    distro = load_tree(tmp_path)
    spec = distro.load_spec("pkg")
    assert spec.release == "1.oe2403"


# --- the Fedora dist-git layout ------------------------------------------------------------


def make_fedora_package(root: Path, name: str, sources_file: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    spec = spec_text(name, sources=("https://example.org/{name}-{version}.tar.gz", "extra.zip"))
    (folder / f"{name}.spec").write_text(spec.replace("1%{?dist}", "%autorelease"))
    (folder / "sources").write_text(sources_file)
    return folder


def test_fedora_layout_reads_lookaside_checksums(tmp_path: Path) -> None:
    make_fedora_package(
        tmp_path,
        "fpkg",
        "SHA512 (fpkg-1.0.tar.gz) = " + "AB" * 64 + "\n"
        "0123456789abcdef0123456789abcdef  extra.zip\n",
    )
    make_fedora_package(tmp_path, "gpkg", "SHA512 (gpkg-1.0.tar.gz) = " + "cd" * 64 + "\n")
    distro = load_tree(tmp_path, profile="fedora-41")
    assert distro.layout == "fedora"
    record = distro["fpkg"]
    # Files in the lookaside cache are neither missing nor local; yaml is not expected.
    assert record.problems == ()
    assert record.release == "1.fc41"
    assert record.sources[0].checksum == "sha512:" + "ab" * 64
    assert record.sources[1].checksum == "md5:0123456789abcdef0123456789abcdef"
    # extra.zip is in no sources line and not in the folder: a missing local source.
    assert codes(distro, "gpkg") == ["source-missing"]


def test_fedora_sources_file_with_garbage_lines(tmp_path: Path) -> None:
    make_fedora_package(tmp_path, "fpkg", "SHA512 (fpkg-1.0.tar.gz) = ab\nnot a line\n")
    make_fedora_package(tmp_path, "gpkg", "MD5 (extra.zip) = 00\n")
    record = load_tree(tmp_path, profile="fedora-41")["fpkg"]
    assert "sources-file-invalid" in record.problem_codes()


def test_parse_sources_file_reads_both_formats() -> None:
    entries, bad = parse_sources_file(
        "SHA512 (a.tar.gz) = 00ff\n\nd41d8cd98f00b204e9800998ecf8427e  b c.tgz\njunk\n"
    )
    assert entries == {"a.tar.gz": "sha512:00ff", "b c.tgz": "md5:d41d8cd98f00b204e9800998ecf8427e"}
    assert bad == [4]


# --- the flat layout -------------------------------------------------------------------


def test_flat_folder_of_specs(tmp_path: Path) -> None:
    (tmp_path / "one.spec").write_text(spec_text("one"))
    (tmp_path / "two.spec").write_text(spec_text("two", sources=("two.tar.gz",)))
    (tmp_path / "one-1.0.tar.gz").write_bytes(b"")
    (tmp_path / "stray.patch").write_text("")  # a shared folder: no patch-unused
    distro = load_tree(tmp_path)
    assert distro.layout == "flat"
    assert [p.name for p in distro] == ["one", "two"]
    assert codes(distro, "one") == []
    assert codes(distro, "two") == ["source-missing"]
    assert distro["one"].folder == tmp_path


def test_flat_layout_filters_by_spec_stem(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / f"{name}.spec").write_text(spec_text(name))
    assert [p.name for p in load_tree(tmp_path, layout="flat", only={"two"})] == ["two"]


# --- layout detection, errors, output, parallel ------------------------------------------------


def test_detect_layout(tmp_path: Path) -> None:
    openeuler, fedora, flat = tmp_path / "oe", tmp_path / "fc", tmp_path / "flat"
    make_package(openeuler, "a")
    make_fedora_package(fedora, "b", "")
    flat.mkdir()
    (flat / "c.spec").write_text(spec_text("c"))
    (flat / "d.spec").write_text(spec_text("d"))
    assert [detect_layout(p) for p in (openeuler, fedora, flat)] == [
        "src-openeuler",
        "fedora",
        "flat",
    ]
    assert detect_layout(fedora / "b") == "fedora"


def test_layout_can_be_forced(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg", yaml=None)
    assert load_tree(tmp_path, layout="fedora")["pkg"].problems == ()


def test_bad_arguments_are_tree_errors(tmp_path: Path) -> None:
    with pytest.raises(TreeError, match="not a folder"):
        load_tree(tmp_path / "absent")
    with pytest.raises(TreeError, match="unknown layout"):
        load_tree(tmp_path, layout="debian")


def test_to_dict_is_json_with_stable_keys(tmp_path: Path) -> None:
    make_package(tmp_path, "pkg", spec=spec_text("pkg", patches=("x.patch",)))
    distro = load_tree(tmp_path)
    data = json.loads(json.dumps(distro.to_dict()))
    assert data["layout"] == "src-openeuler" and data["profile"] == "openeuler-24.03"
    record = data["packages"][0]
    assert list(record) == [
        "name", "folder", "spec_path", "spec_name", "evr", "epoch", "version", "release",
        "summary", "license", "url", "subpackages", "build_requires", "requires", "provides",
        "sources", "patches",
        "upstream", "metadata_path", "problems",
    ]  # fmt: skip
    assert record["problems"][0] == {
        "code": "patch-missing",
        "severity": "error",
        "message": "Patch0 x.patch is not in the folder",
        "path": str(tmp_path / "pkg" / "pkg.spec"),
        "line": 8,
    }
    assert record["upstream"]["kind"] == "github"


@pytest.mark.slow
def test_parallel_load_gives_the_same_records(tmp_path: Path) -> None:
    for i in range(40):
        make_package(tmp_path, f"pkg{i:02d}", yaml=None if i % 7 == 0 else GOOD_YAML)
    make_package(tmp_path, "broken", spec="Name: broken\n%if 1\n")
    sequential = load_tree(tmp_path, jobs=1)
    parallel = load_tree(tmp_path, jobs=2)
    assert parallel.packages == sequential.packages
    assert parallel.problem_counts() == sequential.problem_counts()


@pytest.mark.slow
def test_a_started_tree_parses_while_the_caller_works_and_gives_the_same_records(
    tmp_path: Path,
) -> None:
    for i in range(12):
        make_package(tmp_path, f"pkg{i:02d}", yaml=GOOD_YAML)
    make_package(tmp_path, "broken", spec="Name: broken\n%if 1\n")
    sequential = load_tree(tmp_path, jobs=1)
    pending = start_tree(tmp_path, jobs=2)
    assert len(pending) == 13  # known before a single spec is parsed
    assert pending.result().packages == sequential.packages
    assert pending.result() is pending.result()  # collected once
    pending.close()  # after the result: nothing left to stop


def test_a_closed_pending_tree_still_loads_when_asked(tmp_path: Path) -> None:
    for i in range(3):
        make_package(tmp_path, f"pkg{i}", yaml=GOOD_YAML)
    pending = start_tree(tmp_path, jobs=2)
    pending.close()  # the workers stop, whatever they had not finished is dropped
    assert [p.name for p in pending.result()] == ["pkg0", "pkg1", "pkg2"]


def test_a_tree_that_is_no_folder_is_refused_when_started(tmp_path: Path) -> None:
    with pytest.raises(TreeError, match="is not a folder"):
        start_tree(tmp_path / "nowhere")
