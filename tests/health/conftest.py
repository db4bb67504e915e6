"""Fixtures of the health tests: the example tree with git histories, and its store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from steward.store import Store

from .distrofixture import fill_store, make_tree


@pytest.fixture(scope="session")
def health_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("health"))


@pytest.fixture(scope="session")
def health_store(health_tree: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{health_tree.parent / 'store.db'}")
    fill_store(store, health_tree)
    yield store
    store.close()
