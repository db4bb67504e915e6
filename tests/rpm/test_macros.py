"""The macro engine expands rpm's macro language like rpm, and never runs code."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from envneeds import needs, needs_tools

from steward.rpm.macros import MacroEngine

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
OE_MACROS = SHARED / "rpm-macros" / "openeuler"

PARAMETRIC = (
    "%zz(n:) [%{-n*}] [%1] [%*] [%#] [%0] [%**] [%{-n}] [%{-n:yes}] [%{!-n:no}] [%2]\n"
    "%with()\t%{expand:%%{?with_%{1}:1}%%{!?with_%{1}:0}}\n"
)

# Expressions rpm 4.18 itself evaluates; the expected values are checked against `rpm -E`
# in test_agrees_with_rpm_eval when rpm is installed.
CASES = [
    ("%{?nope:x}%{!?nope:y}%{?!nope:z}", "yz"),
    ("%{defined nope}", "0"),
    ("%{basename:/a/b.c}%{suffix:/a/b.c}", "b.cc"),
    ("%{dirname:/a/b.c}", "/a"),
    ("%{shrink:  a   b }|", "a b|"),
    ('%[1+2] %[v"1.2" < v"1.10"] %["a" == "a"]', "3 1 1"),
    ("%{expr:3*4}", "12"),
    ("%zz -n x a b", "[x] [a] [a b] [2] [zz] [-n x a b] [-n x] [yes] [] [b]"),
    ("%{zz -n y c d}", "[y] [c] [c d] [2] [zz] [-n y c d] [-n y] [yes] [] [d]"),
    ("%{zz:e f}", "[] [e f] [e f] [1] [zz] [e f] [] [] [no] [%2]"),
    ("%zz", "[] [%1] [] [0] [zz] [] [] [] [no] [%2]"),
    ("%{with foo}", "0"),
    ("100%% sure", "100% sure"),
    ("%{undefined_macro_x}", "%{undefined_macro_x}"),
    ("%undefined_macro_x", "%undefined_macro_x"),
    ("%{expand:%%{?nope:a}b}", "b"),
    ("%{url2path:https://example.org/a/b}", "/a/b"),
    ("%{?_isa_nope}%{nil}end", "end"),
]


@pytest.fixture
def engine() -> MacroEngine:
    m = MacroEngine()
    m.load_text(PARAMETRIC)
    return m


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_expansion_matches_rpm(engine: MacroEngine, text: str, expected: str) -> None:
    assert engine.expand(text) == expected


@needs_tools("rpm")
def test_agrees_with_rpm_eval(tmp_path: Path) -> None:
    macro_file = tmp_path / "macros.test"
    macro_file.write_text(PARAMETRIC)
    argv = ["rpm", "--load", str(macro_file)]
    for text, _ in CASES:
        argv += ["-E", text, "-E", "@@"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    got = [piece.strip("\n") for piece in out.split("@@")[:-1]]
    assert got == [expected for _, expected in CASES]


def test_shell_expansion_is_never_run(engine: MacroEngine, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    assert engine.expand(f"%(touch {marker})") == f"%(touch {marker})"
    engine.define("evil", f"%(touch {marker})")
    engine.expand("%{evil} %evil")
    assert not marker.exists()
    assert {d.code for d in engine.diagnostics} == {"unexpanded-shell"}


def test_lua_is_never_run(engine: MacroEngine) -> None:
    assert engine.expand('%{lua: os.execute("true")}') == '%{lua: os.execute("true")}'
    assert engine.diagnostics[-1].code == "unexpanded-lua"


def test_recursive_definition_ends_in_diagnostic_not_hang(engine: MacroEngine) -> None:
    engine.expand("%define aaa %{aaa}")
    started = time.monotonic()
    assert engine.expand("%aaa") == "%aaa"
    assert time.monotonic() - started < 1
    assert engine.diagnostics[-1].code == "recursion-limit"


def test_exponential_expansion_is_bounded(engine: MacroEngine) -> None:
    engine.define("b0", "xxxxxxxxxxxxxxxx")
    for i in range(1, 40):
        engine.define(f"b{i}", f"%{{b{i - 1}}}%{{b{i - 1}}}")
    started = time.monotonic()
    engine.expand("%{b39}")
    assert time.monotonic() - started < 5
    assert engine.diagnostics[-1].code == "recursion-limit"


def test_global_expands_body_at_definition_and_define_later(engine: MacroEngine) -> None:
    engine.define("ver", "1")
    engine.expand("%global g %{ver}\n%define d %{ver}")
    engine.define("ver", "2")
    assert engine.expand("%{g} %{d}") == "1 2"


def test_undefine_uncovers_older_definition(engine: MacroEngine) -> None:
    engine.define("stack", "old")
    engine.define("stack", "new")
    engine.undefine("stack")
    assert engine.expand("%stack") == "old"
    engine.undefine("stack")
    assert not engine.is_defined("stack")


def test_copy_is_independent(engine: MacroEngine) -> None:
    engine.define("shared", "a")
    clone = engine.copy()
    clone.define("shared", "b")
    clone.define("only_clone", "c")
    assert engine.expand("%shared") == "a"
    assert not engine.is_defined("only_clone")
    assert clone.expand("%shared") == "b"


def test_bcond_defaults_and_with_switches() -> None:
    m = MacroEngine()
    m.expand("%bcond_without tests\n%bcond_with docs\n%bcond feature 1\n%bcond other 0")
    assert m.expand("%{with tests} %{with docs} %{with feature} %{with other}") == "1 0 1 0"
    m2 = MacroEngine()
    m2.define("_without_tests", "--without-tests")
    m2.define("_with_docs", "--with-docs")
    m2.expand("%bcond_without tests\n%bcond_with docs")
    assert m2.expand("%{with tests} %{with docs} %{without tests}") == "0 1 1"


def test_string_builtins_beyond_rpm_418() -> None:
    m = MacroEngine()
    assert m.expand("%{len:abcd} %{upper:abC} %{lower:ABc} %{sub:hello 2 3}") == "4 ABC abc el"
    assert m.expand("%{sub:hello -3} %{reverse:abc} %{rep:ab 3 ,}") == "llo cba ab,ab,ab"


def test_continuation_lines_in_define_keep_newlines_drop_backslashes() -> None:
    m = MacroEngine()
    m.expand("%define multi \\\nline1\\\nline2")
    assert m.get("multi") == "\nline1\nline2"


@needs(OE_MACROS.is_dir(), "shared openEuler macros not present")
def test_reads_real_openeuler_macro_files_without_running_them(tmp_path: Path) -> None:
    m = MacroEngine()
    for path in sorted(OE_MACROS.iterdir()):
        m.load_file(path)
    assert not [d for d in m.diagnostics if d.severity == "error"]
    for name in ("package_help", "delete_la", "py3_build", "ldconfig_scriptlets", "perl_vendorlib"):
        assert m.is_defined(name), name
    assert m.is_structural("package_help")
    m.define("name", "demo")
    help_text = m.expand("%package_help")
    assert "%package        help" in help_text
    assert "Documents for demo" in help_text
    # Expanding every definition must not run anything: no files appear, no exception.
    for name in sorted(m.names()):
        m.expand(f"%{{{name}}}")
    assert not any(tmp_path.iterdir())


def test_unterminated_brace_is_left_with_a_warning() -> None:
    m = MacroEngine()
    assert m.expand("a %{oops b") == "a %{oops b"
    assert m.diagnostics[-1].code == "unterminated-macro"
