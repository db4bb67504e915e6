"""OSV range evaluation in rpm order: the 165 EVR vectors and a table of range cases, run
through the matcher and checked against librpm itself (python3-rpm in a subprocess)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from steward.vuln.model import EpochPolicy, Event, Range
from steward.vuln.ranges import Package, is_affected, sorted_events

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "testvectors"
SYSTEM_PYTHON = "/usr/bin/python3"


def _vectors() -> list[tuple[str, str, str]]:
    rows = []
    for line in (VECTORS / "redhat-versions.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "<>=" and not line.startswith("#"):
            rows.append((parts[0], parts[1], parts[2]))
    return rows


def _rng(*events: tuple[str, str]) -> tuple[Range, ...]:
    return (Range("ECOSYSTEM", tuple(Event(k, v) for k, v in events)),)


def _librpm_signs(pairs: list[tuple[str, str]]) -> list[int] | None:
    if not Path(SYSTEM_PYTHON).exists():
        return None
    script = (
        "import json,sys,rpm\n"
        "pairs=json.load(sys.stdin)\n"
        "out=[]\n"
        "for a,b in pairs:\n"
        "    x,y=rpm.ver(a),rpm.ver(b)\n"
        "    out.append(-1 if x<y else (1 if x>y else 0))\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", script], input=json.dumps(pairs), capture_output=True, text=True
    )
    if done.returncode != 0:
        return None
    result: list[int] = json.loads(done.stdout)
    return result


def test_the_testvector_file_holds_all_165_vectors() -> None:
    assert len(_vectors()) == 165


def test_every_vector_decides_fixed_last_affected_and_versions_as_its_order_says() -> None:
    for left, op, right in _vectors():
        pkg = Package(left)
        fixed = is_affected(
            pkg, _rng(("introduced", "0"), ("fixed", right)), (), EpochPolicy.EXPLICIT
        )
        last = is_affected(
            pkg, _rng(("introduced", "0"), ("last_affected", right)), (), EpochPolicy.EXPLICIT
        )
        listed = is_affected(pkg, (), (right,), EpochPolicy.EXPLICIT)
        introduced = is_affected(pkg, _rng(("introduced", right)), (), EpochPolicy.EXPLICIT)
        assert fixed.affected is (op == "<"), (left, op, right)
        assert last.affected is (op in "<="), (left, op, right)
        assert listed.affected is (op == "="), (left, op, right)
        assert introduced.affected is (op in ">="), (left, op, right)


def test_vectors_and_matcher_agree_with_librpm() -> None:
    pairs = [(a, b) for a, _, b in _vectors()]
    signs = _librpm_signs(pairs)
    if signs is None:
        pytest.skip("python3-rpm is not available to the system interpreter")
    for (left, op, right), sign in zip(_vectors(), signs, strict=True):
        assert {"<": -1, "=": 0, ">": 1}[op] == sign, (left, op, right)
        affected = is_affected(
            Package(left), _rng(("introduced", "0"), ("fixed", right)), (), EpochPolicy.EXPLICIT
        ).affected
        assert affected is (sign < 0), (left, right)


# (package EVR, events, affected?) evaluated with rpm's order; librpm re-checks each
# comparison the answer rests on.
RANGE_CASES = [
    ("1.0-1", [("introduced", "0"), ("fixed", "1.0-2")], True),
    ("1.0-2", [("introduced", "0"), ("fixed", "1.0-2")], False),
    ("1.0~rc1-1", [("introduced", "1.0-1"), ("fixed", "1.1-1")], False),
    ("1.0^git1-1", [("introduced", "1.0-1"), ("fixed", "1.1-1")], True),
    ("2.0-1", [("introduced", "0"), ("last_affected", "2.0-1")], True),
    ("2.0-1.1", [("introduced", "0"), ("last_affected", "2.0-1")], False),
    # unsorted events are sorted before evaluation
    ("1.5-1", [("fixed", "2.0-1"), ("introduced", "1.0-1")], True),
    # two stretches: [1.0, 1.2) and [3.0, 3.2)
    (
        "2.5-1",
        [("introduced", "1.0"), ("fixed", "1.2"), ("introduced", "3.0"), ("fixed", "3.2")],
        False,
    ),
    (
        "3.1-1",
        [("introduced", "1.0"), ("fixed", "1.2"), ("introduced", "3.0"), ("fixed", "3.2")],
        True,
    ),
    # a limit bounds the whole range
    ("5.0-1", [("introduced", "0"), ("limit", "4.0")], False),
    ("3.0-1", [("introduced", "0"), ("limit", "4.0")], True),
    # rpm's segment rules: 1.10 > 1.9, letters below numbers
    ("1.10-1", [("introduced", "0"), ("fixed", "1.9-1")], False),
    ("1.0a-1", [("introduced", "0"), ("fixed", "1.0.1-1")], True),
]


@pytest.mark.parametrize(("evr", "events", "expected"), RANGE_CASES)
def test_range_table(evr: str, events: list[tuple[str, str]], expected: bool) -> None:
    verdict = is_affected(Package(evr), _rng(*events), (), EpochPolicy.EXPLICIT)
    assert verdict.affected is expected


def test_range_table_comparisons_agree_with_librpm() -> None:
    pairs = [(evr, value) for evr, events, _ in RANGE_CASES for _, value in events if value != "0"]
    signs = _librpm_signs(pairs)
    if signs is None:
        pytest.skip("python3-rpm is not available to the system interpreter")
    from steward.rpm.version import compare_evr

    assert [compare_evr(a, b) for a, b in pairs] == signs


def test_zero_introduced_sorts_first_even_before_a_tilde_version() -> None:
    events = [Event("fixed", "1.0-1"), Event("introduced", "~0"), Event("introduced", "0")]
    assert sorted_events(events)[0] == Event("introduced", "0")


def test_fixed_event_that_closes_the_range_is_reported() -> None:
    rng = _rng(("introduced", "1.0"), ("fixed", "1.2-1"), ("introduced", "3.0"), ("fixed", "3.2-1"))
    assert is_affected(Package("3.1-1"), rng, (), EpochPolicy.EXPLICIT).fixed == "3.2-1"


def test_epoch_policy_decides_a_missing_epoch_or_says_ambiguous() -> None:
    rng = _rng(("introduced", "0"), ("fixed", "1.38.0-3"))
    package = Package("1:1.38.0-2")
    assert is_affected(package, rng, (), EpochPolicy.OMITTED).affected is True
    assert is_affected(package, rng, (), EpochPolicy.EXPLICIT).affected is False
    unknown = is_affected(package, rng, (), EpochPolicy.UNKNOWN)
    assert unknown.ambiguous and unknown.readings == {"vr": True, "rpm": False}


def test_unknown_epoch_policy_is_not_ambiguous_when_both_readings_agree() -> None:
    rng = _rng(("introduced", "0"), ("fixed", "2.0-1"))
    verdict = is_affected(Package("1:1.0-1"), rng, (), EpochPolicy.UNKNOWN)
    # 1:1.0-1 vs 2.0-1: epoch 1 > 0 says not affected, version-release alone says affected.
    assert verdict.ambiguous
    agree = is_affected(Package("1:3.0-1"), rng, (), EpochPolicy.UNKNOWN)
    assert not agree.ambiguous and agree.affected is False


def test_advisory_epoch_against_an_epochless_package_is_ambiguous_for_unknown_sources() -> None:
    rng = _rng(("introduced", "0"), ("fixed", "2:1.0-1"))
    verdict = is_affected(Package("1.5-1"), rng, (), EpochPolicy.UNKNOWN)
    assert verdict.ambiguous and verdict.readings == {"vr": False, "rpm": True}


def test_git_ranges_never_match_an_rpm_version() -> None:
    rng = (Range("GIT", (Event("introduced", "0"), Event("fixed", "abc123"))),)
    assert is_affected(Package("1.0-1"), rng, (), EpochPolicy.EXPLICIT).affected is False


def test_system_python_has_rpm_here() -> None:
    # The conformance tests above skip without it; on this project's machines it is there.
    if shutil.which(SYSTEM_PYTHON) is None:
        pytest.skip("no system python")
    done = subprocess.run([SYSTEM_PYTHON, "-c", "import rpm"], capture_output=True)
    assert done.returncode == 0
