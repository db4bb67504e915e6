"""What a test needs of the machine: a tool, a server, the shared data set beside the clone.

Without it the test skips and says what is missing, with a reason that starts with
:data:`ENVIRONMENT`. With ``STEWARD_STRICT_SKIPS=1`` (as ``.ci/run`` sets) every such skip
is a failure instead (``tests/conftest.py``), so that a missing install step in CI cannot
pass silently.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

__all__ = [
    "ENVIRONMENT",
    "SHARED_DATA",
    "needs",
    "needs_shared",
    "needs_tools",
    "require_module",
    "require_shared",
    "skip_environment",
]

#: The start of every environment skip's reason.
ENVIRONMENT = "needs the environment: "

#: ``../shared/data`` beside the repository: real distribution data, read in place.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def skip_environment(what: str) -> NoReturn:
    """Skip this test because the machine lacks ``what``."""
    pytest.skip(ENVIRONMENT + what)


def needs(present: bool, what: str) -> pytest.MarkDecorator:
    """A mark that skips the test unless ``present`` (``what`` says what is missing)."""
    return pytest.mark.skipif(not present, reason=ENVIRONMENT + what)


def needs_tools(*tools: str) -> pytest.MarkDecorator:
    """A mark that skips the test unless every command in ``tools`` is on PATH."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    return needs(not missing, f"{', '.join(missing)} not installed")


def needs_shared(relative: str) -> pytest.MarkDecorator:
    """A mark that skips the test unless ``../shared/data/<relative>`` exists."""
    return needs((SHARED_DATA / relative).exists(), f"../shared/data/{relative} is absent")


def require_shared(relative: str) -> Path:
    """``../shared/data/<relative>``, or skip the test when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        skip_environment(f"../shared/data/{relative} is absent")
    return path


def require_module(name: str) -> ModuleType:
    """The module ``name``, or skip the test when it cannot be imported."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        skip_environment(f"Python module {name} ({exc})")
