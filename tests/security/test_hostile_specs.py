"""Hostile specs: reading one never runs anything, reaches no file and always ends.

Steward reads untrusted specs with its own macro engine, the pure-text shell subset and a
sandboxed Lua. Each spec here tries to escape (write a file through ``%(...)``, Lua's
``io``/``os``/``load``, Python attributes behind the Lua API, ``%include`` outside the
package folder) or to never end (recursion, exponential expansion, endless Lua, memory
bombs, a huge spec). Every attempt must leave the canary file absent and end with a
diagnostic, never an exception.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from steward.distro.profiles import load_profile
from steward.distro.profiles_lua import lua_available
from steward.rpm.spec import parse, parse_file

PREAMBLE = "Name: evil\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n"
needs_lua = pytest.mark.skipif(not lua_available(), reason="lupa is not installed")


def read(text: str, path: Path | None = None, *, max_output: int | None = None) -> set[str]:
    """Parse with the default profile (sandboxed Lua attached); return diagnostic codes."""
    engine = load_profile("openeuler-24.03").macro_engine()
    if max_output is not None:
        engine.max_output = max_output  # the same bound, reached sooner
    spec = parse(text, macros=engine, path=path)
    return {d.code for d in spec.diagnostics}


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    return tmp_path / "pwned"


SHELL_ATTACKS = [
    "%(touch {canary})",
    "%(echo x > {canary})",
    "%(echo x >> {canary})",
    "%(echo $(touch {canary}))",
    "%(echo `touch {canary}`)",
    "%(c=1; touch {canary})",
    "%(true && touch {canary})",
    "%(false || touch {canary})",
    "%(echo x | tee {canary})",
    "%(sed 's/a/b/w {canary}' <<< a)",
    "%(awk 'BEGIN{{print 1 > \"{canary}\"}}')",
    "%(eval 'touch {canary}')",
    "%(X=$(touch {canary}); echo $X)",
    "%(echo ${{x:-$(touch {canary})}})",
]


@pytest.mark.parametrize("attack", SHELL_ATTACKS)
def test_shell_that_would_touch_a_file_is_never_run(attack: str, canary: Path) -> None:
    snippet = attack.format(canary=canary)
    text = PREAMBLE + f"%global x {snippet}\nURL: https://e.org/{snippet}\n%description\nd\n"
    text += f"%build\n{snippet}\n%prep\n{snippet}\n"
    codes = read(text)
    assert not canary.exists()
    assert "unexpanded-shell" in codes


LUA_ATTACKS = [
    'io.open("{canary}", "w"):write("x")',
    'os.execute("touch {canary}")',
    'require("os").execute("touch {canary}")',
    'load("return io")().open("{canary}", "w")',
    'loadstring("x")',
    'dofile("{canary}")',
    'debug.getupvalue(rpm.expand, 1)("touch {canary}")',
    'rpm.expand.__globals__["os"].system("touch {canary}")',
    "python.eval(\"__import__('os').system('touch {canary}')\")",
    'getmetatable("").__index.dump(print)',
    '_G.io.open("{canary}", "w")',
    'package.loadlib("libc.so.6", "system")',
    "string.dump(print)",
    'collectgarbage("count")',
]


@needs_lua
@pytest.mark.parametrize("attack", LUA_ATTACKS)
def test_lua_cannot_reach_files_processes_or_python(attack: str, canary: Path) -> None:
    code = attack.format(canary=canary)
    codes = read(PREAMBLE + f"URL: %{{lua: {code}}}\n%description\nd\n")
    assert not canary.exists()
    assert "lua-error" in codes


@needs_lua
def test_lua_reaching_shell_through_rpm_expand_or_define_runs_none(canary: Path) -> None:
    text = (
        PREAMBLE
        + f'%{{lua: rpm.define("x %(touch {canary})") print(rpm.expand("%(touch {canary})"))}}\n'
        + "URL: https://e.org/%{x}\n%description\nd\n"
    )
    codes = read(text)
    assert not canary.exists()
    assert "unexpanded-shell" in codes


@needs_lua
@pytest.mark.parametrize(
    "code",
    [
        "while true do end",
        "local s = 'x' while true do s = s .. s end",
        "local t = {} for i = 1, 1e9 do t[i] = i end",
        "print(string.rep('x', 1 << 30))",
        "local function f() return f() + 1 end f()",
        "for i = 1, 1e7 do print('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx') end",
    ],
)
def test_endless_or_greedy_lua_is_stopped(code: str) -> None:
    codes = read(PREAMBLE + f"URL: %{{lua: {code}}}\n%description\nd\n")
    assert "lua-error" in codes


@needs_lua
def test_lua_recursing_through_macros_is_bounded() -> None:
    text = '%define r() %{lua: print(rpm.expand("%{r}"))}\n' + PREAMBLE + "URL: %{r}\n"
    codes = read(text + "%description\nd\n")
    assert codes & {"recursion-limit", "lua-error"}


@pytest.mark.parametrize(
    "definitions",
    [
        "%define a %{a}\n",
        "%define a %{b}\n%define b %{a}\n",
        "%define a() %{a %1 %1}\n",
        "".join(f"%define l{i} %{{l{i - 1}}}%{{l{i - 1}}}%{{l{i - 1}}}\n" for i in range(1, 30))
        + "%define l0 xxxxxxxxxx\n",
    ],
)
def test_macro_bombs_end_in_a_diagnostic(definitions: str) -> None:
    last = "l29" if "l29" in definitions else "a"
    codes = read(
        definitions + PREAMBLE + f"URL: %{{{last}}}\n%description\nd\n", max_output=1 << 16
    )
    assert "recursion-limit" in codes


def test_shell_subset_bombs_are_bounded() -> None:
    text = PREAMBLE + "URL: %(c=xxxxxxxxxx; echo $c$c$c$c | sed 's/x/xxxxxxxxxx/g' | "
    text += "sed 's/x/xxxxxxxxxx/g' | sed 's/x/xxxxxxxxxx/g' | sed 's/x/xxxxxxxxxx/g' | "
    text += "sed 's/x/xxxxxxxxxx/g')\n"
    codes = read(text + "%description\nd\n")
    assert "unexpanded-shell" in codes


def test_include_outside_the_package_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    spec_path = folder / "evil.spec"
    spec_path.write_text(PREAMBLE + "%include /etc/passwd\n%include ../x\n%description\nd\n")
    spec = parse_file(spec_path, macros=load_profile("openeuler-24.03").macro_engine())
    refused = [d for d in spec.diagnostics if d.code == "include-refused"]
    assert len(refused) == 2


def test_huge_spec_is_read_to_the_end() -> None:
    body = "".join(f"%global m{i} %(echo {i} | cut -d. -f1)\nProvides: p{i}\n" for i in range(4000))
    text = PREAMBLE + body + "%description\nd\n%changelog\n* Mon Jan 01 2024 A <a@b.c> - 1-1\n- x\n"
    engine = load_profile("openeuler-24.03").macro_engine()
    spec = parse(text, macros=engine)
    assert spec.name == "evil"
    assert len(spec.changelog) == 1
    assert engine.copy().get("m3999") is None  # the reader's own copy holds the definitions
    assert spec.macros is not None and spec.macros.get("m3999") == "3999"
