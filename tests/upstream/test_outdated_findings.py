"""End to end: `steward check` then `steward outdated` report stale tag rules and scheme changes.

Real processes, a real store and the fake upstream on loopback speaking GitHub's and PyPI's
APIs, with tag and version histories shaped like real projects'.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakeupstream import FakeRelease, FakeUpstream

STEWARD = str(Path(sys.executable).with_name("steward"))
pytestmark = pytest.mark.slow

SPEC = "Name: {name}\nVersion: {version}\nRelease: 1\nSummary: s\nLicense: MIT\n"
TABLES = """\
[packages.at-spi2-core]
source = "github"
github = "GNOME/at-spi2-core"
use_max_tag = true
tag_prefix = "AT_SPI2_CORE_"
separator = "_"

[packages.python-calver]
source = "pypi"
pypi = "calver-demo"

[packages.jansson]
source = "pypi"
pypi = "jansson-demo"
"""


def test_outdated_reports_findings_in_table_and_json(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name, version in (
        ("at-spi2-core", "2.36.0"),
        ("python-calver", "1.9.1"),
        ("jansson", "2.13"),
    ):
        (tree / f"{name}.spec").write_text(SPEC.format(name=name, version=version))
    (tree / "steward.toml").write_text(TABLES)
    with FakeUpstream() as up:
        # at-spi2-core tagged AT_SPI2_CORE_2_36_0, then plain 2.38.0 and on.
        up.add_project(
            "github",
            "GNOME/at-spi2-core",
            [
                FakeRelease("AT_SPI2_CORE_2_34_0", date="2019-09-09"),
                FakeRelease("AT_SPI2_CORE_2_36_0", date="2020-03-07"),
                FakeRelease("2.38.0", date="2020-09-12"),
                FakeRelease("2.40.0", date="2021-03-22"),
            ],
        )
        up.add_project(
            "pypi",
            "calver-demo",
            [
                FakeRelease("1.9.0", date="2019-06-11"),
                FakeRelease("1.9.1", date="2019-11-20"),
                FakeRelease("20.4.0", date="2020-04-14"),
                FakeRelease("21.1.0", date="2021-01-18"),
            ],
        )
        up.add_project("pypi", "jansson-demo", [FakeRelease("2.13", date="2020-05-05")])
        config = tmp_path / "config.toml"
        config.write_text(
            "[network]\nallow_private = true\n[network.base_url_overrides]\n"
            f'"https://api.github.com" = "{up.url}"\n"https://pypi.org" = "{up.url}"\n'
        )
        env = {
            **os.environ,
            "STEWARD_CONFIG": str(config),
            "STEWARD_DB": str(tmp_path / "steward.sqlite"),
            "COLUMNS": "240",
        }
        check = subprocess.run(
            [STEWARD, "check", str(tree)], env=env, capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert "findings (stale tag rules: 1, version scheme changed: 1)" in check.stdout
        document = json.loads(
            subprocess.run(
                [STEWARD, "outdated", str(tree), "--json", "--all"],
                env=env,
                capture_output=True,
                text=True,
            ).stdout
        )
        rows = {row["package"]: row for row in document["packages"]}
        assert rows["at-spi2-core"]["recommended"] == "2.40.0"
        assert rows["at-spi2-core"]["findings"] == ["stale-tag-rules"]
        assert rows["python-calver"]["recommended"] == "21.1.0"
        assert rows["python-calver"]["findings"] == ["version-scheme-changed"]
        assert rows["jansson"]["findings"] == []
        table = subprocess.run(
            [STEWARD, "outdated", str(tree), "--format", "table"],
            env={**env, "COLUMNS": "200"},
            capture_output=True,
            text=True,
        ).stdout
        assert "Findings" in table
        assert "stale tag rules" in table and "version scheme changed" in table
