"""The local build backend runs the real rpmbuild: source and binary RPMs, and every failure."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from buildkit import make_package, program_patch
from envneeds import needs_tools

from steward.distro.profiles import load_profile
from steward.upgrade import builders
from steward.upgrade.builders import (
    BuildBackend,
    UnknownBuilderError,
    available_builders,
    builder_named,
)
from steward.upgrade.builders.local import (
    EMPTY_RPMDB_MESSAGE,
    LocalRpmbuild,
    build_macros_text,
    host_macro_names,
    rpmdb_is_empty,
)
from steward.upgrade.model import BuildOutcome

pytestmark = [
    pytest.mark.slow,
    needs_tools("rpmbuild"),
]

SPEC_HEAD = """\
Name:           {name}
Version:        1.0
Release:        1
Summary:        Test package
License:        MIT
BuildArch:      noarch
{extra}
%description
Test package.
"""


def write_spec(folder: Path, name: str, body: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / f"{name}.spec"
    spec.write_text(SPEC_HEAD.format(name=name, extra=extra) + body)
    return spec


def rpm_files(rpm: Path) -> list[str]:
    done = subprocess.run(["rpm", "-qpl", str(rpm)], capture_output=True, text=True, check=True)
    return done.stdout.split()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its parent has not collected it yet


@pytest.fixture
def backend(tmp_path: Path) -> LocalRpmbuild:
    return LocalRpmbuild(None, tmp_path / "builds")


# -- source RPMs -----------------------------------------------------------------------------


def test_srpm_build_holds_spec_sources_and_patches_and_leaves_the_folder_alone(
    tmp_path: Path, backend: LocalRpmbuild
) -> None:
    spec = make_package(tmp_path / "greeter", "greeter", "1.0", variant="program")
    before = sorted(p.name for p in spec.parent.iterdir())

    result = backend.build_srpm(spec, spec.parent, timeout=60)

    assert result.outcome is BuildOutcome.SUCCEEDED, result.message
    assert (result.backend, result.kind) == ("local", "srpm")
    assert [a.name for a in result.artifacts] == ["greeter-1.0-1.src.rpm"]
    assert sorted(rpm_files(result.artifacts[0])) == [
        "fix-greeting.patch",
        "greeter-1.0.tar.gz",
        "greeter.spec",
        "local-repeat.patch",
    ]
    assert result.log is not None and "rpmbuild -bs" in result.log.read_text()
    assert result.artifacts[0].is_relative_to(tmp_path / "builds")
    assert sorted(p.name for p in spec.parent.iterdir()) == before


def test_srpm_build_does_not_follow_symlinks_out_of_the_package_folder(
    tmp_path: Path, backend: LocalRpmbuild
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("host data\n")
    spec = make_package(tmp_path / "libdemo", "libdemo", "1.0")
    (spec.parent / "stolen.txt").symlink_to(secret)

    result = backend.build_srpm(spec, spec.parent, timeout=60)

    assert result.outcome is BuildOutcome.SUCCEEDED, result.message
    assert "stolen.txt" not in rpm_files(result.artifacts[0])


def test_srpm_build_with_a_missing_source_fails_with_rpms_reason(
    tmp_path: Path, backend: LocalRpmbuild
) -> None:
    spec = make_package(tmp_path / "libdemo", "libdemo", "1.0", with_tarball=False)

    result = backend.build_srpm(spec, spec.parent, timeout=60)

    assert result.outcome is BuildOutcome.FAILED
    assert "libdemo-1.0.tar.gz" in result.message
    assert str(result.log) in result.message


# -- binary RPMs -----------------------------------------------------------------------------


def test_binary_build_applies_patches_and_makes_debuginfo_when_asked(
    tmp_path: Path, backend: LocalRpmbuild
) -> None:
    spec = make_package(tmp_path / "greeter", "greeter", "1.0", variant="program")

    with_debug = backend.build_rpms(spec, spec.parent, timeout=120, nodeps=True, debuginfo=True)
    plain = backend.build_rpms(spec, spec.parent, timeout=120, nodeps=True, debuginfo=False)

    assert with_debug.outcome is BuildOutcome.SUCCEEDED, with_debug.message
    assert [a.name for a in with_debug.artifacts] == [
        "greeter-1.0-1.x86_64.rpm",
        "greeter-debuginfo-1.0-1.x86_64.rpm",
    ]
    assert plain.outcome is BuildOutcome.SUCCEEDED, plain.message
    assert [a.name for a in plain.artifacts] == ["greeter-1.0-1.x86_64.rpm"]
    assert with_debug.log is not None
    log = with_debug.log.read_text()
    assert "fix-greeting.patch" in log and "local-repeat.patch" in log
    assert "/usr/bin/greeter" in rpm_files(plain.artifacts[0])
    if rpmdb_is_empty():
        assert EMPTY_RPMDB_MESSAGE in plain.message
        assert plain.missing == ()  # cannot be verified is not the same as missing


def test_the_patches_buildkit_writes_apply_to_the_first_release(tmp_path: Path) -> None:
    # The build above proves it through rpmbuild; this pins the patch text itself.
    text = program_patch("fix-greeting.patch")
    assert '-    return "Helo";' in text and '+    return "Hello";' in text


@pytest.mark.skipif(not rpmdb_is_empty(), reason="needs a host whose rpm database is empty")
def test_empty_rpm_database_is_reported_and_nodeps_is_not_assumed(
    tmp_path: Path, backend: LocalRpmbuild
) -> None:
    spec = make_package(tmp_path / "libdemo", "libdemo", "1.0")

    result = backend.build_rpms(spec, spec.parent, timeout=60)

    assert result.outcome is BuildOutcome.MISSING_DEPENDENCIES
    assert result.missing == ("gcc", "make")
    assert EMPTY_RPMDB_MESSAGE in result.message
    assert backend.missing_build_requires(spec, spec.parent) == ["gcc", "make"]


def test_unavailable_build_requires_are_reported_by_name(
    tmp_path: Path, backend: LocalRpmbuild
) -> None:
    spec = write_spec(
        tmp_path / "needy",
        "needy",
        "%files\n",
        extra="BuildRequires:  steward-no-such-package >= 2.0\n",
    )

    result = backend.build_rpms(spec, spec.parent, timeout=60)

    assert result.outcome is BuildOutcome.MISSING_DEPENDENCIES
    assert "steward-no-such-package >= 2.0" in result.missing
    assert "steward-no-such-package" in result.message
    assert "steward-no-such-package >= 2.0" in backend.missing_build_requires(spec, spec.parent)


def test_a_package_without_build_requires_builds_without_nodeps(
    tmp_path: Path, backend: LocalRpmbuild
) -> None:
    spec = make_package(tmp_path / "python-demo", "python-demo", "1.0", variant="pymod")

    result = backend.build_rpms(spec, spec.parent, timeout=60)

    assert result.outcome is BuildOutcome.SUCCEEDED, result.message
    assert [a.name for a in result.artifacts] == ["python-demo-1.0-1.noarch.rpm"]
    assert result.log is not None and "--nodeps" not in result.log.read_text()


def test_a_hanging_build_is_killed_with_its_children(
    tmp_path: Path, backend: LocalRpmbuild
) -> None:
    pid_file = tmp_path / "build.pid"
    spec = write_spec(tmp_path / "hang", "hang", f"%build\necho $$ > {pid_file}\nsleep 600\n")

    started = time.monotonic()
    result = backend.build_rpms(spec, spec.parent, timeout=2)
    elapsed = time.monotonic() - started

    assert result.outcome is BuildOutcome.TIMED_OUT
    assert elapsed < 10
    assert "did not finish within 2 s" in result.message
    assert result.log is not None and "killed" in result.log.read_text()
    shell = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while alive(shell) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(shell)


def test_a_failing_build_reports_rpms_error_and_the_log(
    tmp_path: Path, backend: LocalRpmbuild
) -> None:
    spec = write_spec(
        tmp_path / "broken", "broken", "%build\necho 'compiler exploded' >&2\nexit 3\n"
    )

    result = backend.build_rpms(spec, spec.parent, timeout=60)

    assert result.outcome is BuildOutcome.FAILED
    assert result.log is not None and result.log.is_file()
    assert "compiler exploded" in result.log.read_text()
    assert "Bad exit status" in result.message and "%build" in result.message
    assert str(result.log) in result.message


# -- the build's environment -----------------------------------------------------------------

SECRETS = {
    "GITHUB_TOKEN": "ghp_secretsecretsecret",
    "STEWARD_TOKEN_GITLAB_COM": "glpat-secretsecret",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-value",
    "SSH_AUTH_SOCK": "/tmp/ssh-agent.sock",
    "GIT_ASKPASS": "/usr/bin/askpass-secret",
}


def read_env_dump(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def assert_no_credential(env: dict[str, str]) -> None:
    leaked = {
        name
        for name, value in env.items()
        if value in SECRETS.values() or any(w in name for w in ("TOKEN", "SECRET", "PASS", "AUTH"))
    }
    assert not leaked, leaked


def test_a_build_runs_the_specs_code_without_the_callers_credentials(
    tmp_path: Path, backend: LocalRpmbuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    parsed, prepared = tmp_path / "parse.env", tmp_path / "prep.env"
    spec = write_spec(
        tmp_path / "nosy",
        "nosy",
        f"%prep\nenv > {prepared}\n%files\n",
        extra=f"%global dumped %(env > {parsed})",
    )

    srpm = backend.build_srpm(spec, spec.parent, timeout=60)
    rpms = backend.build_rpms(spec, spec.parent, timeout=60)

    assert srpm.outcome is BuildOutcome.SUCCEEDED, srpm.message
    assert rpms.outcome is BuildOutcome.SUCCEEDED, rpms.message
    for dump in (parsed, prepared):
        env = read_env_dump(dump)
        assert_no_credential(env)
        assert env["LC_ALL"] == "C" and env["PATH"]
        # HOME is the build's own tree: no ~/.rpmmacros, no dotfiles of the user's.
        assert Path(env["HOME"]).is_relative_to(backend.workdir)


# -- distribution profiles -------------------------------------------------------------------


def test_openeuler_macros_come_from_the_profile(tmp_path: Path) -> None:
    spec = make_package(
        tmp_path / "python-demo", "python-demo", "1.0", variant="pymod", help_subpackage=True
    )

    bare = LocalRpmbuild(None, tmp_path / "bare").build_rpms(spec, spec.parent, timeout=60)
    profiled = LocalRpmbuild(load_profile("openeuler-24.03"), tmp_path / "oe").build_rpms(
        spec, spec.parent, timeout=60
    )

    assert bare.outcome is BuildOutcome.FAILED  # %package_help means nothing to plain rpm
    assert profiled.outcome is BuildOutcome.SUCCEEDED, profiled.message
    assert [a.name for a in profiled.artifacts] == [
        "python-demo-1.0-1.noarch.rpm",
        "python-demo-help-1.0-1.noarch.rpm",
    ]


def test_the_profile_sets_the_dist_tag(tmp_path: Path) -> None:
    spec = make_package(
        tmp_path / "python-demo", "python-demo", "1.0", variant="pymod", style="fedora"
    )

    result = LocalRpmbuild(load_profile("fedora-41"), tmp_path / "f41").build_srpm(
        spec, spec.parent, timeout=60
    )

    assert result.outcome is BuildOutcome.SUCCEEDED, result.message
    assert [a.name for a in result.artifacts] == ["python-demo-1.0-1.fc41.src.rpm"]


def test_build_macros_fill_only_what_the_host_lacks_and_never_compiler_flags() -> None:
    profile = load_profile("openeuler-24.03")

    text = build_macros_text(
        profile, host_macros={"optflags", "_libdir", "dist"}, debuginfo=False
    ).splitlines()

    assert "%dist .oe2403" in text  # the profile's dist tag wins over the host's
    assert not any(line.startswith("%optflags") for line in text)
    assert "%build_ldflags %{nil}" in text  # openEuler's -pie would break shared libraries
    assert not any(line.startswith("%_libdir") for line in text)
    assert any(line.startswith("%package_help \\") for line in text)
    assert "%ldconfig_scriptlets(n:) \\" in text
    assert not any("_enable_debug_packages" in line for line in text)


def test_build_macros_mean_to_rpm_what_the_profile_files_mean(tmp_path: Path) -> None:
    profile = load_profile("openeuler-24.03")
    text = build_macros_text(profile, host_macros=host_macro_names(), debuginfo=False)
    generated = tmp_path / "build.macros"
    generated.write_text(text)
    own = {name for name, _ in profile.macros} | {"dist", "build_ldflags", "__global_ldflags"}
    names: list[str] = []
    continued = False
    for line in text.splitlines():
        if line.startswith("%") and not continued:
            name = line[1:].split()[0].split("(")[0]
            if name not in own and not name.endswith("flags"):
                names.append(name)
        continued = line.endswith("\\")
    query = "@@".join(f"%{{macrobody:{n}}}" for n in names)

    def bodies(*load: Path) -> list[str]:
        args = [arg for path in load for arg in ("--load", str(path))]
        done = subprocess.run(
            ["rpm", *args, "--eval", query], capture_output=True, text=True, check=True
        )
        return done.stdout.split("@@")

    assert len(names) > 100  # openEuler's and the python, perl, go, cmake helpers
    assert bodies(generated) == bodies(*profile.macro_files)


# -- registry --------------------------------------------------------------------------------


def test_backends_are_found_by_name(tmp_path: Path) -> None:
    local = builder_named("local", profile=None, workdir=tmp_path)
    assert isinstance(local, LocalRpmbuild) and isinstance(local, BuildBackend)
    assert local.name == "local" and "local" in available_builders()

    with pytest.raises(UnknownBuilderError, match=r"unknown build backend 'koji'.*local"):
        builder_named("koji", profile=None, workdir=tmp_path)


def test_a_backend_is_added_by_adding_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "remote.py").write_text(
        "from steward.upgrade.builders.local import LocalRpmbuild\n"
        "NAME = 'remote'\n"
        "class Remote(LocalRpmbuild):\n"
        "    name = NAME\n"
        "def make(profile, workdir):\n"
        "    return Remote(profile, workdir)\n"
    )
    (folder / "notes.py").write_text('"""Not a backend: no NAME, no make."""\n')
    monkeypatch.setattr(builders, "__path__", [*builders.__path__, str(folder)])
    builders._modules.cache_clear()
    try:
        assert available_builders() == ["local", "remote"]
        assert builder_named("remote", profile=None, workdir=tmp_path).name == "remote"
    finally:
        monkeypatch.undo()
        builders._modules.cache_clear()
        sys.modules.pop("steward.upgrade.builders.remote", None)
        sys.modules.pop("steward.upgrade.builders.notes", None)
