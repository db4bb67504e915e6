"""pytest fixtures for the fake upstream; import them into a conftest to use them elsewhere:
``from fakeupstream.fixtures import upstream  # noqa: F401``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import FakeUpstream


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    """A fresh, empty fake upstream running in a background thread."""
    with FakeUpstream() as server:
        yield server
