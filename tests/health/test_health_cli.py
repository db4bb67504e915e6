"""``steward health``: table, JSON and the HTML report with plots, on the example tree."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from steward.cli.main import app
from steward.store import Store

runner = CliRunner()


def _args(tree: Path, store: Store) -> list[str]:
    return ["health", str(tree), "--db", store.url, "--sigs", str(tree.parent / "sig-info.yaml"),
            "--min-dependents", "2"]  # fmt: skip


def test_json_has_one_record_per_package_with_metrics_and_status(
    health_tree: Path, health_store: Store
) -> None:
    result = runner.invoke(app, [*_args(health_tree, health_store), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    names = [p["name"] for p in document["packages"]]
    assert names == sorted(["app-a", "app-b", "expat", "jansson", "python-idna",
                            "python-requests", "zstd"])  # fmt: skip
    jansson = next(p for p in document["packages"] if p["name"] == "jansson")
    assert jansson["sig"] == "Base-service" and jansson["reverse_dependencies"] == 2
    assert jansson["lag"]["versions_behind"] == 2 and jansson["status"] in ("healthy", "active")
    assert jansson["maintenance"]["upgrades"][0]["to"] == "2.13"
    methods = {(a["metric"], a["method"]) for a in document["distribution"]["aggregates"]}
    assert ("libyears", "weighted") in methods and ("days_behind", "median") in methods
    assert {s["name"] for s in document["sigs"]} == {"Base-service", "Application", "(no SIG)"}


def test_table_shows_packages_and_the_per_sig_summary(
    health_tree: Path, health_store: Store
) -> None:
    result = runner.invoke(app, _args(health_tree, health_store), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Base-service" in result.stdout and "python-idna" in result.stdout
    assert "early warnings" in result.stdout


def test_html_report_is_self_contained_with_four_png_plots(
    health_tree: Path, health_store: Store, tmp_path: Path
) -> None:
    page = tmp_path / "health.html"
    plots = tmp_path / "plots"
    args = [*_args(health_tree, health_store), "--format", "html", "-o", str(page)]
    result = runner.invoke(app, [*args, "--plots", str(plots)])
    assert result.exit_code == 0, result.output
    text = page.read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(images) == 4
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "http://" not in text and "https://" not in text  # loads nothing
    assert sorted(p.name for p in plots.iterdir()) == [
        "lag-distribution.png", "lag-over-time.png", "per-sig.png", "weighted-ranking.png"
    ]  # fmt: skip


def test_unreadable_sig_file_is_a_usage_error(health_tree: Path, tmp_path: Path) -> None:
    bad = tmp_path / "sig-info.yaml"
    bad.write_text("- just a list\n")
    result = runner.invoke(app, ["health", str(health_tree), "--sigs", str(bad)])
    assert result.exit_code == 2
    assert "sig-info document is a mapping" in result.output
