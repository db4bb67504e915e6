"""``steward vulns sync`` keeps advisories in the store (SQLite here; the same SQLAlchemy
code runs on PostgreSQL), replacing a source's import in one transaction."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from steward.cli.main import app
from steward.store import Store
from steward.store.advisories import advisory_sources, load_advisories, replace_source
from steward.vuln.load import AdvisorySet
from steward.vuln.model import Advisory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "distro"
WRITTEN = Path(__file__).parent / "data" / "example-advisories"
DATA = ROOT / ".." / "shared" / "data"

runner = CliRunner()


@pytest.mark.slow
def test_synced_advisories_give_the_same_findings_as_the_files(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    sources = ["-a", str(WRITTEN), "-a", str(DATA / "osv"), "-a", str(DATA / "csaf")]
    synced = runner.invoke(app, ["vulns", "sync", *sources, "--db", db, "--json"])
    assert synced.exit_code == 0, synced.output
    report = json.loads(synced.stdout)["sources"]
    assert [r["advisories"] for r in report] == [11, 184, 126]
    assert len(report[2]["errors"]) == 3  # the OVAL file and two Red Hat API records
    from_files = runner.invoke(app, ["vulns", str(EXAMPLES), *sources, "--no-store", "--json"])
    from_store = runner.invoke(app, ["vulns", str(EXAMPLES), "--db", db, "--json"])
    assert from_store.exit_code == from_files.exit_code == 1

    def statuses(result: Any) -> dict[str, str]:
        return {f["package"]: f["status"] for f in json.loads(result.stdout)["findings"]}

    assert statuses(from_store) == statuses(from_files)
    assert len(statuses(from_store)) == 11


def test_a_second_sync_replaces_the_source_and_a_failed_one_keeps_it(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store.db") as store:
        read = AdvisorySet.read([WRITTEN])
        replace_source(store, "feed", read.advisories, read.errors)
        replace_source(store, "feed", read.advisories[:3], read.errors)
        (row,) = advisory_sources(store)
        assert row.advisories == 3
        assert {a.id for a in load_advisories(store, ["jansson", "zstd", "apr", "lz4"], None)} == {
            a.id for a in read.advisories[:3]
        }

        class Broken(Advisory):
            def to_dict(self) -> dict[str, Any]:
                raise RuntimeError("disk full")

        many = [dataclasses.replace(read.advisories[0], id=f"X-{n}") for n in range(600)]
        broken = Broken(**{f.name: getattr(many[0], f.name) for f in dataclasses.fields(Advisory)})
        with pytest.raises(RuntimeError, match="disk full"):
            # the first 500 go in before the failure: all of it must roll back
            replace_source(store, "feed", [*many, broken], [])
        (row,) = advisory_sources(store)
        assert row.advisories == 3
        assert len(load_advisories(store, ["jansson", "zstd", "apr"], None)) == 3


def test_stored_advisories_are_found_by_binary_name_and_ecosystem(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store.db") as store:
        read = AdvisorySet.read([DATA / "csaf" / "openeuler"])
        replace_source(store, "oe", read.advisories, read.errors)
        found = load_advisories(store, ["python3-jinja2"], ["openEuler:20.03-LTS-SP4"])
        assert {a.id for a in found} == {"CVE-2024-56201", "CVE-2024-56326"}
        assert found[0] == next(a for a in read.advisories if a.id == found[0].id)
        assert load_advisories(store, ["python3-jinja2"], ["openEuler:24.03-LTS"]) == []


def test_sync_of_a_source_with_nothing_readable_keeps_the_previous_import(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.json").write_text((WRITTEN / "OESA-2099-1001.json").read_text())
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert runner.invoke(app, ["vulns", "sync", "-a", str(feed), "--db", db]).exit_code == 0
    (feed / "a.json").write_text("{ truncated")
    result = runner.invoke(app, ["vulns", "sync", "-a", str(feed), "--db", db])
    assert result.exit_code == 1 and "previous import is kept" in result.stdout
    with Store.open(db) as store:
        assert [a.id for a in load_advisories(store, ["jansson"], None)] == ["OESA-2099-1001"]


def test_sync_without_sources_and_a_missing_tree_are_usage_errors(tmp_path: Path) -> None:
    assert runner.invoke(app, ["vulns", "sync", "--db", str(tmp_path / "s.db")]).exit_code == 2
    assert runner.invoke(app, ["vulns", str(tmp_path / "nope")]).exit_code == 2
