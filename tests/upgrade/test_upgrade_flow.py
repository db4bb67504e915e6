"""End to end: `steward upgrade` on real git repositories with real patch and rpmbuild.

Small upstream projects (tests/upgrade/buildkit.py) are packaged at 1.0 in a git
repository; their 1.1 and 2.0 tarballs are served by the fake upstream on 127.0.0.1. The
upgrade must leave one commit on its own branch, the expected spec diff, the right patch
verdicts, source and binary RPMs and a report, and never touch the user's checkout.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from buildkit import make_package, make_upstream_tarball
from fakeupstream import FakeUpstream, Faults

from steward.config import load_config
from steward.distro.tree import load_package, load_tree
from steward.upgrade.model import PatchVerdict
from steward.workflows.upgrade import UpgradeOptions, run_upgrade, run_upgrades

pytestmark = pytest.mark.slow

PACKAGER = "Steward Tests <steward@example.org>"
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Maintainer",
    "GIT_AUTHOR_EMAIL": "maintainer@example.org",
    "GIT_COMMITTER_NAME": "Maintainer",
    "GIT_COMMITTER_EMAIL": "maintainer@example.org",
}


def git(repo: Path, *argv: str) -> str:
    return subprocess.run(
        ["git", *argv], cwd=repo, check=True, capture_output=True, text=True, env=GIT_ENV
    ).stdout


def make_repo(root: Path, packages: list[tuple[str, str, str]]) -> Path:
    """A src-openeuler style git repository holding (name, version, variant) packages."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for name, version, variant in packages:
        make_package(
            root / name,
            name,
            version,
            variant=variant,
            source_url="https://example.org/%{name}/releases/%{name}-%{version}.tar.gz",
            metadata=f"version_control: github\nsrc_repo: example/{name}\n",
        )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "packages")
    return root


def serve(up: FakeUpstream, tmp: Path, name: str, version: str, variant: str) -> None:
    tarball = make_upstream_tarball(tmp / "upstream", name, version, variant)
    up.add_page(f"/{name}/releases/{tarball.name}", tarball.read_bytes(), "application/gzip")


def config_for(tmp: Path, up: FakeUpstream) -> Path:
    path = tmp / "steward.toml"
    path.write_text(
        "[network]\nallow_private = true\ntimeout = 10\n"
        f'[network.base_url_overrides]\n"https://example.org" = "{up.url}"\n'
    )
    return path


