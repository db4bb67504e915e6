"""Review and response from a fake Gitee (real HTTP on 127.0.0.1), hand-computed values.

Inputs: tests/health/fakereviews.py (JANSSON, ZSTD) seen at NOW = 2026-06-30.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.cli.main import app
from steward.config import load_config
from steward.distro import load_tree
from steward.health.forge import items_from_payloads
from steward.health.review import review
from steward.store import Store
from steward.workflows.health import HealthOptions, fetch_forge, run_health

from .distrofixture import NOW
from .fakereviews import EMPTY, JANSSON, ZSTD, FakeReviews

PACKAGES = ["jansson", "zstd", "expat", "app-a"]


@pytest.fixture(scope="module")
def forge() -> Iterator[FakeReviews]:
    repos = {"src-openeuler/jansson": JANSSON, "src-openeuler/zstd": ZSTD}
    repos["src-openeuler/expat"] = EMPTY  # app-a has no repository: 404
    with FakeReviews(repos) as fake:
        yield fake


@pytest.fixture(scope="module")
def config_file(forge: FakeReviews, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forgecfg") / "steward.toml"
    path.write_text(
        "[network]\nallow_private = true\nretries = 0\n"
        f'[network.base_url_overrides]\n"https://gitee.com/api/v5" = "{forge.base}"\n'
    )
    return path


def test_review_metrics_filter_bots_and_count_the_window() -> None:
    items = items_from_payloads(JANSSON["pulls"], JANSSON["issues"],
                                [*JANSSON["issues/comments"], *JANSSON["pulls/comments"]])  # fmt: skip
    result = review(items, now=NOW)
    # opened since 2025-06-30 by people: PRs 1, 2, 3 (4 is a bot's, 5 is older)
    assert (result.changes_opened, result.changes_closed) == (3, 2)
    assert result.change_request_closure_ratio == pytest.approx(2 / 3)
    assert result.issues_opened == 1  # the CVE issue is a bot's
    # first responses: PR 1 bob after 4 h (the CI bot's comment does not count), PR 2 alice
    # after 24 h (erin's own does not), issue IBX9Z9 bob after 12 h; PR 3 unanswered
    assert result.median_first_response_hours == 12.0
    assert result.unanswered == 1
    assert result.open_cve_issues == (("CVE-2026-1234", 149),)  # 2026-02-01 -> 2026-06-30


def test_forge_items_come_through_the_fetch_engine_with_paging(
    forge: FakeReviews, config_file: Path
) -> None:
    items, errors = fetch_forge(PACKAGES, "gitee", "src-openeuler", load_config(config_file))
    assert set(items) == {"jansson", "zstd", "expat"} and items["expat"] == []
    assert "404" in errors["app-a"]
    assert any("pulls/comments" in r and "page=2" in r for r in forge.requests)
    zstd = review(items["zstd"], now=NOW)
    # 120 CI comments (two pages), then alice on 2026-06-02T06:00: 30 h after opening
    assert zstd.median_first_response_hours == 30.0


def test_old_open_cve_issue_makes_the_package_short_of_maintainers(
    forge: FakeReviews, config_file: Path, health_tree: Path, health_store: Store
) -> None:
    items, errors = fetch_forge(PACKAGES, "gitee", "src-openeuler", load_config(config_file))
    report = run_health(load_tree(health_tree), store=health_store, forge=items,
                        forge_errors=errors, options=HealthOptions(now=NOW))  # fmt: skip
    jansson = next(p for p in report.packages if p.name == "jansson")
    assert jansson.verdict.status.value == "short-of-maintainers"
    assert jansson.verdict.reasons == ("open CVE issue CVE-2026-1234 is 149 days old (> 90)",)
    app_a = next(p for p in report.packages if p.name == "app-a")
    assert app_a.errors and app_a.errors[0].startswith("forge: ")


def test_cli_reads_the_forge_and_reports_review_in_json(
    config_file: Path, health_tree: Path, health_store: Store
) -> None:
    args = ["health", str(health_tree), "--db", health_store.url, "--config", str(config_file),
            "--forge", "gitee:src-openeuler", "--json", "--only", "jansson",
            "--as-of", "2026-06-30"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)["packages"][0]
    assert record["review"]["change_request_closure_ratio"] == 0.667
    assert record["review"]["open_cve_issues"] == [{"cve": "CVE-2026-1234", "age_days": 149}]


def test_cli_refuses_an_unknown_forge(health_tree: Path) -> None:
    result = CliRunner().invoke(app, ["health", str(health_tree), "--forge", "sourcehut:x"])
    assert result.exit_code == 2 and "KIND:OWNER" in result.output
