"""The SBOM diff of an upgrade: the package's CycloneDX SBOM before and after, beside the
upgrade report, validated, with what changed as report notes (the same lines
``steward sbom --diff`` prints)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from steward.distro.profiles import load_profile
from steward.sbom.cyclonedx import validate_cyclonedx
from steward.sbom.upgrade import AFTER, BEFORE, record_upgrade_sboms

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "distro"


def _upgraded(tmp_path: Path) -> tuple[Path, Path]:
    before = tmp_path / "before" / "jansson"
    after = tmp_path / "after" / "jansson"
    shutil.copytree(EXAMPLES / "jansson", before)
    shutil.copytree(EXAMPLES / "jansson", after)
    spec = after / "jansson.spec"
    text = spec.read_text(encoding="utf-8")
    text = text.replace("Version:        2.13.1", "Version:        2.14").replace(
        "Patch0001:      backport-CVE-2020-36325.patch\n", ""
    )
    spec.write_text(text, encoding="utf-8")
    (after / "backport-CVE-2020-36325.patch").unlink()
    return before, after


def test_both_sboms_are_written_valid_and_the_changes_become_notes(tmp_path: Path) -> None:
    before, after = _upgraded(tmp_path)
    out = tmp_path / "report"
    notes = record_upgrade_sboms(before, after, load_profile("openeuler-24.03"), out)
    for name in (BEFORE, AFTER):
        assert validate_cyclonedx((out / name).read_text(encoding="utf-8")) is None
    assert notes[0].startswith(f"SBOM before and after: {BEFORE}, {AFTER}")
    assert "SBOM: ~ jansson: version 2.13.1-2.oe2403 -> 2.14-2.oe2403" in notes
    assert "SBOM: ~ jansson: dropped jansson-2.13.1.tar.gz" in notes
    assert "SBOM: ~ jansson: added jansson-2.14.tar.gz" in notes
    assert "SBOM: ~ jansson: dropped patch resolving CVE-2020-36325" in notes


def test_an_sbom_that_cannot_be_written_is_one_note_not_a_failed_upgrade(tmp_path: Path) -> None:
    before, after = _upgraded(tmp_path)
    blocked = tmp_path / "r"
    blocked.write_text("a file where the report folder should be")
    notes = record_upgrade_sboms(before, after, load_profile("openeuler-24.03"), blocked)
    assert len(notes) == 1 and notes[0].startswith("SBOM diff not written:")


def test_a_package_whose_spec_went_away_is_reported_removed(tmp_path: Path) -> None:
    before, after = _upgraded(tmp_path)
    (after / "jansson.spec").unlink()
    notes = record_upgrade_sboms(before, after, load_profile("openeuler-24.03"), tmp_path / "r")
    assert notes[1:] == ["SBOM: - jansson 2.13.1-2.oe2403 (removed)"]


@pytest.mark.slow
def test_steward_upgrade_writes_the_sbom_diff_beside_its_report(tmp_path: Path) -> None:
    from fakeupstream import FakeUpstream
    from upgrade.buildkit import make_package, make_upstream_tarball

    from steward.config import load_config
    from steward.distro.tree import load_package, load_tree
    from steward.workflows.upgrade import UpgradeOptions, run_upgrade

    folder = tmp_path / "plain" / "greeter"
    make_package(
        folder, "greeter", "1.0", variant="program",
        source_url="https://example.org/%{name}/releases/%{name}-%{version}.tar.gz",
    )  # fmt: skip
    with FakeUpstream() as up:
        tarball = make_upstream_tarball(tmp_path / "upstream", "greeter", "1.1", "program")
        up.add_page(f"/greeter/releases/{tarball.name}", tarball.read_bytes(), "application/gzip")
        config_path = tmp_path / "steward.toml"
        config_path.write_text(
            "[network]\nallow_private = true\ntimeout = 10\n"
            f'[network.base_url_overrides]\n"https://example.org" = "{up.url}"\n'
        )
        options = UpgradeOptions(
            target="1.1", output=tmp_path / "out", packager="T <t@example.org>", build="none"
        )
        outcome = run_upgrade(
            load_package(folder), load_tree(folder.parent).profile, load_config(config_path),
            options,
        )  # fmt: skip
    report = outcome.report
    assert report.failed_step is None, report.error
    out_dir = tmp_path / "out" / "greeter-1.1"
    assert (out_dir / BEFORE).is_file() and (out_dir / AFTER).is_file()
    assert any(n.startswith("SBOM: ~ greeter: version 1.0-") for n in report.notes)
    assert "SBOM: ~ greeter: added greeter-1.1.tar.gz" in report.notes