def options(tmp: Path, target: str, **changes: object) -> UpgradeOptions:
    base = UpgradeOptions(
        target=target, output=tmp / "out", packager=PACKAGER, build="rpms", nodeps=True
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def snapshot(repo: Path) -> tuple[str, str, dict[str, bytes]]:
    files = {
        str(p.relative_to(repo)): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }
    return git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"), files


def test_program_upgrade_drops_upstreamed_patch_builds_and_commits(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", [("greeter", "1.0", "program")])
    before = snapshot(repo)
    with FakeUpstream() as up:
        serve(up, tmp_path, "greeter", "1.1", "program")
        config = load_config(config_for(tmp_path, up))
        record = load_package(repo / "greeter")
        outcome = run_upgrade(record, load_tree(repo).profile, config, options(tmp_path, "1.1"))
    report = outcome.report
    assert report.failed_step is None, report.error
    assert snapshot(repo) == before, "the user's checkout must not change"

    # One commit on its own branch, authored by the packager.
    branch = "steward/upgrade/greeter-1.1"
    assert report.branch == branch
    log = git(repo, "log", "--format=%an <%ae>|%s", f"main..{branch}").strip().splitlines()
    assert log == [f"{PACKAGER}|Update greeter to 1.1"]
    changed = git(repo, "diff", "--name-status", "main", branch).split("\n")
    assert "D\tgreeter/fix-greeting.patch" in changed
    assert "D\tgreeter/greeter-1.0.tar.gz" in changed
    assert "A\tgreeter/greeter-1.1.tar.gz" in changed

    spec_diff = git(repo, "diff", "-U0", "main", branch, "--", "greeter/greeter.spec")
    added = [ln for ln in spec_diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    removed = [
        ln for ln in spec_diff.splitlines() if ln.startswith("-") and not ln.startswith("---")
    ]
    assert "-Version:        1.0" in removed and "+Version:        1.1" in added
    assert any(ln.startswith("-Patch") and "fix-greeting.patch" in ln for ln in removed)
    assert any("drop patches merged upstream: fix-greeting.patch" in ln for ln in added)

    verdicts = {p.filename: p.verdict for p in report.patches}
    assert verdicts == {
        "fix-greeting.patch": PatchVerdict.UPSTREAM,
        "local-repeat.patch": PatchVerdict.APPLIES_WITH_FUZZ,
    }
    assert [p.dropped for p in report.patches] == [True, False]

    kinds = {b.kind: b for b in report.builds}
    assert kinds["srpm"].outcome.value == "succeeded"
    assert any(a.name.endswith(".src.rpm") for a in kinds["srpm"].artifacts)
    assert kinds["rpms"].outcome.value == "succeeded"
    assert any(a.name.startswith("greeter-1.1-1") for a in kinds["rpms"].artifacts)

    document = json.loads(outcome.json_path.read_text())
    assert document["schema"] == "steward.upgrade-report/1"
    assert document["status"] == "needs-human"  # local-repeat needs a refresh (offset)
    assert document["sources"][0]["filename"] == "greeter-1.1.tar.gz"
    assert len(document["sources"][0]["sha256"]) == 64
    markdown = outcome.markdown_path.read_text()
    assert "## Update greeter 1.0 → 1.1" in markdown and "fix-greeting.patch" in markdown


def test_conflicting_patch_is_kept_and_needs_a_human(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", [("greeter", "1.0", "program")])
    with FakeUpstream() as up:
        serve(up, tmp_path, "greeter", "2.0", "program")
        config = load_config(config_for(tmp_path, up))
        record = load_package(repo / "greeter")
        outcome = run_upgrade(
            record, load_tree(repo).profile, config, options(tmp_path, "2.0", build="srpm")
        )
    report = outcome.report
    assert report.status == "needs-human"
    conflict = next(p for p in report.patches if p.filename == "local-repeat.patch")
    assert conflict.verdict is PatchVerdict.CONFLICT and not conflict.dropped
    assert "@@" in conflict.rejected_hunks
    shown = git(repo, "show", "steward/upgrade/greeter-2.0:greeter/greeter.spec")
    assert "local-repeat.patch" in shown, "a conflicting patch is never silently dropped"
    assert any("conflicts" in item for item in report.needs_human)


def test_library_soname_change_names_dependents(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", [("libdemo", "1.0", "clib"), ("greeter", "1.0", "program")])
    # greeter links against libdemo: it must be named as needing a rebuild.
    spec = repo / "greeter" / "greeter.spec"
    spec.write_text(
        spec.read_text().replace(
            "BuildRequires:  gcc make", "BuildRequires:  gcc make libdemo-devel"
        )
    )
    git(repo, "commit", "-qam", "greeter needs libdemo")
    with FakeUpstream() as up:
        serve(up, tmp_path, "libdemo", "2.0", "clib")
        config = load_config(config_for(tmp_path, up))
        distro = load_tree(repo)
        outcome = run_upgrade(
            distro["libdemo"],
            distro.profile,
            config,
            options(tmp_path, "2.0", compare=True),
            distro=distro,
        )
    report = outcome.report
    assert report.failed_step is None, report.error
    assert report.comparison is not None
    change = report.comparison.soname_changes[0]
    assert (change.old_soname, change.new_soname) == ("libdemo.so.1", "libdemo.so.2")
    assert "greeter" in change.dependents
    assert any("libdemo.so.2" in item for item in report.needs_human)


def test_folder_without_git_gets_a_result_folder_and_patch(tmp_path: Path) -> None:
    folder = tmp_path / "plain" / "greeter"
    make_package(
        folder, "greeter", "1.0", variant="program",
        source_url="https://example.org/%{name}/releases/%{name}-%{version}.tar.gz",
    )  # fmt: skip
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with FakeUpstream() as up:
        serve(up, tmp_path, "greeter", "1.1", "program")
        config = load_config(config_for(tmp_path, up))
        outcome = run_upgrade(
            load_package(folder), load_tree(folder.parent).profile, config,
            options(tmp_path, "1.1", build="none"),
        )  # fmt: skip
    report = outcome.report
    assert report.failed_step is None, report.error
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert report.result_dir and (Path(report.result_dir) / "greeter-1.1.tar.gz").is_file()
    patch = Path(report.patch_file or "").read_text()
    assert "+Version:        1.1" in patch


@pytest.mark.parametrize(
    ("case", "step"),
    [("missing-tarball", "sources"), ("traversal", "extract"), ("hanging-build", "build")],
)
def test_failed_upgrade_leaves_the_tree_untouched_and_can_be_retried(
    tmp_path: Path, case: str, step: str
) -> None:
    import io
    import tarfile

    repo = make_repo(tmp_path / "repo", [("greeter", "1.0", "program")])
    if case == "hanging-build":
        spec = repo / "greeter" / "greeter.spec"
        spec.write_text(spec.read_text().replace("%build\n", "%build\nsleep 600\n", 1))
        git(repo, "commit", "-qam", "slow build")
    before = snapshot(repo)
    with FakeUpstream() as up:
        if case == "traversal":
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
                data = b"owned\n"
                info = tarfile.TarInfo("../../escape.txt")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            up.add_page(
                "/greeter/releases/greeter-1.1.tar.gz", buffer.getvalue(), "application/gzip"
            )
        elif case == "hanging-build":
            serve(up, tmp_path, "greeter", "1.1", "program")
        config = load_config(config_for(tmp_path, up))
        opts = options(tmp_path, "1.1", build="rpms", build_timeout=3.0)
        outcome = run_upgrade(load_package(repo / "greeter"), load_tree(repo).profile, config, opts)
    report = outcome.report
    if case == "hanging-build":
        # A build that hangs is stopped and reported; the upgrade itself still commits.
        assert any(b.outcome.value == "timed-out" for b in report.builds)
        assert report.status == "needs-human"
        return
    assert report.failed_step == step, (report.failed_step, report.error)
    assert report.error
    assert snapshot(repo) == before
    assert "steward/upgrade" not in git(repo, "branch", "--list")
    assert not (tmp_path / "escape.txt").exists()
    assert json.loads(outcome.json_path.read_text())["status"] == "failed"


def test_all_outdated_is_resumable(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "repo", [("greeter", "1.0", "program"), ("pyhello", "1.0", "pymod")]
    )
    with FakeUpstream() as up:
        serve(up, tmp_path, "greeter", "1.1", "program")
        up.set_faults(Faults(status=503), path="/pyhello/releases/pyhello-1.1.tar.gz")
        serve(up, tmp_path, "pyhello", "1.1", "pymod")
        config = load_config(config_for(tmp_path, up))
        distro = load_tree(repo)
        jobs = [(distro["greeter"], "1.1"), (distro["pyhello"], "1.1")]
        opts = options(tmp_path, "", build="srpm")
        first = {o.package: o for o in run_upgrades(jobs, distro.profile, config, opts)}
        assert first["greeter"].report.failed_step is None
        assert first["pyhello"].report.failed_step == "sources"
        up.set_faults(None, path="/pyhello/releases/pyhello-1.1.tar.gz")
        second = {o.package: o for o in run_upgrades(jobs, distro.profile, config, opts)}
    assert second["greeter"].skipped and "exists" in second["greeter"].skipped
    assert second["pyhello"].skipped is None and second["pyhello"].report.failed_step is None
    branches = git(repo, "branch", "--list", "steward/*").split()
    assert sorted(branches) == ["steward/upgrade/greeter-1.1", "steward/upgrade/pyhello-1.1"]


def test_cli_dry_run_changes_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", [("greeter", "1.0", "program")])
    before = snapshot(repo)
    steward = str(Path(sys.executable).with_name("steward"))
    proc = subprocess.run(
        [steward, "upgrade", str(repo / "greeter"), "--to", "1.1", "--dry-run",
         "--output", str(tmp_path / "out")],
        capture_output=True, text=True, env={**GIT_ENV, "COLUMNS": "200"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "greeter 1.0 → 1.1" in proc.stdout
    assert "greeter-1.1.tar.gz" in proc.stdout
    assert snapshot(repo) == before
    assert not (tmp_path / "out").exists()


def test_an_unknown_configured_builder_fails_the_build_step_and_names_the_key(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo", [("greeter", "1.0", "program")])
    before = snapshot(repo)
    with FakeUpstream() as up:
        serve(up, tmp_path, "greeter", "1.1", "program")
        path = config_for(tmp_path, up)
        path.write_text(path.read_text() + '[build]\nbuilder = "koji"\n')
        config = load_config(path)
        record = load_package(repo / "greeter")
        outcome = run_upgrade(record, load_tree(repo).profile, config, options(tmp_path, "1.1"))
    report = outcome.report
    assert report.failed_step == "build"
    assert str(path) in (report.error or "") and "[build] builder" in (report.error or "")
    assert "'koji'" in (report.error or "") and "available: local" in (report.error or "")
    assert snapshot(repo) == before
