"""Fixtures for the rpm tests: ``librpm``, the real librpm as a test oracle.

librpm's Python bindings live in the system interpreter (Debian's python3-rpm), not in the
project's venv, so the oracle runs ``/usr/bin/python3`` once per batch and exchanges JSON.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pytest
from envneeds import skip_environment

SYSTEM_PYTHON = "/usr/bin/python3"

# Runs inside the system interpreter. Requests are JSON lines [op, a, b]; the answer is one
# JSON list of -1/0/1. ensure_ascii on both sides keeps non-ASCII input out of encoding rules.
_ORACLE_SCRIPT = r"""
import json, sys
import rpm

def sign(x):
    return (x > 0) - (x < 0)

answers = []
for line in sys.stdin:
    op, a, b = json.loads(line)
    if op == "vercmp":
        # labelCompare reaches plain rpmvercmp through the release slot, the one slot that
        # accepts "" (rpmverNew refuses an empty version).
        answers.append(sign(rpm.labelCompare(("0", "0", a), ("0", "0", b))))
    elif op == "label":
        answers.append(sign(rpm.labelCompare(tuple(a), tuple(b))))
    elif op == "ver":
        # rpm.ver parses with librpm's parseEVR; its ordering is rpmverCmp.
        left, right = rpm.ver(a), rpm.ver(b)
        answers.append((left > right) - (left < right))
    else:
        raise SystemExit("unknown oracle op: " + op)
sys.stdout.write(json.dumps(answers))
"""

Triple = tuple[str | None, str, str | None]


@dataclass(frozen=True)
class Librpm:
    """librpm's own comparisons, asked in one batch per call."""

    rpm_version: str

    def vercmp(self, pairs: Sequence[tuple[str, str]]) -> list[int]:
        """``rpmvercmp(a, b)`` for every pair."""
        return self._ask("vercmp", pairs)

    def label_compare(self, pairs: Sequence[tuple[Triple, Triple]]) -> list[int]:
        """``rpm.labelCompare((e, v, r), (e, v, r))`` for every pair of triples."""
        return self._ask("label", pairs)

    def ver_compare(self, pairs: Sequence[tuple[str, str]]) -> list[int]:
        """``rpm.ver(a)`` against ``rpm.ver(b)``: librpm's parseEVR, then rpmverCmp."""
        return self._ask("ver", pairs)

    def _ask(self, op: str, pairs: Iterable[tuple[object, object]]) -> list[int]:
        request = "".join(json.dumps([op, a, b]) + "\n" for a, b in pairs)
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", _ORACLE_SCRIPT],
            input=request,
            capture_output=True,
            text=True,
            encoding="ascii",
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"librpm oracle failed ({op}): {done.stderr.strip()}")
        answers: list[int] = json.loads(done.stdout)
        return answers


@pytest.fixture(scope="session")
def librpm() -> Librpm:
    """The librpm oracle; skips the test when the system Python has no ``rpm`` module."""
    try:
        probe = subprocess.run(
            [SYSTEM_PYTHON, "-c", "import rpm; print(rpm.__version__)"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError as error:
        skip_environment(f"librpm oracle unavailable: cannot run {SYSTEM_PYTHON}: {error}")
    if probe.returncode != 0:
        skip_environment(
            f"librpm oracle unavailable: {SYSTEM_PYTHON} cannot import rpm (install python3-rpm)"
        )
    return Librpm(rpm_version=probe.stdout.strip())
