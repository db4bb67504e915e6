"""Adding a backend is adding a file: the registry, nvchecker source names, URL inference
and openEuler metadata kinds all come from the backends' own declarations."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from steward.distro.metadata import UpstreamInfo, UpstreamKind
from steward.upstream import sources
from steward.upstream.resolve import resolve_from_config, resolve_from_metadata, resolve_from_urls
from steward.upstream.sources import (
    BACKEND_MODULES,
    backend,
    backends,
    metadata_kinds,
    nvchecker_sources,
    url_patterns,
)
from steward.upstream.sources.base import Upstream

NEW_BACKEND = '''"""A backend that exists only in this test."""
import re

KIND = "forgejo-test"
TAGS = True
ALIASES = ("codeberg-test",)
NVCHECKER = {"forgejo_test": "forgejo_test"}
URLS = (re.compile(r"^https?://code\\.example\\.test/([^/]+/[^/]+)/"),)
METADATA_KINDS = ("forgejo-test",)


async def fetch(upstream, ctx):
    return []
'''


def _clear() -> None:
    for cached in (
        sources._module_names,
        backends,
        nvchecker_sources,
        url_patterns,
        metadata_kinds,
    ):
        cached.cache_clear()


@pytest.fixture
def extra_backend(tmp_path: Path) -> Iterator[None]:
    (tmp_path / "forgejo_test.py").write_text(NEW_BACKEND)
    sources.__path__.append(str(tmp_path))
    _clear()
    try:
        yield
    finally:
        sources.__path__.remove(str(tmp_path))
        sys.modules.pop("steward.upstream.sources.forgejo_test", None)
        _clear()


def test_a_new_file_under_sources_is_a_backend_everywhere(extra_backend: None) -> None:
    assert backend("forgejo-test").KIND == "forgejo-test"
    assert backend("codeberg-test") is backend("forgejo-test")
    found = resolve_from_config("x", {"source": "forgejo_test", "forgejo_test": "o/r"})
    assert isinstance(found, Upstream) and (found.kind, found.project) == ("forgejo-test", "o/r")
    inferred = resolve_from_urls(["https://code.example.test/o/r/archive/v1.tar.gz"])
    assert inferred is not None and (inferred.kind, inferred.project) == ("forgejo-test", "o/r")
    # distro keeps the raw kind it does not know; the backend's declaration maps it.
    info = UpstreamInfo("x.yaml", UpstreamKind.UNKNOWN, raw_kind="forgejo-test", src_repo="o/r")
    from_metadata = resolve_from_metadata("x", info)
    assert isinstance(from_metadata, Upstream) and from_metadata.kind == "forgejo-test"


def test_the_registry_lists_every_backend_and_its_aliases() -> None:
    assert BACKEND_MODULES["atomgit"] == "gitee" and BACKEND_MODULES["regex"] == "html"
    assert {"github", "pypi", "git", "rpmrepo", "maven"} <= set(BACKEND_MODULES)
    assert nvchecker_sources()["cratesio"] == ("crates", "cratesio")
    assert nvchecker_sources()["regex"] == ("html", "url")
    assert metadata_kinds()["rubygem"] == "rubygems"


def test_every_declared_url_pattern_names_its_project_in_group_one() -> None:
    for pattern, kind in url_patterns():
        assert pattern.groups >= 1, (kind, pattern.pattern)
        assert kind in BACKEND_MODULES
