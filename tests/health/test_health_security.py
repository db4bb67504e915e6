"""Security debt from the vulnerability work's matching, on the example advisories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from steward.distro import load_tree
from steward.health.security import OpenVulnerability, security_debt
from steward.workflows.health import HealthOptions, run_health, security_from_advisories

from .distrofixture import EXAMPLES

ADVISORIES = Path(__file__).resolve().parents[1] / "vuln" / "data" / "example-advisories"
AS_OF = dt.datetime(2099, 3, 1, tzinfo=dt.UTC)


def test_security_debt_counts_open_advisories_and_the_oldest_age() -> None:
    items = [
        OpenVulnerability("a", "X-1", dt.datetime(2099, 1, 1, tzinfo=dt.UTC), True),
        OpenVulnerability("a", "X-2", dt.datetime(2099, 2, 1), False),  # naive: UTC
        OpenVulnerability("b", "X-3", None, True),
    ]
    debt = security_debt(items, now=AS_OF)
    assert debt["a"] == {
        "open": 2,
        "needs_action": 1,
        "oldest_days": 59,
        "advisories": ["X-1", "X-2"],
    }
    assert debt["b"]["oldest_days"] is None


def test_security_debt_on_the_example_packages_lists_only_what_is_still_open(
    health_tree: Path,
) -> None:
    distro = load_tree(EXAMPLES, only=["expat", "jansson", "zstd"])
    debt = security_from_advisories(distro, [ADVISORIES], None, now=AS_OF)
    # expat backports one of OESA-2099-1004's two CVEs (published 2099-01-01); jansson's and
    # zstd's advisories are fixed by backports in their specs
    assert debt == {
        "expat": {"open": 1, "needs_action": 1, "oldest_days": 59, "advisories": ["OESA-2099-1004"]}
    }
    report = run_health(load_tree(health_tree), security=debt, options=HealthOptions(now=AS_OF))
    expat = next(p for p in report.packages if p.name == "expat")
    assert expat.to_dict()["security"]["needs_action"] == 1
