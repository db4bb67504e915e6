"""Steward's spec reader agrees with real rpmspec on every spec of the test corpus.

For each ``tests/rpm/corpus`` spec, real ``rpmspec`` (see ``rpmspec_oracle.py``) and
Steward's pure-Python reader are given the same macro files, defines and target arch; the
name, epoch, version, release, license, url, summary and the numbered, expanded Source and
Patch lists must be identical. Fields a spec computes with lua or shell (declared
``unexpandable=`` in its header) must instead be reported as not expandable.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from envneeds import needs
from rpmspec_oracle import (
    BASE_DEFINES,
    corpus_specs,
    query_corpus_spec,
    read_corpus_options,
    rpmspec_available,
)

from steward.rpm.macros import MacroEngine, host_macro_files, load_files
from steward.rpm.spec import parse_file

pytestmark = needs(rpmspec_available(), "rpmspec is not installed")

FIELDS = ("name", "epoch", "version", "release", "license", "url", "summary")
_ENGINES: dict[tuple[str, tuple[Path, ...]], MacroEngine] = {}


def steward_engine(target: str, macro_files: tuple[Path, ...]) -> MacroEngine:
    """The same macro files rpmspec reads (host rpm's, minus /etc/rpm), plus the spec's."""
    key = (target, macro_files)
    if key not in _ENGINES:
        engine = MacroEngine(target_arch=target, rpm_version=(4, 18))  # the oracle is rpm 4.18
        load_files(engine, host_macro_files(target_arch=target, include_etc=False))
        load_files(engine, macro_files)
        _ENGINES[key] = engine
    return _ENGINES[key].copy()


def corpus_ids() -> list[Path]:
    return [p for p in corpus_specs() if not read_corpus_options(p).expect_error]


@pytest.mark.parametrize("spec_path", corpus_ids(), ids=lambda p: p.stem)
def test_parser_agrees_with_rpmspec(spec_path: Path) -> None:
    options = read_corpus_options(spec_path)
    expected = query_corpus_spec(spec_path)
    engine = steward_engine(options.target, options.macro_files)
    for name, value in {**BASE_DEFINES, **options.defines}.items():
        engine.define(name, value)
    spec = parse_file(spec_path, macros=engine, arch=options.target)
    got = {field: getattr(spec, field) for field in FIELDS}
    want = {field: expected[field] for field in FIELDS}
    for field in options.unexpandable & set(FIELDS):
        got.pop(field)
        want.pop(field)
    assert got == want
    if "sources" in options.unexpandable:
        codes = {d.code for d in spec.diagnostics}
        assert codes & {"unexpanded-lua", "unexpanded-shell", "unknown-macro"}
    else:
        assert {s.number: s.expanded for s in spec.sources} == expected["sources"]
    if "patches" not in options.unexpandable:
        assert {p.number: p.expanded for p in spec.patches} == expected["patches"]


def test_error_specs_give_steward_diagnostics() -> None:
    for spec_path in corpus_specs():
        options = read_corpus_options(spec_path)
        if not options.expect_error:
            continue
        spec = parse_file(spec_path, macros=steward_engine(options.target, options.macro_files))
        assert spec.errors, f"{spec_path.name}: rpm refuses it, Steward should report an error"
